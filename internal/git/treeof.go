package git

import (
	"context"
	"fmt"
)

// TreeOf is the tree of commit: the key of its verify result.
func (r *Repo) TreeOf(ctx context.Context, commit string) (string, error) {
	h, err := r.Resolve(ctx, commit)
	if err != nil {
		return "", err
	}
	if r.inProcess() {
		if c, err := r.gg.CommitObject(h); err == nil {
			return c.TreeHash.String(), nil
		}
		// Not in go-git's view of the object store (repacked since it was opened): ask git.
	}
	tree, err := r.revParse(ctx, h.String(), "tree")
	if err != nil {
		return "", fmt.Errorf("read the tree of %s: %w", commit, err)
	}
	return tree.String(), nil
}
