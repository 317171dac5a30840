package git

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
	list, err := repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	require.Len(t, list, 1)

	require.NoError(t, repo.RemoveWorktree(ctx, wt))
	_, err = os.Stat(wt)
	require.True(t, os.IsNotExist(err))
	list, err = repo.ListWorktrees(ctx, base)
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
