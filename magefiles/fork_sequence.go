//go:build mage

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/sequence"
	vfy "github.com/aro-releasekit/releasekit/internal/verify"
)

const defaultVerify = "./hack/build.sh && ./hack/go-test.sh"
const defaultRegen = "cd hack/assets && go run ./assets.go"

// CherryPick ports the carry patches of release-X.Y-1-azure onto release-X.Y-azure, verifying after each.
//
// release-X.Y-azure must be checked out (fork:branch X.Y makes it). The plan is the carry patches
// of upstream/release-X.Y-1..origin/release-X.Y-1-azure, merges left out, oldest first; patches
// whose change upstream release-X.Y already has are dropped up front. Each patch is cherry-picked
// (rerere on, so a resolution recorded once is reused), then the verify command runs
// (RELEASEKIT_VERIFY or -verify='...', default "./hack/build.sh && ./hack/go-test.sh", empty for
// none). The assets commit is regenerated (RELEASEKIT_REGEN), verified and amended. A conflict,
// a failed verify or a failed regenerate stops with exit status 2 and the next commands; go on
// with fork:continue, fork:skip or fork:abort. The branch moves only when every patch is done.
// -dryrun prints the plan and changes nothing. Every verify result is kept as a git note on the
// tree (refs/notes/releasekit-verify): a tree with a recorded pass is not verified again.
//
// Flags: -verify='CMD' the verify command; -jobs=N verify N patches at once, each in a worktree
// of its own, while the picks go on (RELEASEKIT_VERIFY_JOBS, default 1: after each pick, in the
// work tree); -reverify verify even trees the notes record a pass for; -dryrun print the plan.
func (Fork) CherryPick(ctx context.Context, version string, verify *string, dryrun *bool, jobs *string, reverify *bool) error {
	ctx, stop := terminable(ctx)
	defer stop()
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	if _, err := m.Previous(); err != nil {
		return fail(err)
	}
	repo, eng, opts, err := prepareSequence(ctx, version, verify, jobs, reverify)
	if err != nil {
		return err
	}
	forkRemote := opts.ForkRemote
	st, _, err := sequence.CherryPickPlan(ctx, repo, opts)
	if err != nil {
		return sequenceError(err, m.String())
	}
	if st.Active() == 0 {
		fmt.Fprintf(out, "nothing to port: the %d carry patches of %s/release-%s-azure are on %s or upstream already\n",
			len(st.Steps), forkRemote, mustPrev(m.String()), st.Branch)
		return nil
	}
	if isSet(dryrun) {
		printPlan(st)
		return nil
	}
	logf("porting %d carry patches of %s/release-%s-azure onto %s (%d dropped: already upstream%s)",
		st.Active(), forkRemote, mustPrev(m.String()), st.Branch, count(st, sequence.Dropped), presentNote(st))
	st, err = eng.Start(ctx, st)
	return endOfRun(ctx, repo, eng, st, err)
}

// prepareSequence opens the repository and the engine for a new sequence, refusing while one
// is in progress, and gathers the plan options from the arguments, flags and environment.
func prepareSequence(ctx context.Context, version string, verify *string, jobs *string, reverify *bool) (*git.Repo, *sequence.Engine, sequence.PlanOptions, error) {
	var opts sequence.PlanOptions
	m, err := parseMinor(version)
	if err != nil {
		return nil, nil, opts, err
	}
	n, err := vfy.ParseJobs(flagOr(jobs, "RELEASEKIT_VERIFY_JOBS", ""))
	if err != nil {
		return nil, nil, opts, cli.Usage(err, "give -jobs=N or RELEASEKIT_VERIFY_JOBS=N with N of 1 or more (1 verifies after each pick, in the work tree)")
	}
	repo, eng, err := openEngine(ctx)
	if err != nil {
		return nil, nil, opts, err
	}
	if err := eng.Idle(); err != nil {
		return nil, nil, opts, sequenceError(err, m.String())
	}
	forkRemote, upRemote := remotes()
	opts = sequence.PlanOptions{Release: m, ForkRemote: forkRemote, UpstreamRemote: upRemote,
		Verify: flagOr(verify, "RELEASEKIT_VERIFY", defaultVerify), Regen: envOr("RELEASEKIT_REGEN", defaultRegen),
		Jobs: n, Reverify: isSet(reverify)}
	return repo, eng, opts, nil
}

