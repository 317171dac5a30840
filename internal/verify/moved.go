package verify

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// MovedError is a verify that moved HEAD in its worktree (a git reset, checkout or switch in
// the command): what it ran against is not the commit it was given, so nothing is recorded.
type MovedError struct {
	// Commit is the commit the worktree was given; Head where its HEAD ended; Branch the branch
	// HEAD was attached to ("" when still detached).
	Commit, Head, Branch string
}

func (e *MovedError) Error() string {
	where := "to " + short(e.Head)
	if e.Branch != "" {
		where = "onto branch " + e.Branch + " (" + short(e.Head) + ")"
	}
	return fmt.Sprintf("the verify command moved HEAD in its worktree %s, away from %s: its result is not %s's and is not recorded",
		where, short(e.Commit), short(e.Commit))
}

func short(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}

// checkHead reports a *MovedError when the worktree wt is no longer on commit, detached.
//
// A verify almost always leaves HEAD where it was, which the worktree's HEAD file says without a
// git process; only when it does not say so plainly does git say where HEAD is.
func checkHead(ctx context.Context, wt string, env []string, commit plumbing.Hash) error {
	if git.DetachedAt(wt, commit) {
		return nil
	}
	w := git.Runner{Dir: wt, Env: env}
	head, err := w.Run(ctx, "rev-parse", "--verify", "--quiet", "HEAD")
	if err != nil {
		return &MovedError{Commit: commit.String(), Head: "unknown"}
	}
	branch, _ := w.Run(ctx, "symbolic-ref", "--quiet", "--short", "HEAD")
	if head != commit.String() || branch != "" {
		return &MovedError{Commit: commit.String(), Head: head, Branch: branch}
	}
	return nil
}
