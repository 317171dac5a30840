//go:build mage

package main

import (
	"context"

	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// RebaseAgain fetches upstream and replays release-X.Y-azure's carry patches onto the new upstream/release-X.Y tip.
//
// It is the runbook's "update installer fork again": the carry patches are the commits of
// release-X.Y-azure not in upstream/release-X.Y (merges left out), replayed with the same steps,
// stops, rerere, assets regeneration, fork:continue/skip/abort/status and report as
// fork:cherryPick. Before anything changes, the old tip is recorded under
// refs/releasekit/backup/release-X.Y-azure/<UTC time>; the branch moves only when the sequence
// finishes, and fork:abort returns it to that tip. The report adds a range-diff of the old and
// new series and warns of upstream lines a conflict resolution removed. A fetch that stalls for
// RELEASEKIT_FETCH_TIMEOUT (default 2m) gives up.
//
// Neither -dryrun nor -todo fetches.
func (Fork) RebaseAgain(ctx context.Context, version string,
	verify *string, // run this after each patch (default RELEASEKIT_VERIFY, else "./hack/build.sh && ./hack/go-test.sh"; empty for none)
	dryrun *bool, // print the plan; change nothing
	todo *bool, // print the equivalent git rebase -i todo list instead
	jobs *string, // verifies at once, each in a worktree while the picks go on (default RELEASEKIT_VERIFY_JOBS, else 1)
	reverify *bool, // verify even trees the notes record a pass for
	sync *bool, // merge the resolutions shared on the fork remote (fork:sync) into your rerere cache first
) error {
	o, err := startOptions(version, verify, dryrun, jobs, reverify, sync)
	if err != nil {
		return err
	}
	o.Todo = isSet(todo)
	ctx, stop := interruptible(ctx)
	defer stop()
	res, err := sequence.RebaseAgain(ctx, o)
	return endOfRun(res, err)
}
