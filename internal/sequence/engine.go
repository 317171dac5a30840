package sequence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/canary"
	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/rerere"
	"github.com/aro-releasekit/releasekit/internal/usercmd"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// EventKind says what an Event reports.
type EventKind int

const (
	// EventStep: a step starts a phase (pick, regenerate, verify, amend).
	EventStep EventKind = iota
	// EventBeat: a long regenerate or verify is still running.
	EventBeat
	// EventDone: a step is finished, with its status.
	EventDone
	// EventWarn: something the engineer should know, that does not stop the run.
	EventWarn
	// EventFinished: the branch has moved to the new series.
	EventFinished
	// EventNote: a line for the log (what is about to happen).
	EventNote
)

// Event is progress, for the caller to show.
type Event struct {
	Kind     EventKind
	N, Total int
	Step     *Step
	Phase    Phase
	// Elapsed is the time in the phase (beats) or the run (other events).
	Elapsed time.Duration
	Msg     string
	// Log is the log of a verify or regenerate that starts (EventStep).
	Log string
}

// Options configure an Engine.
type Options struct {
	// Notify receives progress; nil drops it.
	Notify func(Event)
	// Heartbeat is how often a running verify or regenerate reports; 0 means 30s.
	Heartbeat time.Duration
	// Host and Now stamp the verify results kept in the notes; defaults: the host name, time.Now.
	Host string
	Now  func() time.Time
	// Verify and Regen, when set, replace the sequence's verify and regenerate commands from
	// fork:continue or fork:skip on (the change is kept in the state and the report).
	Verify, Regen *string
	// Output, when set, receives the output of the verify and regenerate commands live, each
	// line led by [n/total] (-v); the logs have it either way.
	Output io.Writer
	// WorkTreePicks picks every patch with git cherry-pick in the work tree, none in memory
	// (the tests compare both).
	WorkTreePicks bool
}

// Engine runs sequences in one repository.
type Engine struct {
	repo  *git.Repo
	sd    git.StateDir
	opts  Options
	start time.Time
	vpool *verify.Pool
	// mu keeps events and live output whole: verifies in worktrees report from goroutines.
	mu sync.Mutex
	// hooks are what makes this run pick in the work tree (see memoryOK), read once
	// (hooksRead); memoryOff is set once the work tree refused a move; tried is the step last
	// found not to pick in memory.
	hooks     []string
	hooksRead bool
	memoryOff bool
	tried     notInMemory
}

// Dir is where sequence state lives: git.StateDir.Sequence.
func Dir(ctx context.Context, repo *git.Repo) (string, error) {
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return "", err
	}
	return sd.Sequence(), nil
}

// New makes an engine for repo.
func New(ctx context.Context, repo *git.Repo, opts Options) (*Engine, error) {
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 30 * time.Second
	}
	// rerere is on for every git the engine starts (start, continue, skip): through the
	// environment, never in the user's configuration.
	if err := repo.EnableRerere(ctx); err != nil {
		return nil, err
	}
	return &Engine{repo: repo, sd: sd, opts: opts, start: time.Now()}, nil
}

// StateDir is the directory of the engine's state, logs and reports.
func (e *Engine) StateDir() string { return e.sd.Sequence() }

