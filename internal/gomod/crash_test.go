package gomod_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/gomod"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// childDir, in the environment of this test binary, makes it run wrapper:vendor in that
// directory (for the release in childRelease) instead of the tests: the crash tests kill it.
const (
	childDir     = "GOMOD_TEST_CHILD_DIR"
	childRelease = "GOMOD_TEST_CHILD_RELEASE"
)

func child(dir string) int {
	m, err := release.ParseMinor(os.Getenv(childRelease))
	if err == nil {
		_, err = gomod.Run(context.Background(), gomod.Options{Dir: dir, Release: m})
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	return 0
}

// killedAt runs wrapper:vendor for rel in another process, killed at the named point.
func killedAt(t *testing.T, w *example.Wrapper, rel, point string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), w.Env()...), childDir+"="+w.Dir, childRelease+"="+rel, "RELEASEKIT_TEST_CRASH="+point)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	require.Equal(t, "signal: killed", exit.ProcessState.String(), "the run was not killed at %s: %s", point, out)
}

// tree is every file a run may change: go.mod, go.sum and all of vendor/.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"go.mod", "go.sum"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			files[name] = string(b)
		}
	}
	err := filepath.WalkDir(filepath.Join(dir, "vendor"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	require.NoError(t, err)
	return files
}

// A run killed at any step of building its backup, of putting it back or of keeping its
// result loses nothing: the next run that fails puts go.mod, go.sum and every file of vendor/
// back as they were before the killed run, and the next run that succeeds ends where an
// uninterrupted run does. The backup is never taken for garbage, and no run ends well without
// vendor/.
func TestKilledAtEveryStepIsRecovered(t *testing.T) {
	ref := newWrapper(t)
	_, err := gomod.Run(context.Background(), opts(t, ref, "4.15"))
	require.NoError(t, err)
	want := tree(t, ref.Dir)
	require.Contains(t, want, "vendor/modules.txt")

	for _, tc := range []struct {
		point, rel string
	}{
		{"wrapper-backup-dir", "4.15"},
		{"wrapper-backup-go.mod", "4.15"},
		{"wrapper-backup-go.sum", "4.15"},
		{"wrapper-backup-vendor", "4.15"},
		{"wrapper-backup-manifest", "4.15"},
		{"wrapper-commit-vendor", "4.15"},
		{"wrapper-discard", "4.15"},
		// 4.99 has no branches: the run fails and puts everything back.
		{"wrapper-restore-go.mod", "4.99"},
		{"wrapper-restore-go.sum", "4.99"},
		{"wrapper-restore-remove-vendor", "4.99"},
	} {
		t.Run(tc.point, func(t *testing.T) {
			w := newWrapper(t)
			before := tree(t, w.Dir)
			if tc.point == "wrapper-commit-vendor" {
				// A vendor/ go mod vendor does not rewrite (no modules.txt) is moved back at the end.
				require.NoError(t, os.Remove(filepath.Join(w.Dir, "vendor", "modules.txt")))
				delete(before, "vendor/modules.txt")
				require.NoError(t, os.WriteFile(filepath.Join(w.Dir, "vendor", "keep.txt"), []byte("mine\n"), 0o666))
				before["vendor/keep.txt"] = "mine\n"
			}
			killedAt(t, w, tc.rel, tc.point)

			// The next run fails (no such release) after it put back what the killed run backed up.
			_, err := gomod.Run(context.Background(), opts(t, w, "4.99"))
			require.ErrorIs(t, err, gomod.ErrRevisionNotFound)
			if tc.point == "wrapper-discard" {
				// The killed run had finished: its result stays.
				require.Equal(t, want, tree(t, w.Dir))
			} else {
				require.Equal(t, before, tree(t, w.Dir))
			}
			require.NoDirExists(t, filepath.Join(w.Dir, ".git", "releasekit", "wrapper-backup"))
			if tc.point == "wrapper-commit-vendor" {
				return
			}

			_, err = gomod.Run(context.Background(), opts(t, w, "4.15"))
			require.NoError(t, err)
			require.Equal(t, want, tree(t, w.Dir))
			consistent(t, w)
		})
	}
}
