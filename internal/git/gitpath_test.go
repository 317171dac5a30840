package git

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// Every path a run asks GitPath for, the commit hooks' included, comes from one git process.
func TestGitPathAsksGitOnce(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	r, err := OpenWorkTree(ctx, dir)
	require.NoError(t, err)
	defer r.Close()
	started := gittest.Started(t, &r.Git.Env)

	sd, err := r.StateDir(ctx)
	require.NoError(t, err)
	assert.Equal(t, "", r.InProgress())
	gitDir := filepath.Join(dir, ".git")
	for name, want := range map[string]string{
		"rr-cache": "rr-cache", "index": "index", "index.lock": "index.lock", "shallow": "shallow",
		"worktrees": "worktrees", "CHERRY_PICK_HEAD": "CHERRY_PICK_HEAD",
	} {
		p, err := r.GitPath(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(gitDir, want), p, name)
	}
	assert.Empty(t, r.CommitHooks(ctx))
	assert.Equal(t, filepath.Join(gitDir, "releasekit"), sd.Base)

	var cmds []string
	for _, s := range started() {
		cmds = append(cmds, strings.Fields(s)[0])
	}
	// rev-parse for every path, config for commit.gpgSign.
	assert.Equal(t, []string{"rev-parse", "config"}, cmds, "%q", started())
}

// CommitHooks finds the hooks where git runs them: core.hooksPath (absolute or relative to the
// top of the work tree) instead of the git dir's hooks, and the main git dir's hooks from a
// linked worktree. Each case commits with git to show that git runs the hook CommitHooks names.
func TestCommitHooksWhereGitRunsThem(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	hook := func(t *testing.T, path string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		body := "#!/bin/sh\necho ran >> \"" + path + ".ran\"\n"
		require.NoError(t, os.WriteFile(path, []byte(body), 0o755))
	}
	ran := func(path string) bool {
		_, err := os.Stat(path + ".ran")
		return err == nil
	}
	hooksOf := func(t *testing.T, dir string) []string {
		t.Helper()
		r, err := OpenWorkTree(ctx, dir)
		require.NoError(t, err)
		defer r.Close()
		return r.CommitHooks(ctx)
	}

	t.Run("absolute core.hooksPath", func(t *testing.T) {
		dir := oneCommit(t)
		ignored := filepath.Join(dir, ".git", "hooks", "post-commit")
		hook(t, ignored)
		used := filepath.Join(t.TempDir(), "hooks", "prepare-commit-msg")
		hook(t, used)
		run(t, dir, nil, "config", "core.hooksPath", filepath.Dir(used))
		assert.Equal(t, []string{"prepare-commit-msg"}, hooksOf(t, dir))
		run(t, dir, nil, "commit", "-q", "--allow-empty", "-m", "two")
		assert.True(t, ran(used))
		assert.False(t, ran(ignored))
	})
	t.Run("relative core.hooksPath", func(t *testing.T) {
		dir := oneCommit(t)
		used := filepath.Join(dir, "tools", "hooks", "post-commit")
		hook(t, used)
		run(t, dir, nil, "config", "core.hooksPath", "tools/hooks")
		// From a subdirectory too: the path is relative to the top of the work tree.
		sub := filepath.Join(dir, "tools")
		assert.Equal(t, []string{"post-commit"}, hooksOf(t, sub))
		run(t, sub, nil, "commit", "-q", "--allow-empty", "-m", "two")
		assert.True(t, ran(used))
	})
	t.Run("linked worktree", func(t *testing.T) {
		dir := oneCommit(t)
		used := filepath.Join(dir, ".git", "hooks", "post-commit")
		hook(t, used)
		linked := filepath.Join(t.TempDir(), "linked")
		run(t, dir, nil, "worktree", "add", "-q", "-b", "side", linked)
		assert.Equal(t, []string{"post-commit"}, hooksOf(t, linked))
		run(t, linked, nil, "commit", "-q", "--allow-empty", "-m", "two")
		assert.True(t, ran(used))
	})
	t.Run("not executable", func(t *testing.T) {
		dir := oneCommit(t)
		p := filepath.Join(dir, ".git", "hooks", "post-commit")
		hook(t, p)
		require.NoError(t, os.Chmod(p, 0o644))
		assert.Empty(t, hooksOf(t, dir))
	})
}
