package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/sequence"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

const verifyUsage = "run `CMD` (sh -c) after each patch; empty for none (default RELEASEKIT_VERIFY, else \"./hack/build.sh && ./hack/go-test.sh\")"

var sequenceSettings = []settings.Info{settings.ForkRemote, settings.UpstreamRemote, settings.Verify, settings.VerifyJobs,
	settings.Regen, settings.FetchTimeout}

// sequenceOptions gathers what every sequence target reads from its settings.
func sequenceOptions(verify *optString) (sequence.RunOptions, error) {
	stall, err := get(settings.FetchTimeout)
	if err != nil {
		return sequence.RunOptions{}, err
	}
	v, _ := settings.Verify.Get()
	regen, _ := settings.Regen.Get()
	if verify != nil {
		v = verify.Or(v)
	}
	return sequence.RunOptions{Remotes: forkRemotes(), Verify: v, Regen: regen, FetchStall: stall,
		Progress: logw, Notify: progress}, nil
}

// startFlags are the flags of the targets that start a sequence.
type startFlags struct {
	verify                 *optString
	dryrun, reverify, sync *bool
	jobs                   *jobsFlag
	json, verbose          *bool
}

func declareStart(fs *flag.FlagSet) *startFlags {
	return &startFlags{
		verify:   stringFlag(fs, "verify", verifyUsage),
		dryrun:   fs.Bool("dryrun", false, "print the plan; change nothing"),
		jobs:     jobs(fs, "verify `N` patches at once, each in a worktree while the picks go on (default RELEASEKIT_VERIFY_JOBS, else 1)"),
		reverify: fs.Bool("reverify", false, "verify even trees the notes record a pass for"),
		sync:     fs.Bool("sync", false, "merge the resolutions shared on the fork remote (fork:sync) into your rerere cache first"),
		json:     fs.Bool("json", false, "print the outcome (or the stop) as JSON"),
		verbose:  fs.Bool("v", false, verboseUsage),
	}
}

const verboseUsage = "stream each verify's and regenerate's output live (it is always in its log)"

// liveOutput is where -v streams the verify and regenerate output: stderr, with the progress.
func liveOutput(v bool) io.Writer {
	if v {
		return logw
	}
	return nil
}

func (f *startFlags) options(version string) (sequence.RunOptions, error) {
	m, err := parseMinor(version)
	if err != nil {
		return sequence.RunOptions{}, err
	}
	o, err := sequenceOptions(f.verify)
	if err != nil {
		return o, err
	}
	if o.Jobs, err = f.jobs.Get(); err != nil {
		return o, err
	}
	o.Release, o.DryRun, o.Sync, o.Reverify = m, *f.dryrun, *f.sync, *f.reverify
	o.Output = liveOutput(*f.verbose)
	return o, nil
}

var forkCherryPick = &cli.Command{
	Name:  "fork:cherryPick",
	Args:  []string{"X.Y"},
	Short: "Port the carry patches of release-X.Y-1-azure onto release-X.Y-azure, verifying after each.",
	Long: `release-X.Y-azure must be checked out (fork:branch X.Y makes it). The plan is the carry patches
of upstream/release-X.Y-1..origin/release-X.Y-1-azure, merges left out, oldest first; patches
whose change upstream release-X.Y already has are dropped up front. Each patch is cherry-picked
(rerere on, so a resolution recorded once is reused), then the verify command runs. The assets
commit is regenerated (RELEASEKIT_REGEN), amended and verified. A conflict, a failed verify or
regenerate, files in the way or an interruption stop with exit status 2 and the next commands;
go on with fork:continue, fork:skip or fork:abort. The branch moves only when every patch is done.

Every verify result is kept as a git note on the tree (refs/notes/releasekit-verify): a tree
with a recorded pass is not verified again, and the stop of a failed verify says when upstream
fails it too.`,
	Settings: sequenceSettings,
	Flags: func(fs *flag.FlagSet) cli.Run {
		f := declareStart(fs)
		return func(ctx context.Context, args []string) error {
			o, err := f.options(args[0])
			if err != nil {
				return err
			}
			res, err := sequence.CherryPick(ctx, o)
			return endOfRun(res, err, *f.json)
		}
	},
}

