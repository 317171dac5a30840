//go:build mage

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

const defaultVerify = "./hack/build.sh && ./hack/go-test.sh"
const defaultRegen = "cd hack/assets && go run ./assets.go"

// sequenceOptions gathers what every sequence target reads from its flags and environment.
func sequenceOptions(verify *string) (sequence.RunOptions, error) {
	stall, err := fetchTimeout()
	return sequence.RunOptions{Remotes: forkRemotes(), Verify: flagOr(verify, "RELEASEKIT_VERIFY", defaultVerify),
		Regen: envOr("RELEASEKIT_REGEN", defaultRegen), FetchStall: stall, Progress: logw, Notify: progress}, err
}

// CherryPick ports the carry patches of release-X.Y-1-azure onto release-X.Y-azure, verifying after each.
//
// release-X.Y-azure must be checked out (fork:branch X.Y makes it). The plan is the carry patches
// of upstream/release-X.Y-1..origin/release-X.Y-1-azure, merges left out, oldest first; patches
// whose change upstream release-X.Y already has are dropped up front. Each patch is cherry-picked
// (rerere on, so a resolution recorded once is reused), then the verify command runs. The assets
// commit is regenerated (RELEASEKIT_REGEN), verified and amended. A conflict, a failed verify or
// regenerate, files in the way or an interruption stop with exit status 2 and the next commands;
// go on with fork:continue, fork:skip or fork:abort. The branch moves only when every patch is done.
//
// Every verify result is kept as a git note on the tree (refs/notes/releasekit-verify): a tree
// with a recorded pass is not verified again, and the stop of a failed verify says when upstream
// fails it too.
func (Fork) CherryPick(ctx context.Context, version string,
	verify *string, // run this after each patch (default RELEASEKIT_VERIFY, else "./hack/build.sh && ./hack/go-test.sh"; empty for none)
	dryrun *bool, // print the plan; change nothing
	jobs *string, // verifies at once, each in a worktree while the picks go on (default RELEASEKIT_VERIFY_JOBS, else 1)
	reverify *bool, // verify even trees the notes record a pass for
	sync *bool, // merge the resolutions shared on the fork remote (fork:sync) into your rerere cache first
) error {
	o, err := startOptions(version, verify, dryrun, jobs, reverify, sync)
	if err != nil {
		return err
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	res, err := sequence.CherryPick(ctx, o)
	return endOfRun(res, err)
}

// startOptions gathers what starting a sequence takes, for fork:cherryPick and fork:rebaseAgain.
func startOptions(version string, verify *string, dryrun *bool, jobs *string, reverify, sync *bool) (sequence.RunOptions, error) {
	m, err := parseMinor(version)
	if err != nil {
		return sequence.RunOptions{}, err
	}
	o, err := sequenceOptions(verify)
	if err != nil {
		return o, err
	}
	if err := verifyFlags(&o, jobs, reverify); err != nil {
		return o, err
	}
	o.Release, o.DryRun, o.Sync = m, isSet(dryrun), isSet(sync)
	return o, nil
}

// Continue goes on with a stopped fork:cherryPick or fork:rebaseAgain after you fixed what stopped it.
//
// After a conflict: resolve the files and "git add" them (or commit them yourself); the commit
// keeps the patch's own message and author. After a failed verify or regenerate: fix the tree and
// stage the fix, which is amended into the patch. The pending regenerate and verify of that patch
// run again, then the rest of the sequence. It also resumes a run that was interrupted or killed.
func (Fork) Continue(ctx context.Context) error {
	ctx, stop := interruptible(ctx)
	defer stop()
	o, _ := sequenceOptions(nil)
	res, err := sequence.Continue(ctx, o)
	return endOfRun(res, err)
}

// Skip drops the patch a stopped sequence is on, cleans the tree, and goes on with the rest.
//
// The patch is recorded as skipped in the report.
func (Fork) Skip(ctx context.Context) error {
	ctx, stop := interruptible(ctx)
	defer stop()
	o, _ := sequenceOptions(nil)
	res, err := sequence.Skip(ctx, o)
	return endOfRun(res, err)
}

// Abort stops the sequence and puts the branch back where it was before the run.
//
// The branch is never moved before a sequence finishes, so abort checks it out again as it was;
// the work done so far stays reachable under refs/releasekit/aborted/ so nothing is lost. A
// branch that someone else moved during the sequence keeps its new commits.
func (Fork) Abort(ctx context.Context) error {
	o, _ := sequenceOptions(nil)
	res, err := sequence.Abort(ctx, o)
	if err != nil {
		return cli.Fail(err)
	}
	st := res.State
	if st.BranchMoved != "" {
		fmt.Fprintf(out, "aborted the %s of %s: %s was moved to %s during the sequence (it was at %s): left there, with its new commits\n",
			st.Plan, st.Release, st.Branch, st.BranchMoved[:7], st.OrigHead[:7])
	} else {
		fmt.Fprintf(out, "aborted the %s of %s: %s is back at %s\n", st.Plan, st.Release, st.Branch, st.OrigHead[:7])
	}
	if st.AbortedWork != "" {
		fmt.Fprintf(out, "the commits made so far are kept at %s\n", st.AbortedWork)
	}
	return nil
}

// Status shows where a stopped or running sequence stands.
func (Fork) Status(ctx context.Context,
	json *bool, // print the state as JSON
) error {
	o, _ := sequenceOptions(nil)
	res, err := sequence.Where(ctx, o)
	if err != nil {
		return cli.Fail(err)
	}
	if res.Outcome == sequence.Idle {
		if isSet(json) {
			v := map[string]any{"inProgress": false}
			if res.Last != nil {
				v["last"] = res.Last
			}
			return printJSON(v)
		}
		fmt.Fprintln(out, "no releasekit sequence in progress")
		if res.Last != nil {
			fmt.Fprintf(out, "last: %s of %s, %s\n", res.Last.Plan, res.Last.Release, res.Last.Ended())
		}
		return nil
	}
	if isSet(json) {
		return printJSON(map[string]any{"inProgress": true, "running": res.Running > 0, "state": res.State})
	}
	fmt.Fprintf(out, "%s\n\n", res.Headline())
	fmt.Fprint(out, sequence.Report(res.State))
	return nil
}

func progress(ev sequence.Event) {
	el := ev.Elapsed.Round(100 * time.Millisecond)
	switch ev.Kind {
	case sequence.EventNote:
		logf("%s", ev.Msg)
	case sequence.EventStep:
		switch ev.Phase {
		case sequence.PhasePick:
			logf("[%d/%d] pick %s %s", ev.N, ev.Total, ev.Step.Short(), ev.Step.Subject)
		default:
			logf("[%d/%d] %s: %s", ev.N, ev.Total, ev.Phase, ev.Msg)
		}
	case sequence.EventBeat:
		logf("[%d/%d] still running %s (%s)", ev.N, ev.Total, ev.Phase, el)
	case sequence.EventDone:
		detail := string(ev.Step.Status)
		if ev.Step.Result != "" {
			detail += " → " + ev.Step.Result[:7]
		}
		if ev.Step.VerifySeconds > 0 {
			detail += fmt.Sprintf(", verify %.1fs", ev.Step.VerifySeconds)
		}
		var from []string
		for _, u := range ev.Step.Resolutions {
			what := u.File
			if what == "" {
				what = "a resolution"
			}
			from = append(from, what+" from "+u.Source())
		}
		if len(from) > 0 {
			logf("[%d/%d] %s (%s elapsed): %s", ev.N, ev.Total, detail, el, strings.Join(from, ", "))
		} else {
			logf("[%d/%d] %s (%s elapsed)", ev.N, ev.Total, detail, el)
		}
	case sequence.EventWarn:
		logf("warning: %s", ev.Msg)
	case sequence.EventFinished:
		logf("done: %d patches in %s", ev.Total, el)
	}
}

// endOfRun renders how a sequence target ended.
func endOfRun(res *sequence.Result, err error) error {
	if err != nil {
		return cli.Fail(err)
	}
	switch res.Outcome {
	case sequence.NothingToDo:
		fmt.Fprintln(out, res.Note)
	case sequence.Planned:
		printPlan(res.State)
	case sequence.TodoList:
		fmt.Fprint(out, res.Todo)
	case sequence.Finished:
		st := res.State
		fmt.Fprint(out, sequence.Report(st))
		logf("report written to %s", res.Report)
		fmt.Fprintf(out, "\n%s now holds the new series; review it, then push it to your fork and open a PR\n", st.Branch)
	}
	return nil
}

func printPlan(st *sequence.State) {
	fmt.Fprintf(out, "dry run: %s of %d carry patches onto %s (at %s); nothing changed\n\n", st.Plan, st.Active(), st.Branch, st.Onto[:7])
	n := 0
	for _, s := range st.Steps {
		what := ""
		switch s.Status {
		case sequence.Dropped:
			fmt.Fprintf(out, "  -  %s %s  (dropped: already upstream)\n", s.Short(), s.Subject)
			continue
		case sequence.Present:
			fmt.Fprintf(out, "  -  %s %s  (already on %s)\n", s.Short(), s.Subject, st.Branch)
			continue
		}
		n++
		if s.Assets {
			what = "  (assets: regenerate, verify, amend)"
		}
		fmt.Fprintf(out, "%3d  %s %s%s\n", n, s.Short(), s.Subject, what)
	}
	verify := st.Verify
	if verify == "" {
		verify = "(none)"
	}
	fmt.Fprintf(out, "\nverify after each: %s\nregenerate: %s\n", verify, st.Regen)
}
