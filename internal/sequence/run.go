package sequence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rerere"
)

// RunOptions are what the sequence targets (fork:cherryPick, fork:rebaseAgain, fork:continue,
// fork:skip, fork:abort, fork:status) take, parsed at the edge.
type RunOptions struct {
	// Dir is a directory in the installer fork's work tree.
	Dir string
	// Release is X.Y (cherryPick and rebaseAgain only).
	Release release.Minor
	Remotes release.Remotes
	// Verify runs after every patch (empty: none); Regen regenerates the assets file.
	Verify, Regen string
	// NewVerify and NewRegen, for fork:continue and fork:skip, replace the commands the
	// sequence started with from here on (nil: keep them; "" for no verify).
	NewVerify, NewRegen *string
	// Jobs is how many verifies run at once, each in a worktree (0 or 1: after each pick, in the
	// work tree); Reverify verifies even trees the notes record a pass for.
	Jobs     int
	Reverify bool
	// DryRun plans and changes nothing; Todo (rebaseAgain) plans as a git rebase -i todo list.
	DryRun, Todo bool
	// Sync merges the shared resolutions of the fork remote (fork:sync) into the rr-cache
	// before the sequence starts (not for DryRun or Todo).
	Sync bool
	// FetchStall gives up rebaseAgain's fetch of upstream when it stalls this long (0: never).
	FetchStall time.Duration
	// Progress receives git fetch's progress; Notify the sequence's events.
	Progress io.Writer
	Notify   func(Event)
	// Heartbeat is how often a running verify or regenerate reports (0: 30s).
	Heartbeat time.Duration
	// Output (-v) receives the verify and regenerate output live, each line led by [n/total],
	// as git rebase --exec shows it; nil: only the logs have it.
	Output io.Writer
	// Now is the clock (backup ref names); nil is time.Now.
	Now func() time.Time
	// WorkTreePicks picks every patch in the work tree (see Options).
	WorkTreePicks bool
}

// Outcome says how a sequence target ended, when it did not fail or stop.
type Outcome int

const (
	// Finished: the branch holds the new series.
	Finished Outcome = iota
	// Planned: a dry run; State is the plan.
	Planned
	// TodoList: Todo holds the plan as a git rebase -i todo list.
	TodoList
	// NothingToDo: Note says why (nothing to port, already up to date).
	NothingToDo
	// Aborted: the branch is back.
	Aborted
	// Idle: fork:status found no sequence in progress (Last is the previous one, if any).
	Idle
	// InProgress: fork:status found a sequence (State) running or stopped.
	InProgress
)

// Result is what a sequence target did. On a stop or a failure it is returned with the error,
// as far as it got (the state and the report of a stopped sequence).
type Result struct {
	Outcome Outcome
	State   *State
	// Report is where the Markdown report was written.
	Report string
	Note   string
	Todo   string
	// Last is the previous finished or aborted sequence (status).
	Last *State
	// Running is the process that runs the sequence now (status); 0 when none does.
	Running int
}

func (o *RunOptions) open(ctx context.Context) (*git.Repo, *Engine, error) {
	repo, err := git.OpenWorkTree(ctx, o.Dir)
	if err != nil {
		return nil, nil, err
	}
	if o.Notify != nil {
		repo.OnCLIReads(func(why string) {
			o.Notify(Event{Kind: EventNote, Msg: "note: reading through the git CLI (" + why + ")"})
		})
	}
	eng, err := New(ctx, repo, Options{Notify: o.Notify, Heartbeat: o.Heartbeat, Output: o.Output, Verify: o.NewVerify, Regen: o.NewRegen, WorkTreePicks: o.WorkTreePicks})
	if err != nil {
		repo.Close()
		return nil, nil, err
	}
	return repo, eng, nil
}

func (o RunOptions) note(format string, args ...any) {
	if o.Notify != nil {
		o.Notify(Event{Kind: EventNote, Msg: fmt.Sprintf(format, args...)})
	}
}

