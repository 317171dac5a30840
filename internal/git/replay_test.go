package git_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// AddedPaths answers every pair of trees in one git, in order, also pairs without an added path.
func TestAddedPathsOfManyPairs(t *testing.T) {
	diffEnv(t)
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q")
	write := func(p string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(p+"\n"), 0o644))
	}
	var trees []string
	commit := func() {
		gitOut(t, dir, "add", "-A")
		gitOut(t, dir, "commit", "-q", "--allow-empty", "-m", "c")
		trees = append(trees, gitOut(t, dir, "rev-parse", "HEAD^{tree}"))
	}
	write("a.txt")
	commit()
	write("b.txt")
	write("dir/sub/c.txt")
	commit()
	require.NoError(t, os.Remove(filepath.Join(dir, "a.txt")))
	commit()
	write("a.txt")
	write("d e.txt")
	commit()
	repo, err := git.Open(context.Background(), dir)
	require.NoError(t, err)
	got, err := repo.AddedPaths(context.Background(), [][2]string{
		{trees[0], trees[1]}, {trees[1], trees[2]}, {trees[2], trees[2]}, {trees[2], trees[3]}, {trees[0], trees[3]},
	})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"b.txt", "dir/sub/c.txt"}, nil, nil, {"a.txt", "d e.txt"}, {"b.txt", "d e.txt", "dir/sub/c.txt"}}, got)
	_, err = repo.AddedPaths(context.Background(), [][2]string{{"--output=x", trees[0]}})
	assert.Error(t, err, "not a tree: never given to git")
}

// CommitPickAs makes the commit git cherry-pick makes: the patch's author, date and message,
// the user as committer; CommitTreeAs keeps the patch's committer too.
func TestCommitPickAsKeepsAuthorshipNotCommitter(t *testing.T) {
	// Not in parallel: it sets the process environment (t.Setenv); git's identity otherwise is
	// TestMain's.
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x\n"), 0o644))
	gitOut(t, dir, "add", "f")
	t.Setenv("GIT_AUTHOR_DATE", "1500000000 +0530")
	t.Setenv("GIT_COMMITTER_NAME", "Patch Committer")
	gitOut(t, dir, "commit", "-q", "--cleanup=verbatim", "-m", "subject\n\n  body  \n")
	t.Setenv("GIT_COMMITTER_NAME", "T")
	like := plumbing.NewHash(gitOut(t, dir, "rev-parse", "HEAD"))
	tree := gitOut(t, dir, "rev-parse", "HEAD^{tree}")
	repo, err := git.Open(context.Background(), dir)
	require.NoError(t, err)
	pick, err := repo.CommitPickAs(context.Background(), tree, like, like)
	require.NoError(t, err)
	show := func(h plumbing.Hash) string {
		return gitOut(t, dir, "show", "-s", "--format=%P|%an <%ae> %ad|%cn|%B", "--date=raw", h.String())
	}
	assert.Equal(t, like.String()+"|T <t@example.com> 1500000000 +0530|T|subject\n\n  body", show(pick))
	keep, err := repo.CommitTreeAs(context.Background(), tree, like, like)
	require.NoError(t, err)
	assert.Contains(t, show(keep), "|Patch Committer|")
}
