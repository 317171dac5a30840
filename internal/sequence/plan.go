package sequence

import (
	"context"
	"fmt"

	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// PlanOptions are what every plan needs.
type PlanOptions struct {
	Release release.Minor
	// Remotes name the fork's and upstream's remotes (origin, upstream when empty).
	Remotes release.Remotes
	// Verify runs after every patch (empty: none); Regen regenerates the assets file.
	Verify, Regen string
}

// Validate fills defaults.
func (o *PlanOptions) Validate() error {
	o.Remotes = o.Remotes.OrDefault()
	if o.Release == (release.Minor{}) {
		return fmt.Errorf("sequence: release is required")
	}
	return nil
}

// WrongBranchError is a plan asked for on another branch than the one it builds.
type WrongBranchError struct{ Want, Have string }

func (e *WrongBranchError) Error() string {
	have := e.Have
	if have == "" {
		have = "a detached HEAD"
	}
	return fmt.Sprintf("%s must be checked out, not %s", e.Want, have)
}

// CherryPickPlan ports the carry patches of release-X.Y-1-azure onto release-X.Y-azure, which
// must be checked out. Patches whose change upstream release-X.Y already has are dropped up front.
func CherryPickPlan(ctx context.Context, repo *git.Repo, o PlanOptions) (*State, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	prev, err := o.Release.Previous()
	if err != nil {
		return nil, err
	}
	branch := o.Release.ForkBranch()
	if err := onBranch(ctx, repo, o.Release); err != nil {
		return nil, err
	}
	opts := carry.Options{
		Base:    o.Remotes.UpstreamBranch(prev),
		Tip:     o.Remotes.ForkBranch(prev),
		Compare: o.Remotes.UpstreamBranch(o.Release),
	}
	if err := repo.RequireRefs(ctx, opts.Base, opts.Tip, opts.Compare); err != nil {
		return nil, err
	}
	series, err := carry.Discover(ctx, repo, opts)
	if err != nil {
		return nil, err
	}
	head, err := repo.Head(ctx)
	if err != nil {
		return nil, err
	}
	base, err := repo.Resolve(ctx, series.Base)
	if err != nil {
		return nil, err
	}
	tip, err := repo.Resolve(ctx, series.Tip)
	if err != nil {
		return nil, err
	}
	st := &State{Plan: PlanCherryPick, Release: o.Release.String(), Branch: branch,
		OrigHead: head.String(), Onto: head.String(), Verify: o.Verify, Regen: o.Regen,
		SeriesBase: base.String(), SeriesTip: tip.String()}
	st.Steps = stepsOf(series)
	if err := markPresent(ctx, repo, st, opts.Compare); err != nil {
		return nil, err
	}
	return st, nil
}

// markPresent marks the patches the branch already has over upstream: ported by an earlier run,
// which keeps each patch's message and author, so that a second run ports nothing twice.
func markPresent(ctx context.Context, repo *git.Repo, st *State, upstream string) error {
	have, err := repo.Log(ctx, upstream, "HEAD")
	if err != nil || len(have) == 0 {
		return err
	}
	type key struct{ subject, message, author string }
	onBranch := map[key]bool{}
	for _, c := range have {
		onBranch[key{c.Subject, c.Message, c.Author.Email}] = true
	}
	for i := range st.Steps {
		s := &st.Steps[i]
		if s.Status != Pending {
			continue
		}
		c, err := repo.Commit(ctx, s.Commit)
		if err != nil {
			return err
		}
		if onBranch[key{c.Subject, c.Message, c.Author.Email}] {
			s.Status = Present
		}
	}
	return nil
}

// onBranch refuses a plan on another branch than the release's fork branch.
func onBranch(ctx context.Context, repo *git.Repo, m release.Minor) error {
	branch := m.ForkBranch()
	cur, err := repo.CurrentBranch(ctx)
	if err != nil {
		return err
	}
	if cur != branch {
		return cli.Fail(&WrongBranchError{Want: branch, Have: cur},
			fmt.Sprintf(`run %s first, or "git checkout %s"`, quote(cli.Cmd("fork:branch", m.String())), branch))
	}
	return nil
}

func stepsOf(series *carry.Series) []Step {
	steps := []Step{}
	for _, p := range series.Patches {
		s := Step{Commit: p.Hash.String(), Subject: p.Subject, Kind: string(p.Kind), Assets: p.Kind == carry.KindAssets, Status: Pending}
		if p.Upstream {
			s.Status = Dropped
		}
		steps = append(steps, s)
	}
	return steps
}
