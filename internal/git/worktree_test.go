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

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
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
	concurrently(t, 16, func(i int) error {
		p := filepath.Join(base, fmt.Sprintf("w%d", i))
		if err := repo.AddWorktree(ctx, p, head); err != nil {
			return err
		}
		return repo.RemoveWorktree(ctx, p)
	})
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

	require.NoError(t, os.Remove(admin))
	check("no worktrees directory again", false)

	// A git that marks nothing (before 2.31): always prune while there is a worktrees
	// directory; without one, prune returns at once on every git.
	marks := func() bool { return true }
	noMarks := func() bool { return false }
	add("w4")
	wts, err := repo.worktreeList(ctx)
	require.NoError(t, err)
	assert.False(t, worktreesStale(wts, admin, marks))
	assert.True(t, worktreesStale(wts, admin, noMarks))
	require.NoError(t, repo.RemoveWorktree(ctx, filepath.Join(base, "w4")))
	require.NoDirExists(t, admin, "git removes the worktrees directory with the last worktree")
	wts, err = repo.worktreeList(ctx)
	require.NoError(t, err)
	assert.False(t, worktreesStale(wts, admin, marks))
	assert.False(t, worktreesStale(wts, admin, noMarks))
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

// Without a worktrees directory in the common dir, a repository has no linked worktree: the
// list, the check of a branch checked out elsewhere and the prune start no git (once GitPath has
// run). With one, they ask git as before.
func TestNoLinkedWorktreeStartsNoGit(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, err := filepath.EvalSymlinks(oneCommit(t)) // git lists real paths
	require.NoError(t, err)
	repo, err := Open(ctx, dir)
	require.NoError(t, err)
	defer repo.Close()
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	started := gittest.Started(t, &repo.Git.Env)

	paths, stale, err := repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	assert.Empty(t, paths)
	assert.False(t, stale)
	assert.Equal(t, "", run(t, dir, nil, "worktree", "prune", "-n"), "git has nothing to prune either")
	require.NoError(t, repo.CheckNotCheckedOutElsewhere(ctx, "main"))
	require.NoError(t, repo.PruneWorktrees(ctx))
	assert.Empty(t, started(), "no git at all")

	linked := filepath.Join(base, "w1")
	run(t, dir, nil, "worktree", "add", "-q", "-b", "side", linked)
	paths, stale, err = repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, []string{linked}, paths)
	assert.False(t, stale)
	var inUse *BranchInUseError
	require.ErrorAs(t, repo.CheckNotCheckedOutElsewhere(ctx, "side"), &inUse)
	assert.Equal(t, linked, inUse.Worktree)
	require.NoError(t, repo.PruneWorktrees(ctx))
	assert.Equal(t, 2, gittest.Count(started(), "worktree list"), "%q", started())
	assert.Equal(t, 1, gittest.Count(started(), "worktree prune"), "%q", started())

	// From the linked worktree, the main worktree is elsewhere.
	w, err := Open(ctx, linked)
	require.NoError(t, err)
	defer w.Close()
	require.ErrorAs(t, w.CheckNotCheckedOutElsewhere(ctx, "main"), &inUse)
	assert.Equal(t, dir, inUse.Worktree)
}

// git lists the main worktree of a repository whose git dir is outside its work tree (git init
// --separate-git-dir) at its git dir: CheckNotCheckedOutElsewhere still knows it from the
// linked worktrees, with and without any.
func TestCheckNotCheckedOutElsewhereSeparateGitDir(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	root, err := filepath.EvalSymlinks(t.TempDir()) // git lists real paths
	require.NoError(t, err)
	work, store := filepath.Join(root, "work"), filepath.Join(root, "store.git")
	run(t, root, nil, "init", "-q", "-b", "main", "--separate-git-dir="+store, work)
	run(t, work, nil, "commit", "-q", "--allow-empty", "-m", "one")
	check := func(from, branch, elsewhere string) {
		t.Helper()
		r, err := Open(ctx, from)
		require.NoError(t, err)
		defer r.Close()
		err = r.CheckNotCheckedOutElsewhere(ctx, branch)
		if elsewhere == "" {
			assert.NoError(t, err, "%s from %s", branch, from)
			return
		}
		var inUse *BranchInUseError
		require.ErrorAs(t, err, &inUse, "%s from %s", branch, from)
		assert.Equal(t, elsewhere, inUse.Worktree)
	}
	check(work, "main", "")
	linked := filepath.Join(root, "linked")
	run(t, work, nil, "worktree", "add", "-q", "-b", "side", linked)
	require.Contains(t, run(t, work, nil, "worktree", "list", "--porcelain"), "worktree "+store+"\n")
	check(work, "main", "")
	check(work, "side", linked)
	check(linked, "side", "")
	check(linked, "main", store)
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