func count(st *sequence.State, status sequence.Status) int {
	n := 0
	for _, s := range st.Steps {
		if s.Status == status {
			n++
		}
	}
	return n
}

func presentNote(st *sequence.State) string {
	if n := count(st, sequence.Present); n > 0 {
		return fmt.Sprintf("; %d already on %s", n, st.Branch)
	}
	return ""
}

func mustPrev(v string) string {
	m, _ := parseMinor(v)
	p, _ := m.Previous()
	return p.String()
}

// Continue goes on with a stopped fork:cherryPick or fork:rebaseAgain after you fixed what stopped it.
//
// After a conflict: resolve the files and "git add" them (or commit them yourself); the commit
// keeps the patch's own message and author. After a failed verify or regenerate: fix the tree and
// stage the fix, which is amended into the patch. The pending regenerate and verify of that patch
// run again, then the rest of the sequence. It also resumes a run that was killed or crashed.
func (Fork) Continue(ctx context.Context) error {
	ctx, stop := terminable(ctx)
	defer stop()
	return drive(ctx, (*sequence.Engine).Continue)
}

// Skip drops the patch a stopped sequence is on, cleans the tree, and goes on with the rest.
//
// The patch is recorded as skipped in the report.
func (Fork) Skip(ctx context.Context) error {
	return drive(ctx, (*sequence.Engine).Skip)
}

// drive runs one control of the sequence in the repository of the current directory, and
// renders how the run ended.
func drive(ctx context.Context, control func(*sequence.Engine, context.Context) (*sequence.State, error)) error {
	repo, eng, err := openEngine(ctx)
	if err != nil {
		return err
	}
	st, err := control(eng, ctx)
	return endOfRun(ctx, repo, eng, st, err)
}

// Abort stops the sequence and puts the branch back exactly where it was before the run.
//
// The branch is never moved before a sequence finishes, so abort checks it out again as it was;
// the work done so far stays reachable under refs/releasekit/aborted/ so nothing is lost.
func (Fork) Abort(ctx context.Context) error {
	repo, eng, err := openEngine(ctx)
	if err != nil {
		return err
	}
	st, err := eng.Abort(ctx)
	if err != nil {
		return sequenceError(err, "")
	}
	fmt.Fprintf(out, "aborted the %s of %s: %s is back at %s\n", st.Plan, st.Release, st.Branch, st.OrigHead[:7])
	if st.AbortedWork != "" {
		fmt.Fprintf(out, "the commits made so far are kept at %s\n", st.AbortedWork)
	}
	_, err = writeReport(ctx, repo, reportName(st), sequence.Report(st))
	return err
}

// Status shows where a stopped or running sequence stands; -json prints its state for machines.
func (Fork) Status(ctx context.Context, json *bool) error {
	_, eng, err := openEngine(ctx)
	if err != nil {
		return err
	}
	st, err := eng.Status()
	if errors.Is(err, sequence.ErrNoSequence) {
		last, lerr := eng.Last()
		if isSet(json) {
			v := map[string]any{"inProgress": false}
			if lerr == nil {
				v["last"] = last
			}
			return printJSON(v)
		}
		fmt.Fprintln(out, "no releasekit sequence in progress")
		if lerr == nil {
			fmt.Fprintf(out, "last: %s of %s, %s\n", last.Plan, last.Release, map[bool]string{true: "aborted", false: "finished"}[last.Stop == "aborted"])
		}
		return nil
	}
	if err != nil {
		return fail(err)
	}
	if isSet(json) {
		return printJSON(map[string]any{"inProgress": true, "state": st})
	}
	where := "running"
	if st.Stop != "" {
		where = "stopped: " + string(st.Stop)
	}
	fmt.Fprintf(out, "%s of %s onto %s: patch %d of %d, %s\n\n", st.Plan, st.Release, st.Branch, st.Position(st.Current), st.Active(), where)
	fmt.Fprint(out, sequence.Report(st))
	return nil
}