func (e *Engine) notify(ev Event) {
	if e.opts.Notify != nil {
		if ev.Elapsed == 0 {
			ev.Elapsed = time.Since(e.start)
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		e.opts.Notify(ev)
	}
}

// Status reads the sequence in progress.
func (e *Engine) Status() (*State, error) { return Load(e.sd) }

func (e *Engine) lock(ctx context.Context) (func(), error) {
	unlock, stale, err := e.repo.Lock(ctx)
	if err != nil {
		return nil, err
	}
	if stale != nil {
		e.notify(Event{Kind: EventWarn, Msg: fmt.Sprintf("found a stale lock of process %d, which is no longer running (killed or crashed); taking it over", stale.PID)})
	}
	// What killed canaries left is removed by every sequence target, not only the next canary.
	if err := canary.Prune(ctx, e.repo); err != nil {
		e.notify(Event{Kind: EventWarn, Msg: "remove the worktrees that killed canaries left: " + err.Error()})
	}
	return unlock, nil
}

// Start begins the sequence st (built by a plan) and runs it until it finishes or stops.
func (e *Engine) Start(ctx context.Context, st *State) (*State, error) {
	unlock, err := e.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := e.Idle(); err != nil {
		return nil, err
	}
	if err := e.repo.Ready(ctx); err != nil {
		return nil, err
	}
	if err := e.verifyTip(ctx, st); err != nil {
		return nil, err
	}
	st.stateFile = e.sd.SequenceState()
	st.Started = time.Now().UTC()
	st.Current, st.Phase, st.Safety = 0, PhasePick, st.Onto
	if err := os.MkdirAll(e.sd.SequenceLogs(), 0o755); err != nil {
		return nil, err
	}
	if st.BackupRef != "" {
		if err := e.repo.UpdateRef(ctx, st.BackupRef, plumbing.NewHash(st.OrigHead), plumbing.ZeroHash, "releasekit: backup before "+st.Plan); err != nil {
			return nil, fmt.Errorf("write backup ref: %w", err)
		}
	}
	// The branch moves only when the sequence finishes: work on a detached HEAD until then.
	if err := st.save(); err != nil {
		return nil, err
	}
	if err := e.repo.Detach(ctx, plumbing.NewHash(st.Onto)); err != nil {
		return nil, err
	}
	return st, e.interrupted(ctx, st, e.run(ctx, st))
}

// interrupted turns a run ended by its context (Ctrl-C, SIGTERM, a timeout) into a stop that
// the state records, so that fork:status tells the truth and fork:continue goes on from there.
func (e *Engine) interrupted(ctx context.Context, st *State, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	var ce *cli.Error
	if errors.As(err, &ce) && ce.Code == cli.ExitStopped {
		return err
	}
	st.Stop, st.StopLog = StopInterrupted, ""
	if serr := st.save(); serr != nil {
		return errors.Join(err, serr)
	}
	if st.Done() {
		// Every patch is picked: the verifies (or the move of the branch) were left.
		return cli.Stop(fmt.Errorf("interrupted while the last verifies ran: %w", ctx.Err()),
			"go on with "+quote(cli.Cmd("fork:continue"))+" (the verifies that did not finish run again)",
			"or undo all with "+quote(cli.Cmd("fork:abort")))
	}
	step := st.Steps[st.Current]
	return cli.Stop(&StopError{Reason: StopInterrupted, N: st.Position(st.Current), Total: st.Active(), Step: step, Phase: st.Phase, Cause: ctx.Err()},
		"go on from where it was with "+quote(cli.Cmd("fork:continue"))+" (the "+string(st.Phase)+" of this patch runs again)",
		"or undo all with "+quote(cli.Cmd("fork:abort")))
}

func (e *Engine) run(ctx context.Context, st *State) error {
	if e.parallel(st) {
		return e.runParallel(ctx, st)
	}
	for !st.Done() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.step(ctx, st); err != nil {
			return err
		}
	}
	return e.finish(ctx, st)
}

// step runs the next phase of the current step.
func (e *Engine) step(ctx context.Context, st *State) error {
	step := &st.Steps[st.Current]
	if !step.runs() || step.Status == Skipped {
		st.Current++
		return st.save()
	}
	switch st.Phase {
	case PhasePick:
		return e.pick(ctx, st, step)
	case PhaseRegen:
		return e.shellPhase(ctx, st, step, st.Regen, StopRegen)
	case PhaseVerify:
		if e.parallel(st) {
			// Back from a stop at this patch's verify: verify it again, in a worktree.
			return e.complete(ctx, st, step)
		}
		return e.shellPhase(ctx, st, step, st.Verify, StopVerify)
	case PhaseAmend:
		return e.amend(ctx, st, step)
	}
	return fmt.Errorf("sequence state has unknown phase %q", st.Phase)
}

func (e *Engine) event(st *State, kind EventKind, step *Step, phase Phase, msg string) {
	e.notify(Event{Kind: kind, N: st.Position(st.Current), Total: st.Active(), Step: step, Phase: phase, Msg: msg})
}

