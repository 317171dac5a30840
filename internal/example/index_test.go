package example

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// indexRepo is a work tree with a file, an executable, a symlink, a nested path and one long
// enough to need more than one padding block, committed; its snapshot.
func indexRepo(t *testing.T) (string, *snapshot) {
	t.Helper()
	root := t.TempDir()
	work := filepath.Join(root, "w")
	require.NoError(t, os.MkdirAll(filepath.Join(work, "a", "b"), 0o755))
	files := map[string]string{"f": "file\n", "a/b/nested.txt": "nested\n", "a/" + strings.Repeat("long", 40): "long\n"}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(work, name), []byte(body), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(work, "run.sh"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.Symlink("f", filepath.Join(work, "link")))
	gitOut(t, root, "init", "-q", "w")
	gitOut(t, work, "add", "-A")
	gitOut(t, work, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "files")
	snap, err := takeSnapshot(root)
	require.NoError(t, err)
	return work, snap
}

// A copy's index refreshed in process is the index git's refresh would leave: git finds every
// entry fresh (plumbing that trusts the stats sees a clean tree) and has nothing to rewrite.
func TestRefreshIndexIsWhatGitWrites(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the index is refreshed in process on Linux only; elsewhere git does it")
	}
	t.Parallel()
	_, snap := indexRepo(t)
	root := t.TempDir()
	require.NoError(t, snap.restore(context.Background(), root))
	work, index := filepath.Join(root, "w"), filepath.Join(root, "w", ".git", "index")
	before, err := os.ReadFile(index)
	require.NoError(t, err)
	gitOut(t, work, "diff-files", "--quiet")
	gitOut(t, work, "update-index", "--refresh")
	after, err := os.ReadFile(index)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(before, after), "git rewrote the index: its stat data was not what git writes")

	// Without the refresh the copy's index is stale: the check above can fail.
	stale := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(stale, "w", ".git"), 0o755))
	copyTree(t, filepath.Join(root, "w"), filepath.Join(stale, "w"))
	_, err = gitCmd(filepath.Join(stale, "w"), nil, "diff-files", "--quiet")
	assert.Error(t, err, "a copied index that nobody refreshed looks clean to plumbing")
	require.NoError(t, refreshIndex(filepath.Join(stale, "w"), filepath.Join(stale, "w", ".git", "index")))
	gitOut(t, filepath.Join(stale, "w"), "diff-files", "--quiet")
}

// What refreshIndex does not know for sure it leaves to git, and writes nothing: a conflict,
// an index of version 4, a file whose size changed.
func TestRefreshIndexLeavesTheRestToGit(t *testing.T) {
	t.Parallel()
	for name, prepare := range map[string]func(t *testing.T, work string){
		"conflict": func(t *testing.T, work string) {
			blob := gitOut(t, work, "rev-parse", "HEAD:f")
			info := "0 " + strings.Repeat("0", 40) + "\tf\n100644 " + blob + " 1\tf\n100644 " + blob + " 2\tf\n"
			out, err := gitCmd(work, strings.NewReader(info), "update-index", "--index-info")
			require.NoError(t, err, out)
			require.Contains(t, gitOut(t, work, "ls-files", "-u"), " 2\tf")
		},
		"version 4": func(t *testing.T, work string) { gitOut(t, work, "update-index", "--index-version", "4") },
		"changed": func(t *testing.T, work string) {
			require.NoError(t, os.WriteFile(filepath.Join(work, "f"), []byte("changed, longer\n"), 0o644))
		},
	} {
		t.Run(name, func(t *testing.T) {
			work, _ := indexRepo(t)
			prepare(t, work)
			index := filepath.Join(work, ".git", "index")
			before, err := os.ReadFile(index)
			require.NoError(t, err)
			assert.ErrorIs(t, refreshIndex(work, index), errIndexFormat)
			after, err := os.ReadFile(index)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(before, after), "the index was written")
		})
	}
}

// gitCmd runs git in dir with stdin and returns its combined output.
func gitCmd(dir string, stdin io.Reader, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyTree copies the files under from to to, new files with new inodes and times.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	snap, err := takeSnapshot(from)
	require.NoError(t, err)
	for _, f := range snap.files {
		p := filepath.Join(to, f.rel)
		switch {
		case f.mode.IsDir():
			require.NoError(t, os.MkdirAll(p, 0o755))
		case f.mode&os.ModeSymlink != 0:
			require.NoError(t, os.Symlink(string(f.data), p))
		default:
			require.NoError(t, os.WriteFile(p, f.data, f.mode.Perm()))
		}
	}
}
