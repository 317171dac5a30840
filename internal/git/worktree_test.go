package git

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWorktreeLeavesTheMainTreeAlone(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	repo, err := Open(ctx, dir)
	require.NoError(t, err)
	head, err := repo.Head(ctx)
	require.NoError(t, err)

	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	wt := filepath.Join(base, "w1")
	require.NoError(t, repo.AddWorktree(ctx, wt, head))
	w, err := repo.OpenWorktree(ctx, wt)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(wt, "f"), []byte("2\n"), 0o644))
	_, err = w.Git.Run(ctx, "commit", "-qam", "two")
	require.NoError(t, err)

	require.Equal(t, "main", run(t, dir, nil, "rev-parse", "--abbrev-ref", "HEAD"))
	require.Equal(t, "", run(t, dir, nil, "status", "--porcelain"))
	list, _, err := repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	require.Len(t, list, 1)

	require.NoError(t, repo.RemoveWorktree(ctx, wt))
	_, err = os.Stat(wt)
	require.True(t, os.IsNotExist(err))
	list, _, err = repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	require.Empty(t, list)
}

// Parallel verifies and canaries add worktrees to one repository at the same time; git 2.39
// fails an add that reads another add's half-written administrative directory.
func TestWorktreeAddsInParallel(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	repo, err := Open(ctx, dir)
	require.NoError(t, err)
	head, err := repo.Head(ctx)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	const n = 16
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			p := filepath.Join(base, fmt.Sprintf("w%d", i))
			if err := repo.AddWorktree(ctx, p, head); err != nil {
				errs <- err
				return
			}
			errs <- repo.RemoveWorktree(ctx, p)
		}()
	}
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
}

// ListWorktrees says a prune has something to do exactly when git worktree prune would forget a
// worktree (git's own dry run, prune -n, is the judge), or remove its empty worktrees directory.
// A worktree whose directory was removed by hand is one: after the prune, a worktree is added
// at its path again.
func TestListWorktreesSaysWhenToPrune(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	repo, err := Open(ctx, dir)
	require.NoError(t, err)
	defer repo.Close()
	head, err := repo.Head(ctx)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	admin := filepath.Join(dir, ".git", "worktrees")
	add := func(name string) string {
		p := filepath.Join(base, name)
		require.NoError(t, repo.AddWorktree(ctx, p, head))
		return p
	}
	check := func(what string, want bool) {
		t.Helper()
		_, stale, err := repo.ListWorktrees(ctx, base)
		require.NoError(t, err)
		dry := run(t, dir, nil, "worktree", "prune", "-n")
		_, aerr := os.Stat(admin)
		entries, _ := os.ReadDir(admin)
		emptyAdmin := aerr == nil && len(entries) == 0
		assert.Equal(t, dry != "" || emptyAdmin, stale, "%s: prune -n says %q", what, dry)
		assert.Equal(t, want, stale, what)
	}

	check("no linked worktree", false)
	w1, w2 := add("w1"), add("w2")
	check("two live worktrees", false)

	require.NoError(t, os.RemoveAll(w1))
	check("a directory removed by hand", true)
	require.NoError(t, repo.PruneWorktrees(ctx))
	check("pruned", false)
	require.NoError(t, repo.AddWorktree(ctx, w1, head), "a worktree is added again where the removed one was")
	check("added again", false)

	// A locked worktree is kept by prune even without its directory.
	run(t, dir, nil, "worktree", "lock", w2)
	require.NoError(t, os.RemoveAll(w2))
	check("a locked worktree without its directory", false)
	run(t, dir, nil, "worktree", "unlock", w2)
	check("unlocked", true)
	require.NoError(t, repo.PruneWorktrees(ctx))

	// What the list leaves out: an entry without a gitdir file, a file.
	w3 := add("w3")
	id := filepath.Base(w3)
	require.NoError(t, os.Remove(filepath.Join(admin, id, "gitdir")))
	check("an entry without its gitdir file", true)
	require.NoError(t, repo.PruneWorktrees(ctx))
	require.NoError(t, os.RemoveAll(w3))
	require.NoError(t, os.WriteFile(filepath.Join(admin, "junk"), nil, 0o644))
	check("a file among the entries", true)
	require.NoError(t, repo.PruneWorktrees(ctx))
	check("pruned again", false)

	// Two entries of one path: prune forgets the second.
	require.NoError(t, os.CopyFS(filepath.Join(admin, "w1dup"), os.DirFS(filepath.Join(admin, filepath.Base(w1)))))
	check("two entries of one path", true)
	require.NoError(t, repo.PruneWorktrees(ctx))
	check("deduplicated", false)

	// The last worktree removed by hand, then pruned: prune also removes the empty directory.
	require.NoError(t, repo.RemoveWorktree(ctx, w1))
	check("none left", false)
	require.NoError(t, os.MkdirAll(admin, 0o755))
	check("an empty worktrees directory", true)

	// A git that marks nothing (before 2.31): always prune.
	wts, err := repo.worktreeList(ctx)
	require.NoError(t, err)
	require.NoError(t, os.Remove(admin))
	assert.False(t, worktreesStale(wts, true, admin))
	assert.True(t, worktreesStale(wts, false, admin))
}

// CheckNotCheckedOutElsewhere tells this work tree from the others by its top directory, the
// same through a symbolic link.
func TestCheckNotCheckedOutElsewhere(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	linked := filepath.Join(t.TempDir(), "linked")
	run(t, dir, nil, "worktree", "add", "-q", "-b", "side", linked)
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(linked, link))
	for _, c := range []struct {
		from, branch, elsewhere string
	}{
		{dir, "main", ""}, {dir, "side", linked}, {linked, "side", ""}, {linked, "main", dir},
		{link, "side", ""}, {filepath.Join(link, "."), "main", dir}, {dir, "none", ""},
	} {
		r, err := Open(ctx, c.from)
		require.NoError(t, err)
		err = r.CheckNotCheckedOutElsewhere(ctx, c.branch)
		r.Close()
		if c.elsewhere == "" {
			assert.NoError(t, err, "%s from %s", c.branch, c.from)
			continue
		}
		var inUse *BranchInUseError
		require.ErrorAs(t, err, &inUse, "%s from %s", c.branch, c.from)
		assert.Equal(t, c.branch, inUse.Branch)
		got, err := filepath.EvalSymlinks(inUse.Worktree)
		require.NoError(t, err)
		want, err := filepath.EvalSymlinks(c.elsewhere)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%s from %s", c.branch, c.from)
	}
}

// DetachedAt reads HEAD from the git dir of a work tree, a linked worktree's through its .git
// file: true only for a HEAD detached at the commit.
func TestDetachedAt(t *testing.T) {
	testEnv(t)
	dir := oneCommit(t)
	head := plumbing.NewHash(run(t, dir, nil, "rev-parse", "HEAD"))
	other := plumbing.NewHash(run(t, dir, nil, "commit-tree", "-m", "x", head.String()+"^{tree}"))
	assert.False(t, DetachedAt(dir, head), "on a branch")
	run(t, dir, nil, "checkout", "-q", "--detach")
	assert.True(t, DetachedAt(dir, head))
	assert.False(t, DetachedAt(dir, other))
	linked := filepath.Join(t.TempDir(), "linked")
	run(t, dir, nil, "worktree", "add", "-q", "--detach", linked, other.String())
	assert.True(t, DetachedAt(linked, other))
	assert.False(t, DetachedAt(linked, head))
	assert.True(t, DetachedAt(dir, head), "the main work tree's HEAD is its own")
	assert.False(t, DetachedAt(t.TempDir(), head), "not a work tree")
}