var forkRebaseAgain = &cli.Command{
	Name:  "fork:rebaseAgain",
	Args:  []string{"X.Y"},
	Short: "Fetch upstream and replay release-X.Y-azure's carry patches onto the new upstream/release-X.Y tip.",
	Long: `It is the runbook's "update installer fork again": the carry patches are the commits of
release-X.Y-azure not in upstream/release-X.Y (merges left out), replayed with the same steps,
stops, rerere, assets regeneration, fork:continue/skip/abort/status and report as
fork:cherryPick. Before anything changes, the old tip is recorded under
refs/releasekit/backup/release-X.Y-azure/<UTC time>; the branch moves only when the sequence
finishes, and fork:abort returns it to that tip. The report adds a range-diff of the old and
new series and warns of upstream lines a conflict resolution removed. A fetch that stalls for
RELEASEKIT_FETCH_TIMEOUT (default 2m) gives up.

Neither -dryrun nor -todo fetches.`,
	Settings: sequenceSettings,
	Flags: func(fs *flag.FlagSet) cli.Run {
		f := declareStart(fs)
		todo := fs.Bool("todo", false, "print the equivalent git rebase -i todo list instead")
		return func(ctx context.Context, args []string) error {
			o, err := f.options(args[0])
			if err != nil {
				return err
			}
			o.Todo = *todo
			res, err := sequence.RebaseAgain(ctx, o)
			return endOfRun(res, err, *f.json)
		}
	},
}

// resume is fork:continue and fork:skip: no arguments; -verify and -regen (or the settings, when
// set) replace the commands the sequence started with, from here on.
func resume(do func(context.Context, sequence.RunOptions) (*sequence.Result, error)) func(fs *flag.FlagSet) cli.Run {
	return func(fs *flag.FlagSet) cli.Run {
		json := fs.Bool("json", false, "print the outcome (or the stop) as JSON")
		verbose := fs.Bool("v", false, verboseUsage)
		verify := stringFlag(fs, "verify", "from here on, run this after each patch instead of the command the sequence started with (empty for none; default RELEASEKIT_VERIFY when set)")
		regen := stringFlag(fs, "regen", "from here on, regenerate the assets file with this (default RELEASEKIT_REGEN when set)")
		return func(ctx context.Context, _ []string) error {
			o, err := sequenceOptions(nil)
			if err != nil {
				return err
			}
			o.Output = liveOutput(*verbose)
			o.NewVerify, o.NewRegen = verify.Ptr(), regen.Ptr()
			if v, ok := settings.Verify.Lookup(); ok && o.NewVerify == nil {
				o.NewVerify = &v
			}
			if v, ok := settings.Regen.Lookup(); ok && o.NewRegen == nil {
				o.NewRegen = &v
			}
			res, err := do(ctx, o)
			return endOfRun(res, err, *json)
		}
	}
}

var forkContinue = &cli.Command{
	Name:  "fork:continue",
	Short: "Go on with a stopped fork:cherryPick or fork:rebaseAgain after you fixed what stopped it.",
	Long: `After a conflict: resolve the files and "git add" them (or commit them yourself); the commit
keeps the patch's own message and author. After a failed verify or regenerate: fix the tree and
stage the fix, which is amended into the patch. The pending regenerate and verify of that patch
run again, then the rest of the sequence. It also resumes a run that was interrupted or killed.`,
	Settings: sequenceSettings,
	Flags:    resume(sequence.Continue),
}

var forkSkip = &cli.Command{
	Name:     "fork:skip",
	Short:    "Drop the patch a stopped sequence is on, clean the tree, and go on with the rest.",
	Long:     `The patch is recorded as skipped in the report.`,
	Settings: sequenceSettings,
	Flags:    resume(sequence.Skip),
}

