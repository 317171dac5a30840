package git

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stopped pick's outcome comes from one git diff-index: its conflicts are the paths git
// diff --diff-filter=U lists (a content conflict, add/add, modify/delete), its emptiness what git
// diff --cached --quiet says, whatever the user's diff settings.
func TestStoppedPickOutcomeIsWhatGitDiffSays(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	run(t, dir, nil, "init", "-q", "-b", "main")
	// The user's own diff settings, which porcelain honours and plumbing does not.
	run(t, dir, nil, "config", "diff.renames", "copies")
	run(t, dir, nil, "config", "diff.noprefix", "true")
	write("content", "a\nb\n")
	write("gone", "m\n")
	write("same", "s\n")
	run(t, dir, nil, "add", ".")
	run(t, dir, nil, "commit", "-qm", "base")
	run(t, dir, nil, "checkout", "-qb", "side")
	write("content", "a\nside\n")
	write("gone", "changed\n")
	write("new", "side\n")
	run(t, dir, nil, "add", ".")
	run(t, dir, nil, "commit", "-qm", "conflicts")
	write("same", "s2\n")
	run(t, dir, nil, "commit", "-qam", "already upstream")
	sideHead := run(t, dir, nil, "rev-parse", "HEAD")
	run(t, dir, nil, "checkout", "-q", "main")
	write("content", "a\nmain\n")
	write("new", "main\n")
	write("same", "s2\n")
	run(t, dir, nil, "rm", "-q", "gone")
	run(t, dir, nil, "add", ".")
	run(t, dir, nil, "commit", "-qm", "main")

	repo, err := Open(ctx, dir)
	require.NoError(t, err)
	defer repo.Close()
	o, err := repo.CherryPick(ctx, plumbing.NewHash(run(t, dir, nil, "rev-parse", "side~1")))
	require.NoError(t, err)
	assert.Equal(t, []string{"content", "gone", "new"}, o.Conflicts)
	assert.Equal(t, strings.Split(run(t, dir, nil, "diff", "--name-only", "--diff-filter=U"), "\n"), o.Conflicts)
	assert.False(t, o.Empty)
	ix, err := repo.IndexStatus(ctx)
	require.NoError(t, err)
	assert.True(t, ix.Staged)

	// Resolved and staged: no conflict left, and the index differs from HEAD.
	write("content", "a\nboth\n")
	write("new", "both\n")
	run(t, dir, nil, "add", "content", "new", "gone")
	ix, err = repo.IndexStatus(ctx)
	require.NoError(t, err)
	assert.Empty(t, ix.Unmerged)
	assert.True(t, ix.Staged)
	run(t, dir, nil, "cherry-pick", "--abort")

	// A change that is already in HEAD: nothing to commit, as git diff --cached --quiet says.
	o, err = repo.CherryPick(ctx, plumbing.NewHash(sideHead))
	require.NoError(t, err)
	assert.Empty(t, o.Conflicts)
	assert.True(t, o.Empty)
	staged, err := repo.HasStagedChanges(ctx)
	require.NoError(t, err)
	assert.False(t, staged)
}