// sync runs fork:sync for -sync, before anything else changes.
func (o RunOptions) sync(ctx context.Context, repo *git.Repo) error {
	if !o.Sync || o.DryRun || o.Todo {
		return nil
	}
	res, err := rerere.Sync(ctx, rerere.SyncOptions{Dir: repo.Dir, Remote: o.Remotes.OrDefault().Fork, Stall: o.FetchStall})
	if err != nil {
		return err
	}
	o.note("%s", res.Summary())
	return nil
}

func (o RunOptions) plan() PlanOptions {
	return PlanOptions{Release: o.Release, Remotes: o.Remotes.OrDefault(), Verify: o.Verify, Regen: o.Regen, Jobs: o.Jobs, Reverify: o.Reverify}
}

// CherryPick is fork:cherryPick: it ports the carry patches of release-X.Y-1-azure onto the
// openIdle opens the repository and its engine for a new sequence: none may be in progress,
// and the history must be whole (not a shallow clone).
func (o RunOptions) openIdle(ctx context.Context) (*git.Repo, *Engine, error) {
	repo, eng, err := o.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := eng.Idle(); err != nil {
		repo.Close()
		return nil, nil, err
	}
	rem := o.Remotes.OrDefault()
	if err := repo.CheckHistory(ctx, rem.Fork, rem.Upstream); err != nil {
		return nil, nil, err
	}
	return repo, eng, nil
}

// checked-out release-X.Y-azure (see CherryPickPlan), or with DryRun only plans it.
func CherryPick(ctx context.Context, o RunOptions) (*Result, error) {
	prev, err := o.Release.Previous()
	if err != nil {
		return nil, cli.Usage(err)
	}
	repo, eng, err := o.openIdle(ctx)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	rem := o.Remotes.OrDefault()
	if err := o.sync(ctx, repo); err != nil {
		return nil, err
	}
	st, err := CherryPickPlan(ctx, repo, o.plan())
	if err != nil {
		return nil, err
	}
	if st.Active() == 0 {
		return &Result{Outcome: NothingToDo, State: st, Note: fmt.Sprintf("nothing to port: the %d carry patches of %s are on %s or upstream already",
			len(st.Steps), rem.ForkBranch(prev), st.Branch)}, nil
	}
	if o.DryRun {
		return &Result{Outcome: Planned, State: st}, nil
	}
	present := ""
	if n := st.count(Present); n > 0 {
		present = fmt.Sprintf("; %d already on %s", n, st.Branch)
	}
	o.note("porting %d carry patches of %s onto %s (%d dropped: already upstream%s)",
		st.Active(), rem.ForkBranch(prev), st.Branch, st.count(Dropped), present)
	st, err = eng.Start(ctx, st)
	return endOfRun(ctx, repo, st, err)
}

