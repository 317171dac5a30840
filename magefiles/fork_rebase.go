//go:build mage

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// new series and warns of upstream lines a conflict resolution removed. -todo prints the
// equivalent `git rebase -i` todo list instead; -dryrun prints the plan. Neither fetches.
//
// Flags: -verify='CMD' the verify command; -jobs=N verify N patches at once in worktrees
// (RELEASEKIT_VERIFY_JOBS, default 1); -reverify verify even trees the notes record a pass for;
// -dryrun print the plan; -todo print the git rebase -i todo list.
func (Fork) RebaseAgain(ctx context.Context, version string, verify *string, dryrun *bool, todo *bool, jobs *string, reverify *bool) error {
	ctx, stop := terminable(ctx)
	defer stop()
	repo, eng, opts, err := prepareSequence(ctx, version, verify, jobs, reverify)
	if err != nil {
		return err
	}
	m, upRemote := opts.Release, opts.UpstreamRemote
	if !isSet(dryrun) && !isSet(todo) {
		if dirty, err := repo.Dirty(ctx); err != nil {
			return fail(err)
		} else if len(dirty) > 0 {
			return sequenceError(&sequence.DirtyError{Paths: dirty}, m.String())
		}
		logf("fetching %s ...", upRemote)
		if err := repo.Fetch(ctx, upRemote, logw); err != nil {
			return fail(fmt.Errorf("fetch %s: %w", upRemote, err), "check the remote (RELEASEKIT_UPSTREAM_REMOTE) and your access to it")
		}
	}
	st, _, err := sequence.RebaseAgainPlan(ctx, repo, opts, time.Now())
	if errors.Is(err, sequence.ErrUpToDate) {
		fmt.Fprintln(out, err.Error()+": nothing to replay")
		if isSet(dryrun) || isSet(todo) {
			logf("note: -dryrun and -todo do not fetch; run \"git fetch %s\" first to see upstream's new commits", upRemote)
		}
		return nil
	}
	if err != nil {
		return sequenceError(err, m.String())
	}
	switch {
	case isSet(todo):
		fmt.Fprint(out, sequence.Todo(st))
		return nil
	case isSet(dryrun):
		printPlan(st)
		return nil
	}
	logf("replaying %d carry patches of %s onto %s/%s at %s (%d dropped: already upstream); old tip kept at %s",
		st.Active(), st.Branch, upRemote, m.UpstreamBranch(), st.Onto[:7], len(st.Steps)-st.Active(), st.BackupRef)
	st, err = eng.Start(ctx, st)
	return endOfRun(ctx, repo, eng, st, err)
}
