package git_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// Branches resolve from the refs alone (no object read); everything else takes the full path.
func TestResolveBranchReadsNoObject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := installer(t)
	repo, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)
	for _, rev := range []string{"HEAD", "release-4.14-azure", "origin/release-4.14-azure", "upstream/release-4.15", "refs/remotes/upstream/release-4.14"} {
		h, ok := git.ResolveBranch(repo, rev)
		assert.True(t, ok, rev)
		want, err := repo.Git.Run(ctx, "rev-parse", "--verify", rev)
		require.NoError(t, err)
		assert.Equal(t, want, h, rev)
	}
	head, err := repo.Git.Run(ctx, "rev-parse", "HEAD")
	require.NoError(t, err)
	_, err = repo.Git.Run(ctx, "tag", "v4.14.0", "HEAD")
	require.NoError(t, err)
	for _, rev := range []string{"HEAD~1", "v4.14.0", head, "nope", "config"} {
		_, ok := git.ResolveBranch(repo, rev)
		assert.False(t, ok, rev)
	}
}