func (e *Engine) pick(ctx context.Context, st *State, step *Step) error {
	if step.Ahead != nil {
		if reused, err := e.reuse(ctx, st, step); reused || err != nil {
			return err
		}
	}
	// A pick goes onto the HEAD the sequence left. Anything else moved it (a git still running
	// from a killed run, a checkout by hand): picking there would build on the wrong commit,
	// and dropping an empty pick would reset that commit away.
	if err := e.atSafety(ctx, st); err != nil {
		return err
	}
	if done, err := e.replay(ctx, st); done || err != nil {
		return err
	}
	e.event(st, EventStep, step, PhasePick, "")
	step.Base = st.Safety
	crashPoint("before-pick")
	// Which rr-cache entries the pick replays shows in their postimages' times: note them now.
	cache, _ := rerere.Open(ctx, e.repo)
	var before rerere.Snapshot
	if cache != nil {
		before = cache.Snapshot()
	}
	o, err := e.repo.CherryPick(ctx, plumbing.NewHash(step.Commit))
	var inTheWay *git.InTheWayError
	if errors.As(err, &inTheWay) && ctx.Err() == nil {
		// Untracked files as this patch has them, whole or cut short, are what an interrupted
		// pick of it wrote: the pick writes them again, so nothing is lost by removing them first.
		if same := e.repo.SameAsIn(ctx, plumbing.NewHash(step.Commit), inTheWay.Untracked()); len(same) > 0 {
			if rerr := e.removeLeftovers(same); rerr != nil {
				return rerr
			}
			e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("[%d/%d] removed %s, left by an interrupted pick of this patch (the patch's own content, or a start of it)",
				st.Position(st.Current), st.Active(), strings.Join(same, ", "))})
			o, err = e.repo.CherryPick(ctx, plumbing.NewHash(step.Commit))
		}
	}
	if err == nil && len(o.Rerere) > 0 && cache != nil {
		step.Resolutions = cache.Used(before, o.Rerere)
	}
	if errors.As(err, &inTheWay) && ctx.Err() == nil {
		st.Stop = StopInTheWay
		if err := st.save(); err != nil {
			return err
		}
		return cli.Stop(&StopError{Reason: StopInTheWay, N: st.Position(st.Current), Total: st.Active(), Step: *step, Paths: inTheWay.Paths},
			append(inTheWayHints(inTheWay), ways())...)
	}
	if err != nil {
		return err
	}
	crashPoint("after-pick")
	switch {
	case o.Committed:
		step.Status = Clean
		return e.picked(ctx, st, step)
	case o.Empty:
		return e.dropEmpty(ctx, st, step, "")
	case len(o.Conflicts) > 0:
		step.Conflicts = union(o.Conflicts, o.Rerere)
		step.RerereFiles = o.Rerere
		st.Stop = StopConflict
		if err := st.save(); err != nil {
			return err
		}
		var hints []string
		if len(o.Rerere) > 0 {
			hints = append(hints, "rerere already resolved "+strings.Join(o.Rerere, ", ")+" with a recorded resolution"+sources(step.Resolutions)+": check it")
		}
		hints = append(hints, `resolve the conflicts, "git add" them, then run `+quote(cli.Cmd("fork:continue")), ways())
		return cli.Stop(&StopError{Reason: StopConflict, N: st.Position(st.Current), Total: st.Active(), Step: *step, Paths: step.Conflicts, Rerere: o.Rerere}, hints...)
	default:
		// Every conflict had a recorded resolution: rerere staged them all.
		step.Conflicts, step.RerereFiles = o.Rerere, o.Rerere
		if err := e.repo.CommitAs(ctx, plumbing.NewHash(step.Commit)); err != nil {
			return err
		}
		step.Status = Rerere
		return e.picked(ctx, st, step)
	}
}

// inTheWayHints say how to clear each kind of file in the way of a pick.
func inTheWayHints(e *git.InTheWayError) []string {
	var hints []string
	if u := e.Untracked(); len(u) > 0 {
		hints = append(hints, "move or remove "+strings.Join(u, ", "))
	}
	if len(e.Tracked) > 0 {
		hints = append(hints, "discard your changes to "+strings.Join(e.Tracked, ", ")+" with \"git checkout -- "+strings.Join(e.Tracked, " ")+
			"\" (\"git stash\" first keeps them)")
	}
	hints[len(hints)-1] += ", then run " + quote(cli.Cmd("fork:continue")) + " (the patch is picked again)"
	return hints
}

