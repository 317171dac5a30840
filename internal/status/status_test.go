package status

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}

// The wrapper step is done only when go.mod replaces the installer with a commit of the
// fork's release branch: another commit, or a tag, is not the release.
func TestWrapperStep(t *testing.T) {
	ctx := context.Background()
	inst := t.TempDir()
	run(t, inst, "init", "-q", "-b", "main")
	run(t, inst, "commit", "-q", "--allow-empty", "-m", "base")
	run(t, inst, "switch", "-q", "-c", "release-4.16-azure")
	run(t, inst, "commit", "-q", "--allow-empty", "-m", "CARRY: one")
	on := run(t, inst, "rev-parse", "HEAD")
	run(t, inst, "switch", "-q", "main")
	run(t, inst, "commit", "-q", "--allow-empty", "-m", "elsewhere")
	off := run(t, inst, "rev-parse", "HEAD")
	repo, err := git.Open(ctx, inst)
	require.NoError(t, err)
	defer repo.Close()

	m := release.Minor{Major: 4, Minor: 16}
	wrapper := t.TempDir()
	write := func(version string) {
		gomod := "module github.com/openshift/installer-aro-wrapper\n\ngo 1.22\n\nreplace github.com/openshift/installer => github.com/openshift/installer-aro " + version + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(wrapper, "go.mod"), []byte(gomod), 0o644))
	}
	write("v0.0.0-20260101000000-" + on[:12])
	done, ev := wrapperStep(ctx, wrapper, repo, m)
	assert.True(t, done, ev)
	assert.Contains(t, ev, "(on release-4.16-azure)")

	write("v0.0.0-20260101000000-" + off[:12])
	done, ev = wrapperStep(ctx, wrapper, repo, m)
	assert.False(t, done)
	assert.Contains(t, ev, "not a commit of release-4.16-azure")

	write("v0.16.1")
	done, ev = wrapperStep(ctx, wrapper, repo, m)
	assert.False(t, done)
	assert.Contains(t, ev, "not a pseudo-version")

	done, _ = wrapperStep(ctx, wrapper, nil, m)
	assert.False(t, done)
}

func TestIsRemote(t *testing.T) {
	t.Chdir(t.TempDir())
	// A local directory named like host:path is a directory, as git treats it.
	local := "host:path"
	if err := os.Mkdir(local, 0o755); err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{
		"https://github.com/openshift/installer-aro.git": true,
		"ssh://git@github.com/Azure/ARO-RP.git":          true,
		"file:///srv/git/wrapper.git":                    true,
		"git@github.com:openshift/installer-aro.git":     true,
		"github.com:openshift/installer-aro.git":         true,
		"/home/me/src/installer":                         false,
		"installer":                                      false,
		"./a:b":                                          false,
		local:                                            false,
		"other:path":                                     true,
	} {
		if got := IsRemote(s); got != want {
			t.Errorf("IsRemote(%q) = %v, want %v", s, got, want)
		}
	}
}
