package git

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// The paths a run asks GitPath for come from the repository's layout, with no git process; the
// commit hooks' (which core.hooksPath can move) from one.
func TestGitPathAsksGitOnlyForTheHooks(t *testing.T) {
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
	// rev-parse for the hooks, config for commit.gpgSign.
	assert.Equal(t, []string{"rev-parse", "config"}, cmds, "%q", started())
	assert.Contains(t, started()[0], "hooks/", "the layout's paths are not asked of git")
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

// GitPath's answers from the layout are git's own, on every layout a work tree can have; where
// the environment can move a path, git answers.
func TestGitPathFromTheLayoutIsGits(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	main := oneCommit(t)
	linked := filepath.Join(t.TempDir(), "linked")
	run(t, main, nil, "worktree", "add", "-q", "-b", "side", linked)
	separate := filepath.Join(t.TempDir(), "work")
	run(t, t.TempDir(), nil, "init", "-q", "--separate-git-dir", filepath.Join(t.TempDir(), "gitdir"), separate)
	// A linked worktree of a repository whose git dir is separate: a gitdir file whose commondir
	// points back across directories.
	linkedSeparate := filepath.Join(t.TempDir(), "linked-separate")
	require.NoError(t, os.WriteFile(filepath.Join(separate, "f"), []byte("1\n"), 0o644))
	run(t, separate, nil, "add", "f")
	run(t, separate, nil, "commit", "-qm", "one")
	run(t, separate, nil, "worktree", "add", "-q", "-b", "side", linkedSeparate)

	names := append([]string{"--git-common-dir"}, slices.Sorted(maps.Keys(layoutPaths))...)
	gitSays := func(t *testing.T, dir string, env []string) []string {
		t.Helper()
		var args []string
		for _, n := range names {
			if n == "--git-common-dir" {
				args = append(args, n)
				continue
			}
			args = append(args, "--git-path", n)
		}
		var abs []string
		for _, p := range strings.Split(run(t, dir, env, append([]string{"rev-parse"}, args...)...), "\n") {
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			abs = append(abs, filepath.Clean(p))
		}
		return abs
	}
	for _, dir := range []string{main, linked, separate, linkedSeparate} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			r, err := OpenWorkTree(ctx, dir)
			require.NoError(t, err)
			defer r.Close()
			started := gittest.Started(t, &r.Git.Env)
			var got []string
			for _, n := range names {
				if n == "--git-common-dir" {
					continue
				}
				p, err := r.GitPath(ctx, n)
				require.NoError(t, err)
				got = append(got, p)
			}
			got = append([]string{r.commonDir}, got...)
			assert.Equal(t, gitSays(t, dir, nil), got)
			assert.Empty(t, started(), "the layout answers without git")
		})
	}
	t.Run("GIT_INDEX_FILE", func(t *testing.T) {
		index := filepath.Join(t.TempDir(), "elsewhere")
		r, err := OpenWorkTree(ctx, main)
		require.NoError(t, err)
		defer r.Close()
		r.Git.Env = append(r.Git.Env, "GIT_INDEX_FILE="+index)
		p, err := r.GitPath(ctx, "index")
		require.NoError(t, err)
		assert.Equal(t, index, p, "git places the index where the environment says")
	})
}