var forkAbort = &cli.Command{
	Name:  "fork:abort",
	Short: "Stop the sequence and put the branch back where it was before the run.",
	Long: `The branch is never moved before a sequence finishes, so abort checks it out again as it was;
the work done so far stays reachable under refs/releasekit/aborted/ so nothing is lost. A
branch that someone else moved during the sequence keeps its new commits.`,
	Flags: func(fs *flag.FlagSet) cli.Run {
		return func(ctx context.Context, _ []string) error {
			o, err := sequenceOptions(nil)
			if err != nil {
				return err
			}
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
	},
}

var forkStatus = &cli.Command{
	Name:  "fork:status",
	Short: "Show where a stopped or running sequence stands.",
	Flags: func(fs *flag.FlagSet) cli.Run {
		json := fs.Bool("json", false, "print the state as JSON")
		return func(ctx context.Context, _ []string) error {
			o, _ := sequenceOptions(nil)
			res, err := sequence.Where(ctx, o)
			if err != nil {
				return cli.Fail(err)
			}
			if res.Outcome == sequence.Idle {
				if *json {
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
			if *json {
				return printJSON(map[string]any{"inProgress": true, "running": res.Running > 0, "state": res.State})
			}
			fmt.Fprintf(out, "%s\n\n", res.Headline())
			fmt.Fprint(out, sequence.Report(res.State))
			return nil
		}
	},
}

func progress(ev sequence.Event) {
	el := duration(ev.Elapsed)
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
			detail += ", verify " + secondsText(ev.Step.VerifySeconds)
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

// outcomeJSON is what -json prints for a sequence target: how it ended, and the state.
type outcomeJSON struct {
	Outcome string          `json:"outcome"`
	Note    string          `json:"note,omitempty"`
	Report  string          `json:"report,omitempty"`
	Todo    string          `json:"todo,omitempty"`
	Error   string          `json:"error,omitempty"`
	Hints   []string        `json:"hints,omitempty"`
	Stop    *stopJSON       `json:"stop,omitempty"`
	State   *sequence.State `json:"state,omitempty"`
}

type stopJSON struct {
	Reason  string   `json:"reason"`
	N       int      `json:"n"`
	Total   int      `json:"total"`
	Commit  string   `json:"commit"`
	Subject string   `json:"subject"`
	Paths   []string `json:"paths,omitempty"`
	Log     string   `json:"log,omitempty"`
}

var outcomeNames = map[sequence.Outcome]string{
	sequence.Finished: "finished", sequence.Planned: "planned", sequence.TodoList: "todo",
	sequence.NothingToDo: "nothing to do", sequence.Aborted: "aborted",
}

// endOfRun renders how a sequence target ended.
func endOfRun(res *sequence.Result, err error, json bool) error {
	if json {
		return endOfRunJSON(res, err)
	}
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

// endOfRunJSON prints the outcome, or the stop or failure, as JSON on stdout; the error still
// goes to stderr and sets the exit status.
func endOfRunJSON(res *sequence.Result, err error) error {
	var v outcomeJSON
	if res != nil {
		v.Outcome, v.Note, v.Report, v.Todo, v.State = outcomeNames[res.Outcome], res.Note, res.Report, res.Todo, res.State
	}
	if err != nil {
		err = cli.Fail(err)
		v.Outcome = "failed"
		if cli.Code(err) == cli.ExitStopped {
			v.Outcome = "stopped"
		}
		var ce *cli.Error
		if errors.As(err, &ce) {
			v.Error, v.Hints = ce.Err.Error(), ce.Hints
		} else {
			v.Error = err.Error()
		}
		if se := sequence.Stopped(err); se != nil {
			v.Stop = &stopJSON{Reason: string(se.Reason), N: se.N, Total: se.Total, Commit: se.Step.Commit,
				Subject: se.Step.Subject, Paths: se.Paths, Log: se.Log}
		}
	}
	if perr := printJSON(v); perr != nil && err == nil {
		return cli.Fail(perr)
	}
	return err
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
			what = "  (assets: regenerate, amend, verify)"
		}
		fmt.Fprintf(out, "%3d  %s %s%s\n", n, s.Short(), s.Subject, what)
	}
	verify := st.Verify
	if verify == "" {
		verify = "(none)"
	}
	fmt.Fprintf(out, "\nverify after each: %s\nregenerate: %s\n", verify, st.Regen)
}