// removeLeftovers removes untracked files of the work tree.
func (e *Engine) removeLeftovers(paths []string) error {
	for _, p := range paths {
		if err := os.Remove(e.repo.WorkPath(p)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (e *Engine) dropEmpty(ctx context.Context, st *State, step *Step, note string) error {
	// An empty pick leaves HEAD where it was; the reset only cleans the index and tree.
	if err := e.atSafety(ctx, st); err != nil {
		return err
	}
	if err := e.repo.ResetMerge(ctx, plumbing.NewHash(st.Safety)); err != nil {
		return err
	}
	step.Status, step.Note = Empty, note
	e.event(st, EventDone, step, "", "")
	return e.next(st)
}

// atSafety refuses to go on unless HEAD is the detached commit the sequence last left.
func (e *Engine) atSafety(ctx context.Context, st *State) error {
	head, branch, err := e.where(ctx)
	if err != nil {
		return err
	}
	if head.String() == st.Safety && branch == "" {
		return nil
	}
	if err := st.save(); err != nil {
		return err
	}
	return movedError(st, st.Safety, head, branch, "fork:continue", "the patch is picked again")
}

// sources says where replayed resolutions came from, for a hint: " (from your cache)".
func sources(us []rerere.Use) string {
	seen := map[string]bool{}
	var out []string
	for _, u := range us {
		if s := u.Source(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " (from " + strings.Join(out, ", ") + ")"
}

// picked records the commit the pick made and moves to the step's next phase. The commit is
// made: an interrupt now must not leave the step marked picked with the sequence still in its
// pick phase (a damaged state), so the reads that record it are not cancelled; the interrupt is
// seen before the next phase.
func (e *Engine) picked(ctx context.Context, st *State, step *Step) error {
	ctx = context.WithoutCancel(ctx)
	head, err := e.repo.Head(ctx)
	if err != nil {
		return err
	}
	step.Picked = head.String()
	st.Stop = ""
	// The assets commit is regenerated and amended before its verify, serial or parallel: a
	// stop at its verify leaves the same HEAD (the regenerated file in the patch) either way.
	switch {
	case step.Assets && st.Regen != "":
		st.Phase = PhaseRegen
	case step.Assets:
		st.Phase = PhaseAmend
	case e.serialVerify(st):
		st.Phase = PhaseVerify
	default:
		return e.complete(ctx, st, step)
	}
	// No save here: a crash before the next one resumes in the pick phase, and Continue sees
	// from HEAD that the pick was made. One write per step keeps the sequence near git's speed.
	return nil
}

func (e *Engine) shellPhase(ctx context.Context, st *State, step *Step, command string, reason StopReason) error {
	phase := st.Phase
	if command == "" {
		return e.afterShell(ctx, st, step, phase)
	}
	var tree string
	if phase == PhaseVerify {
		var hit bool
		var err error
		if tree, hit, err = e.cachedVerify(ctx, st, step); err != nil {
			return err
		} else if hit {
			return e.afterShell(ctx, st, step, phase)
		}
	}
	logPath := filepath.Join(e.sd.SequenceLogs(), fmt.Sprintf("%02d-%s-%s.log", st.Position(st.Current), step.Short(), phase))
	e.notify(Event{Kind: EventStep, N: st.Position(st.Current), Total: st.Active(), Step: step, Phase: phase,
		Msg: command + " (log: " + logPath + ")", Log: logPath})
	started := time.Now()
	res, err := usercmd.Run(ctx, usercmd.Options{Dir: e.repo.Dir, Command: command, Log: logPath, Watch: e.watch(st, st.Current, phase)})
	tail := res.Tail
	if phase == PhaseVerify {
		step.VerifySeconds = time.Since(started).Seconds()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The command ran in the work tree, and anyone may have used it meanwhile: go on only from
	// the commit the engine left, or the result would be credited to the wrong commit.
	if moved := e.headMoved(ctx, step); moved != nil {
		st.Stop, st.StopLog = StopHeadMoved, logPath
		if serr := st.save(); serr != nil {
			return serr
		}
		return cli.Stop(&StopError{Reason: StopHeadMoved, N: st.Position(st.Current), Total: st.Active(), Step: *step, Phase: phase, Moved: moved},
			fmt.Sprintf("check out the patch again with \"git checkout --detach %s\", then run %s (the %s runs again)", moved.Want[:7], quote(cli.Cmd("fork:continue")), phase),
			movedCommandHint(),
			ways())
	}
	if phase == PhaseVerify {
		e.recordVerify(ctx, st, step, tree, err == nil, step.VerifySeconds, logPath)
	}
	if err != nil {
		var label string
		if phase == PhaseVerify {
			label = e.baselineLabel(ctx, st)
		}
		st.Stop, st.StopLog = reason, logPath
		if serr := st.save(); serr != nil {
			return serr
		}
		msg := &StopError{Reason: reason, N: st.Position(st.Current), Total: st.Active(), Step: *step, Tail: tail, Log: logPath, Baseline: label}
		return cli.Stop(msg, "full log: "+logPath,
			`fix the tree and "git add" the fix (it is amended into the patch), then run `+quote(cli.Cmd("fork:continue")), ways())
	}
	crashPoint("after-" + string(phase))
	return e.afterShell(ctx, st, step, phase)
}

// headMoved checks, after a command the engineer's shell ran, that HEAD is still the detached
// commit the engine left for this step.
func (e *Engine) headMoved(ctx context.Context, step *Step) *HeadMovedError {
	head, err := e.repo.Head(ctx)
	branch, berr := e.repo.CurrentBranch(ctx)
	if err != nil || berr != nil {
		return &HeadMovedError{Want: step.Picked, Head: "unknown", Branch: branch}
	}
	if head.String() != step.Picked || branch != "" {
		return &HeadMovedError{Want: step.Picked, Head: head.String(), Branch: branch}
	}
	return nil
}

func (e *Engine) afterShell(ctx context.Context, st *State, step *Step, phase Phase) error {
	st.Stop, st.StopLog = "", ""
	switch {
	case phase == PhaseRegen:
		st.Phase = PhaseAmend
	case phase == PhaseVerify && step.Assets:
		// A state of an earlier version verified the assets commit before its amend.
		changed, err := e.repo.StageChanged(ctx, carry.AssetsPath)
		if err != nil {
			return err
		}
		if changed {
			if err := e.repo.Amend(ctx); err != nil {
				return fmt.Errorf("amend %s into %s: %w", carry.AssetsPath, step.Short(), err)
			}
			step.Amended = true
		}
		return e.complete(ctx, st, step)
	default:
		return e.complete(ctx, st, step)
	}
	return st.save()
}

// serialVerify reports whether each patch is verified in the work tree, after its pick.
func (e *Engine) serialVerify(st *State) bool { return st.Verify != "" && !e.parallel(st) }

func (e *Engine) amend(ctx context.Context, st *State, step *Step) error {
	e.event(st, EventStep, step, PhaseAmend, carry.AssetsPath)
	// Amend only when the regenerated file differs from the commit: after a crash that
	// happened past the amend, there is nothing left to do.
	changed, err := e.repo.StageChanged(ctx, carry.AssetsPath)
	if err != nil {
		return err
	}
	if changed {
		if err := e.repo.Amend(ctx); err != nil {
			return fmt.Errorf("amend %s into %s: %w", carry.AssetsPath, step.Short(), err)
		}
		crashPoint("after-amend")
	}
	step.Amended = step.Amended || changed
	if e.serialVerify(st) {
		st.Phase = PhaseVerify
		if head, err := e.repo.Head(ctx); err == nil {
			step.Picked = head.String()
		}
		return st.save()
	}
	return e.complete(ctx, st, step)
}

// complete closes the step: its result is HEAD, which becomes the new abort-safety point. It
// closes it whole, interrupted or not (its git reads are not cancelled): cut half-way, the step
// would be saved done (and its verify never queued) with the sequence not yet past it, a state
// that no command can go on from. The interrupt is seen before the next step.
func (e *Engine) complete(ctx context.Context, st *State, step *Step) error {
	ctx = context.WithoutCancel(ctx)
	head, err := e.repo.Head(ctx)
	if err != nil {
		return err
	}
	if err := e.close(ctx, st, step, head.String()); err != nil {
		return err
	}
	e.event(st, EventDone, step, "", "")
	return e.next(st)
}

// close records result as the step's commit and the new abort-safety point, and queues its
// verify in a worktree.
func (e *Engine) close(ctx context.Context, st *State, step *Step, result string) error {
	step.Result = result
	st.Safety = result
	if e.parallel(st) {
		if err := e.queueVerify(ctx, st, step); err != nil {
			return err
		}
	}
	if step.Status == Resolved && step.Base != "" {
		lost, err := lostLines(ctx, e.repo, step)
		if err != nil {
			e.notify(Event{Kind: EventWarn, Msg: err.Error()})
		}
		step.Lost = lost
	}
	return nil
}

func (e *Engine) next(st *State) error {
	st.Current++
	st.Phase, st.Stop, st.StopLog = PhasePick, "", ""
	return st.save()
}

// finish moves the branch to the new series, only if it is still where the sequence found it.
func (e *Engine) finish(ctx context.Context, st *State) error {
	crashPoint("before-finish")
	if err := e.branchFree(ctx, st, "then run "+quote(cli.Cmd("fork:continue"))+" to move the branch to the new series"); err != nil {
		return err
	}
	ref := "refs/heads/" + st.Branch
	cur, err := e.repo.Resolve(ctx, ref)
	if err != nil {
		return err
	}
	if cur.String() != st.Safety {
		if cur.String() != st.OrigHead {
			return cli.Fail(fmt.Errorf("branch %s moved to %s during the sequence (it was at %s): not overwriting it; the new series is at %s",
				st.Branch, cur.String()[:7], st.OrigHead[:7], st.Safety[:7]),
				fmt.Sprintf("compare the two (git log %s...%s); to keep the new series, move the branch yourself: git branch -f %s %s, then run %s",
					st.Branch, st.Safety[:7], st.Branch, st.Safety[:7], quote(cli.Cmd("fork:continue"))),
				"or undo all with "+quote(cli.Cmd("fork:abort"))+" (the branch keeps its new commits)")
		}
		if err := e.repo.UpdateRef(ctx, ref, plumbing.NewHash(st.Safety), cur, "releasekit: "+st.Plan+" "+st.Release); err != nil {
			return err
		}
	}
	crashPoint("after-update-ref")
	if err := e.repo.AttachHead(ctx, st.Branch); err != nil {
		return err
	}
	// The range-diff is for rebase-again, where the old series and the new one are the same
	// carry patches on two upstream tips.
	if st.Plan == PlanRebaseAgain && st.SeriesBase != "" && st.SeriesTip != "" {
		rd, err := e.repo.RangeDiff(ctx, st.SeriesBase, st.SeriesTip, st.Onto, st.Safety)
		if err != nil {
			e.notify(Event{Kind: EventWarn, Msg: "range-diff of the old and new series: " + err.Error()})
		}
		st.RangeDiff = rd
	}
	st.Finished = time.Now().UTC()
	if err := st.save(); err != nil {
		return err
	}
	// Keep the finished state for status and the report, out of the way of the next run.
	if err := os.Rename(st.stateFile, e.sd.SequenceLast()); err != nil {
		return err
	}
	e.notify(Event{Kind: EventFinished, Total: st.Active()})
	return nil
}

// branchFree refuses to move the sequence's branch while another linked worktree has it
// checked out; then says what the control does once it is free.
func (e *Engine) branchFree(ctx context.Context, st *State, then string) error {
	err := e.repo.CheckNotCheckedOutElsewhere(ctx, st.Branch)
	var inUse *git.BranchInUseError
	if errors.As(err, &inUse) {
		return cli.Fail(err,
			fmt.Sprintf("let that worktree go of the branch (git -C %s checkout --detach, or git worktree remove %s), %s", inUse.Worktree, inUse.Worktree, then),
			"the sequence is kept as it is")
	}
	return err
}

// Last is the most recent finished or aborted sequence, if any.
func (e *Engine) Last() (*State, error) {
	s, err := loadFile(e.sd.SequenceLast())
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoSequence
	}
	return s, err
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// crashPoint kills the process at a named point when RELEASEKIT_TEST_CRASH names it: the
// crash-injection tests use it to prove that fork:continue resumes from any point.
func crashPoint(name string) {
	if os.Getenv("RELEASEKIT_TEST_CRASH") == name {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// Idle returns an InProgressError when a sequence is stopped or running in the repository.
func (e *Engine) Idle() error {
	old, err := Load(e.sd)
	if err == nil {
		return cli.Fail(&InProgressError{Plan: old.Plan, Release: old.Release},
			"see where it stands with "+quote(cli.Cmd("fork:status")),
			"go on with "+quote(cli.Cmd("fork:continue"))+", or undo it with "+quote(cli.Cmd("fork:abort")))
	}
	if errors.Is(err, ErrNoSequence) {
		return nil
	}
	return err
}

// movedCommandHint is for a verify or regenerate command that itself moves HEAD.
func movedCommandHint() string {
	return "the command must leave HEAD where it is; to run another one, give it to " + quote(cli.Cmd("fork:continue")) +
		" with -verify=COMMAND (or -regen=COMMAND)"
}

// ways are the ways out of any stop.
func ways() string {
	return "or drop this patch with " + quote(cli.Cmd("fork:skip")) + ", or undo all with " + quote(cli.Cmd("fork:abort"))
}
