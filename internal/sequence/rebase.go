package sequence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/git"
)

// ErrUpToDate is returned by RebaseAgainPlan when the branch already contains upstream's tip.
var ErrUpToDate = errors.New("already up to date")

// RebaseAgainPlan replays the carry patches of release-X.Y-azure (its commits not in
// upstream/release-X.Y, merges left out) onto upstream/release-X.Y's tip: the runbook's
// "update installer fork again". The branch must be checked out; it moves only when the
// sequence finishes, and its old tip is kept under refs/releasekit/backup/.
func RebaseAgainPlan(ctx context.Context, repo *git.Repo, o PlanOptions, now time.Time) (*State, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	branch := o.Release.ForkBranch()
	if err := onBranch(ctx, repo, o.Release); err != nil {
		return nil, err
	}
	upstream := o.Remotes.UpstreamBranch(o.Release)
	if err := repo.RequireRefs(ctx, upstream); err != nil {
		return nil, err
	}
	onto, err := repo.Resolve(ctx, upstream)
	if err != nil {
		return nil, err
	}
	head, err := repo.Head(ctx)
	if err != nil {
		return nil, err
	}
	if contained, err := repo.IsAncestor(ctx, onto.String(), head.String()); err != nil {
		return nil, err
	} else if contained {
		return nil, fmt.Errorf("%s %w with %s (%s)", branch, ErrUpToDate, upstream, onto.String()[:7])
	}
	series, err := carry.Discover(ctx, repo, carry.Options{Base: upstream, Tip: "refs/heads/" + branch, Compare: upstream})
	if err != nil {
		return nil, err
	}
	st := &State{Plan: PlanRebaseAgain, Release: o.Release.String(), Branch: branch,
		OrigHead: head.String(), Onto: onto.String(), Verify: o.Verify, Regen: o.Regen,
		SeriesBase: onto.String(), SeriesTip: head.String(),
		BackupRef: fmt.Sprintf("refs/releasekit/backup/%s/%s", branch, now.UTC().Format("20060102T150405Z"))}
	st.Steps = stepsOf(series)
	return st, nil
}

// Todo is the plan as a `git rebase -i` todo list for people who prefer plain git: every patch
// a pick followed by the verify command, the assets commit an edit stop to regenerate it.
func Todo(st *State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# releasekit %s of %s: replay onto %s\n", st.Plan, st.Branch, st.Onto[:7])
	b.WriteString("#\n# git -c rebase.instructionFormat='%s' rebase -i --empty=drop ONTO\n")
	b.WriteString("# with this list as the todo (GIT_SEQUENCE_EDITOR=\"cp THIS-FILE\").\n")
	if st.Regen != "" {
		fmt.Fprintf(&b, "# At the edit stop of the assets commit run: %s\n", st.Regen)
		fmt.Fprintf(&b, "# then: git add %s && git commit --amend --no-edit && git rebase --continue\n", carry.AssetsPath)
	}
	b.WriteString("\n")
	for _, s := range st.Steps {
		if s.Status == Dropped {
			fmt.Fprintf(&b, "# dropped, already upstream: %s %s\n", s.Short(), s.Subject)
			continue
		}
		verb := "pick"
		if s.Assets {
			verb = "edit"
		}
		fmt.Fprintf(&b, "%s %s %s\n", verb, s.Short(), s.Subject)
		if st.Verify != "" {
			fmt.Fprintf(&b, "exec %s\n", st.Verify)
		}
	}
	return b.String()
}