// openEngine opens the repository of the current directory and its sequence engine.
func openEngine(ctx context.Context) (*git.Repo, *sequence.Engine, error) {
	repo, err := openRepo(ctx)
	if err != nil {
		return nil, nil, err
	}
	eng, err := sequence.New(ctx, repo, sequence.Options{Notify: progress})
	if err != nil {
		return nil, nil, fail(err)
	}
	return repo, eng, nil
}

func progress(ev sequence.Event) {
	el := ev.Elapsed.Round(100 * time.Millisecond)
	switch ev.Kind {
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
		logf("[%d/%d] %s (%s elapsed)", ev.N, ev.Total, detail, el)
	case sequence.EventWarn:
		logf("warning: %s", ev.Msg)
	case sequence.EventFinished:
		logf("done: %d patches in %s", ev.Total, el)
	}
}

func reportName(st *sequence.State) string {
	return fmt.Sprintf("report-%s-%s.md", st.Plan, st.Release)
}

// endOfRun writes the report and renders how the run ended.
func endOfRun(ctx context.Context, repo *git.Repo, eng *sequence.Engine, st *sequence.State, err error) error {
	if st != nil && st.Steps != nil {
		path, werr := writeReport(ctx, repo, reportName(st), sequence.Report(st))
		if werr != nil {
			return werr
		}
		if err == nil {
			fmt.Fprint(out, sequence.Report(st))
			logf("report written to %s", path)
			fmt.Fprintf(out, "\n%s now holds the new series; review it, then push it to your fork and open a PR\n", st.Branch)
		}
	}
	return sequenceError(err, "")
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

// sequenceError renders the engine's errors with the commands that get the engineer going.
func sequenceError(err error, release string) error {
	if err == nil {
		return nil
	}
	var stop *sequence.StopError
	var inprog *sequence.InProgressError
	var locked *sequence.LockedError
	var dirty *sequence.DirtyError
	var unresolved *sequence.UnresolvedError
	var moved *sequence.HeadMovedError
	var wrong *sequence.WrongBranchError
	var busy *sequence.GitBusyError
	ways := `or drop this patch with "mage fork:skip", or undo all with "mage fork:abort"`
	switch {
	case errors.As(err, &stop):
		switch stop.Reason {
		case sequence.StopConflict:
			hints := []string{}
			if len(stop.Rerere) > 0 {
				hints = append(hints, "rerere already resolved "+strings.Join(stop.Rerere, ", ")+" with a recorded resolution: check it")
			}
			hints = append(hints, `resolve the conflicts, "git add" them, then run "mage fork:continue"`, ways)
			return stopped(stop.Error(), hints...)
		default:
			msg := stop.Error()
			if stop.Tail != "" {
				msg += "\n" + indent(stop.Tail)
			}
			return stopped(msg, "full log: "+stop.Log,
				`fix the tree and "git add" the fix (it is amended into the patch), then run "mage fork:continue"`, ways)
		}
	case errors.As(err, &inprog):
		return fail(err, `see where it stands with "mage fork:status"`, `go on with "mage fork:continue", or undo it with "mage fork:abort"`)
	case errors.As(err, &locked):
		return fail(err, "wait for it to finish; if process "+fmt.Sprint(locked.PID)+" is not releasekit, remove "+locked.Path)
	case errors.As(err, &dirty):
		return fail(err, "commit or stash your changes (git stash), or discard them, then run the target again")
	case errors.As(err, &unresolved):
		return fail(err, `resolve them and "git add" them, then run "mage fork:continue"`, ways)
	case errors.As(err, &moved):
		return fail(err, "the sequence commits on a detached HEAD; check out "+moved.Want[:7]+" again (git checkout --detach "+moved.Want[:7]+") and run \"mage fork:continue\"", `or undo all with "mage fork:abort"`)
	case errors.As(err, &wrong):
		m, _ := parseMinor(release)
		return fail(err, fmt.Sprintf(`run "mage fork:branch %s" first, or "git checkout %s"`, m, wrong.Want))
	case errors.As(err, &busy):
		return fail(err, "if no git is running, remove the lock file and run the target again")
	case errors.Is(err, sequence.ErrNoSequence):
		return fail(err, `start one with "mage fork:cherryPick X.Y" or "mage fork:rebaseAgain X.Y"`)
	case errors.Is(err, git.ErrUnknownRevision):
		_, up := remotes()
		return missingRef(err, up)
	}
	return fail(err)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