// RebaseAgain is fork:rebaseAgain: it fetches upstream and replays the checked-out
// release-X.Y-azure's carry patches onto the new upstream/release-X.Y (see RebaseAgainPlan).
// DryRun and Todo only plan, without fetching.
func RebaseAgain(ctx context.Context, o RunOptions) (*Result, error) {
	repo, eng, err := o.openIdle(ctx)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	rem := o.Remotes.OrDefault()
	planOnly := o.DryRun || o.Todo
	if !planOnly {
		if err := repo.Ready(ctx); err != nil {
			return nil, err
		}
		if err := o.sync(ctx, repo); err != nil {
			return nil, err
		}
		o.note("fetching %s ...", rem.Upstream)
		if err := repo.Fetch(ctx, rem.Upstream, git.FetchOptions{Progress: o.Progress, Stall: o.FetchStall}); err != nil {
			return nil, FetchError(rem.Upstream, err)
		}
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	st, err := RebaseAgainPlan(ctx, repo, o.plan(), now())
	if errors.Is(err, ErrUpToDate) {
		if planOnly {
			o.note("note: -dryrun and -todo do not fetch; run \"git fetch %s\" first to see upstream's new commits", rem.Upstream)
		}
		return &Result{Outcome: NothingToDo, Note: err.Error() + ": nothing to replay"}, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case o.Todo:
		return &Result{Outcome: TodoList, State: st, Todo: Todo(st)}, nil
	case o.DryRun:
		return &Result{Outcome: Planned, State: st}, nil
	}
	o.note("replaying %d carry patches of %s onto %s at %s (%d dropped: already upstream); old tip kept at %s",
		st.Active(), st.Branch, rem.UpstreamBranch(o.Release), st.Onto[:7], len(st.Steps)-st.Active(), st.BackupRef)
	st, err = eng.Start(ctx, st)
	return endOfRun(ctx, repo, st, err)
}

// FetchError words a failed fetch of remote: the remote, and the setting that changes the
// stall timeout when that is what gave up.
func FetchError(remote string, err error) error {
	var stalled *git.StalledError
	if errors.As(err, &stalled) {
		return cli.Fail(err, fmt.Sprintf("check your network and access to %s (git remote get-url %s); RELEASEKIT_FETCH_TIMEOUT (now %s) sets how long a fetch may stall", remote, remote, stalled.Stall))
	}
	return cli.Fail(fmt.Errorf("fetch %s: %w", remote, err), "check the remote (RELEASEKIT_UPSTREAM_REMOTE) and your access to it")
}

// Continue is fork:continue.
func Continue(ctx context.Context, o RunOptions) (*Result, error) {
	return control(ctx, o, (*Engine).Continue)
}

// Skip is fork:skip.
func Skip(ctx context.Context, o RunOptions) (*Result, error) {
	return control(ctx, o, (*Engine).Skip)
}

func control(ctx context.Context, o RunOptions, fn func(*Engine, context.Context) (*State, error)) (*Result, error) {
	repo, eng, err := o.open(ctx)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	st, err := fn(eng, ctx)
	return endOfRun(ctx, repo, st, err)
}

// Abort is fork:abort.
func Abort(ctx context.Context, o RunOptions) (*Result, error) {
	repo, eng, err := o.open(ctx)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	st, err := eng.Abort(ctx)
	if err != nil {
		return &Result{State: st}, err
	}
	res := &Result{Outcome: Aborted, State: st}
	res.Report, err = repo.WriteReport(ctx, reportName(st), Report(st))
	return res, err
}

// Where is fork:status: the sequence in progress, whether a live process runs it, or the last one.
func Where(ctx context.Context, o RunOptions) (*Result, error) {
	repo, eng, err := o.open(ctx)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	st, err := eng.Status()
	if errors.Is(err, ErrNoSequence) {
		res := &Result{Outcome: Idle}
		if last, err := eng.Last(); err == nil {
			res.Last = last
		}
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	return &Result{Outcome: InProgress, State: st, Running: repo.LockHolder(ctx)}, nil
}

// endOfRun writes the report of a finished or stopped run.
func endOfRun(ctx context.Context, repo *git.Repo, st *State, err error) (*Result, error) {
	res := &Result{Outcome: Finished, State: st}
	if st == nil || st.Steps == nil {
		return res, err
	}
	path, werr := repo.WriteReport(ctx, reportName(st), Report(st))
	if werr != nil {
		return res, errors.Join(err, werr)
	}
	res.Report = path
	return res, err
}

func reportName(st *State) string {
	return git.ReportName(st.Plan, st.Release)
}

func (s *State) count(status Status) int {
	n := 0
	for _, st := range s.Steps {
		if st.Status == status {
			n++
		}
	}
	return n
}

// Headline says where a sequence in progress stands, in one line: the truth also after a run
// was killed (no process holds the lock, and the state still says running).
func (r *Result) Headline() string {
	st := r.State
	where := "running"
	switch {
	case st.Stop != "":
		where = "stopped: " + string(st.Stop)
	case r.Running == 0:
		where = "stopped: " + string(StopInterrupted) + " (the run that worked on it is gone; go on with " + quote(cli.Cmd("fork:continue")) + ")"
	default:
		where = fmt.Sprintf("running (process %d)", r.Running)
	}
	return fmt.Sprintf("%s of %s onto %s: patch %d of %d, %s", st.Plan, st.Release, st.Branch, st.Position(st.Current), st.Active(), where)
}

// Ended says how the previous sequence ended: finished or aborted.
func (s *State) Ended() string {
	if s.Stop == StopAborted {
		return "aborted"
	}
	return "finished"
}
