package git_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/scripts/genhistory/history"
)

// LogCherry must answer what Log, Cherry and CommitPaths answer one by one.
func TestLogCherryMatchesSeparateReads(t *testing.T) {
	// Not in parallel: it chooses the reader through the environment (t.Setenv).
	ctx := context.Background()
	// go-git reads Log and CommitPaths; LogCherry is one git log.
	t.Setenv(git.ReadsEnv, "go-git")
	fx := installer(t)
	h, err := history.NewHistory(ctx, t.TempDir(), history.HistoryOptions{Commits: 300, After: 40, Files: 30})
	require.NoError(t, err)
	for name, dir := range map[string]string{"installer": fx.Work, "history": h.Dir} {
		t.Run(name, func(t *testing.T) {
			repo, err := git.Open(ctx, dir)
			require.NoError(t, err)
			base, tip, compare := "upstream/release-4.14", "origin/release-4.14-azure", "upstream/release-4.15"

			log, err := repo.Log(ctx, base, tip)
			require.NoError(t, err)
			in, err := repo.Cherry(ctx, compare, tip, base)
			require.NoError(t, err)
			got, err := repo.LogCherry(ctx, base, tip, compare)
			require.NoError(t, err)
			require.Len(t, got, len(log))
			equivalent := 0
			for i, c := range log {
				sameCommit(t, c, got[i].Commit)
				paths, err := repo.CommitPaths(ctx, c)
				require.NoError(t, err)
				assert.Equal(t, paths, got[i].Paths, "paths of %s", c.Subject)
				assert.Equal(t, in[c.Hash], got[i].Equivalent, "patch-id mark of %s", c.Subject)
				if got[i].Equivalent {
					equivalent++
				}
			}
			assert.NotZero(t, equivalent, "the fixture has carries already upstream")

			// Without compare: the same commits, none marked.
			plain, err := repo.LogCherry(ctx, base, tip, "")
			require.NoError(t, err)
			require.Len(t, plain, len(log))
			for i := range plain {
				sameCommit(t, got[i].Commit, plain[i].Commit)
				assert.Equal(t, got[i].Paths, plain[i].Paths)
				assert.False(t, plain[i].Equivalent)
			}
		})
	}
}

// sameCommit compares commits read by go-git and by the CLI: the same instants, though go-git
// keeps the commit's own zone and the CLI gives local time.
func sameCommit(t *testing.T, want, got git.Commit) {
	t.Helper()
	assert.Equal(t, want.Hash, got.Hash)
	assert.Equal(t, want.Parents, got.Parents, want.Subject)
	assert.Equal(t, want.Message, got.Message)
	assert.Equal(t, want.Subject, got.Subject)
	for _, s := range [][2]git.Signature{{want.Author, got.Author}, {want.Committer, got.Committer}} {
		assert.Equal(t, s[0].Name, s[1].Name)
		assert.Equal(t, s[0].Email, s[1].Email)
		assert.True(t, s[0].When.Equal(s[1].When), "%s: %v != %v", want.Subject, s[0].When, s[1].When)
	}
}

func TestLogCherryNamesTheMissingRevision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := installer(t)
	repo, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)
	_, err = repo.LogCherry(ctx, "upstream/release-4.14", "origin/release-4.14-azure", "upstream/release-4.99")
	assert.ErrorIs(t, err, git.ErrUnknownRevision)
	assert.ErrorContains(t, err, "upstream/release-4.99")
	_, err = repo.LogCherry(ctx, "upstream/release-4.14", "--output=/tmp/x", "")
	assert.ErrorContains(t, err, "invalid revision")
}

// Resolve answers branches from the refs alone; it must agree with the full path.
func TestResolveBranchesAgree(t *testing.T) {
	// Not in parallel: it chooses the reader through the environment (t.Setenv).
	ctx := context.Background()
	t.Setenv(git.ReadsEnv, "go-git")
	fx := installer(t)
	repo, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)
	for _, rev := range []string{"HEAD", "release-4.14-azure", "origin/release-4.14-azure", "upstream/release-4.15",
		"refs/remotes/upstream/release-4.14", "heads/release-4.14-azure", "HEAD~1", "origin/release-4.14-azure^"} {
		h, err := repo.Resolve(ctx, rev)
		require.NoError(t, err, rev)
		want, err := repo.Git.Run(ctx, "rev-parse", "--verify", rev+"^{commit}")
		require.NoError(t, err)
		assert.Equal(t, want, h.String(), rev)
	}
	for _, rev := range []string{"upstream/release-4.99", "nope", "config"} {
		_, err := repo.Resolve(ctx, rev)
		assert.ErrorIs(t, err, git.ErrUnknownRevision, rev)
	}
}
