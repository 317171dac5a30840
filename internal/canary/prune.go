package canary

import (
	"context"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// Prune removes the worktrees of canaries that were killed before they could clean up (kill
// -9): the sequence targets call it as the next canary does, so that none stays until then.
func Prune(ctx context.Context, repo *git.Repo) error {
	base, err := repo.Worktrees(ctx)
	if err != nil {
		return err
	}
	removeStale(ctx, repo, base)
	return nil
}
