package sequence

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// parallel reports whether the sequence verifies in worktrees while the picks go on.
func (e *Engine) parallel(st *State) bool { return st.Jobs > 1 && st.Verify != "" }

// baselineIdx stands for the upstream baseline among the step indexes of the scheduler.
const baselineIdx = -1

type vresult struct {
	idx int
	out verify.Outcome
}

// scheduler runs the verifies of a parallel sequence: at most Jobs at once, earlier patches
// first, the baseline before them all. The engine's goroutine owns the state; verifies report
// back through results.
type scheduler struct {
	e       *Engine
	st      *State
	pool    *verify.Pool
	ctx     context.Context
	results chan vresult
	cancels map[int]context.CancelFunc
	err     error
}

// runParallel is run for Jobs > 1: the picks go on in order on the main tree, and each patch,
// once committed (the assets commit regenerated and amended first), is verified in a worktree
// of its own. It stops exactly where a serial run stops: at a conflict (after the verifies of
// the patches before it), or at the first patch whose verify fails, with HEAD at that patch and
// the picks made past it kept for fork:continue.
func (e *Engine) runParallel(ctx context.Context, st *State) error {
	if err := verify.Prune(ctx, e.repo); err != nil {
		return err
	}
	s := &scheduler{e: e, st: st, pool: e.pool(st), ctx: ctx, results: make(chan vresult, len(st.Steps)+1), cancels: map[int]context.CancelFunc{}}
	defer s.pool.Close(context.WithoutCancel(ctx))
	defer s.cancelAll()
	// Verifies that were running when the last run was killed run again, or are found in the
	// notes if they had finished.
	for i := range st.Steps {
		if v := st.Steps[i].Verify; v != nil && v.State == VerifyRunning {
			v.State = VerifyQueued
		}
		if st.Steps[i].Status == Skipped {
			// Skipped after its verify failed: nothing of it is left to verify.
			st.Steps[i].Verify = nil
		}
	}
	// The patch a failed verify stopped at is verified again, with the engineer's fix.
	if !st.Done() && st.Phase == PhaseVerify {
		st.Steps[st.Current].Verify = nil
	}
	if err := s.queueBaseline(ctx); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return s.interrupted(err)
		}
		s.collect(false)
		if s.err != nil {
			return s.fail()
		}
		if s.failed() >= 0 {
			return s.stopAtFailure(ctx)
		}
		if err := s.launch(ctx); err != nil {
			return err
		}
		if !st.Done() {
			if err := e.step(ctx, st); err != nil {
				var stop *StopError
				if errors.As(err, &stop) && ctx.Err() == nil {
					return s.stopAfterVerifies(ctx, err)
				}
				if ctx.Err() != nil {
					return s.interrupted(ctx.Err())
				}
				return err
			}
			continue
		}
		if s.idle() {
			crashPoint("before-parallel-finish")
			s.pool.Close(ctx)
			if err := verify.Prune(ctx, e.repo); err != nil {
				return err
			}
			return e.finish(ctx, st)
		}
		s.collect(true)
	}
}

func (s *scheduler) queueBaseline(ctx context.Context) error {
	b := s.st.Baseline
	if b == nil || b.done() {
		return nil
	}
	if b.Tree == "" {
		tree, err := s.e.repo.TreeOf(ctx, b.Commit)
		if err != nil {
			return fmt.Errorf("read the tree of the upstream baseline %s: %w", b.Ref, err)
		}
		b.Tree = tree
	}
	b.State = VerifyQueued
	return nil
}

// verifyOf is the verify of step idx (or the baseline).
func (s *scheduler) verifyOf(idx int) *StepVerify {
	if idx == baselineIdx {
		if s.st.Baseline == nil {
			return nil
		}
		return &s.st.Baseline.StepVerify
	}
	return s.st.Steps[idx].Verify
}

// running counts the patch verifies running; the baseline runs alongside them, once.
func (s *scheduler) running() int {
	n := len(s.cancels)
	if s.cancels[baselineIdx] != nil {
		n--
	}
	return n
}

// launch starts queued verifies, the baseline first, then the earliest patches, while slots
// are free. A recorded pass is taken from the notes without a slot.
func (s *scheduler) launch(ctx context.Context) error {
	changed := false
	order := []int{baselineIdx}
	for i := range s.st.Steps {
		order = append(order, i)
	}
	for _, idx := range order {
		v := s.verifyOf(idx)
		if v == nil || v.State != VerifyQueued {
			continue
		}
		if idx != baselineIdx && s.running() >= s.st.Jobs {
			break
		}
		rec, ok, err := s.pool.Lookup(ctx, v.Tree)
		if err != nil {
			return err
		}
		changed = true
		if ok {
			v.State, v.Host, v.Time, v.Seconds = VerifyCached, rec.Host, rec.Time, rec.Seconds
			s.report(idx, cachedMsg(rec))
			if idx == baselineIdx {
				s.e.setBaseline(s.st, verify.Outcome{Job: verify.Job{Tree: v.Tree}, Record: rec, Cached: true})
			}
			continue
		}
		s.start(idx, v)
	}
	if changed {
		return s.st.save()
	}
	return nil
}

func (s *scheduler) start(idx int, v *StepVerify) {
	v.State = VerifyRunning
	job := verify.Job{Commit: plumbing.NewHash(v.Commit), Tree: v.Tree, Name: "baseline-verify"}
	if idx != baselineIdx {
		step := &s.st.Steps[idx]
		job.Name = fmt.Sprintf("%02d-%s-verify", s.st.Position(idx), step.Short())
		job.Watch = s.e.watch(s.st, idx, PhaseVerify)
		log := s.pool.LogPath(job)
		s.e.notify(Event{Kind: EventStep, N: s.st.Position(idx), Total: s.st.Active(), Step: step, Phase: PhaseVerify,
			Msg: s.st.Verify + " (in a worktree; log: " + log + ")", Log: log})
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.cancels[idx] = cancel
	go func() { s.results <- vresult{idx, s.pool.Verify(ctx, job)} }()
	crashPoint("after-parallel-launch")
}

// collect applies finished verifies; with block, it waits for one first.
func (s *scheduler) collect(block bool) {
	for {
		var r vresult
		if block {
			r = <-s.results
			block = false
		} else {
			select {
			case r = <-s.results:
			default:
				return
			}
		}
		s.apply(r)
	}
}

func (s *scheduler) apply(r vresult) {
	if cancel := s.cancels[r.idx]; cancel != nil {
		cancel()
		delete(s.cancels, r.idx)
	}
	v := s.verifyOf(r.idx)
	if v == nil {
		return
	}
	o := r.out
	if o.Err != nil && s.ctx.Err() != nil {
		// Cancelled with the run (whatever git said when it was interrupted): it runs again
		// on the next fork:continue.
		v.State = VerifyQueued
		_ = s.st.save()
		return
	}
	var moved *verify.MovedError
	if errors.As(o.Err, &moved) {
		// It verified another commit than its own: a failure, where a serial run stops too.
		v.State, v.Log, v.Moved, v.MovedBranch = VerifyFailed, o.Log, moved.Head, moved.Branch
		if r.idx == baselineIdx {
			s.e.notify(Event{Kind: EventWarn, Msg: "verify of the upstream baseline: " + moved.Error()})
		} else {
			s.report(r.idx, "HEAD moved: "+moved.Error())
		}
		_ = s.st.save()
		return
	}
	if o.Err != nil {
		// Cancelled, or it could not run: it runs again on the next fork:continue.
		v.State = VerifyQueued
		if !errors.Is(o.Err, context.Canceled) && s.err == nil {
			s.err = o.Err
		}
		_ = s.st.save()
		return
	}
	if r.idx == baselineIdx {
		s.e.setBaseline(s.st, o)
		s.report(baselineIdx, fmt.Sprintf("%s in %s", o.Record.Result, humanize.Seconds(o.Record.Seconds)))
	} else {
		v.Seconds, v.Log = o.Record.Seconds, o.Log
		switch {
		case o.Cached:
			v.State, v.Host, v.Time = VerifyCached, o.Record.Host, o.Record.Time
		case o.Record.Passed():
			v.State = VerifyPassed
		default:
			v.State = VerifyFailed
		}
		s.st.Steps[r.idx].VerifySeconds = o.Record.Seconds
		msg := fmt.Sprintf("%s in %s", o.Record.Result, humanize.Seconds(o.Record.Seconds))
		if o.Cached {
			msg = cachedMsg(o.Record)
		}
		s.report(r.idx, msg)
	}
	_ = s.st.save()
	crashPoint("after-parallel-verify")
}

func (s *scheduler) report(idx int, msg string) {
	if idx == baselineIdx {
		s.e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("verify of the upstream baseline %s (%.7s): %s", s.st.Baseline.Ref, s.st.Baseline.Commit, msg)})
		return
	}
	s.e.notify(Event{Kind: EventStep, N: s.st.Position(idx), Total: s.st.Active(), Step: &s.st.Steps[idx], Phase: PhaseVerify, Msg: msg})
}

// failed is the earliest patch whose verify failed with every verify before it passed: where a
// serial run would have stopped. -1 when there is none (yet).
func (s *scheduler) failed() int {
	for i := range s.st.Steps {
		v := s.st.Steps[i].Verify
		switch {
		case v == nil || v.passed():
		case v.State == VerifyFailed:
			return i
		default:
			return -1
		}
	}
	return -1
}

// anyFailed is the earliest failed verify, settled or not.
func (s *scheduler) anyFailed() int {
	for i := range s.st.Steps {
		if v := s.st.Steps[i].Verify; v != nil && v.State == VerifyFailed {
			return i
		}
	}
	return -1
}

// idle reports that every verify has a result (or none is left to run).
func (s *scheduler) idle() bool {
	if len(s.cancels) > 0 {
		return false
	}
	for idx := baselineIdx; idx < len(s.st.Steps); idx++ {
		if v := s.verifyOf(idx); v != nil && v.State == VerifyQueued {
			return false
		}
	}
	return true
}

// drain runs the verifies of the patches picked so far to the end; once one has failed, those
// of later patches are cancelled, as a serial run would never have reached them.
func (s *scheduler) drain(ctx context.Context) error {
	for {
		if k := s.anyFailed(); k >= 0 {
			for idx, cancel := range s.cancels {
				if idx > k {
					cancel()
				}
			}
			for i := k + 1; i < len(s.st.Steps); i++ {
				if v := s.st.Steps[i].Verify; v != nil && v.State == VerifyQueued {
					v.State = ""
				}
			}
		}
		if err := s.launch(ctx); err != nil {
			return err
		}
		if s.idle() {
			return nil
		}
		s.collect(true)
		if ctx.Err() != nil {
			return s.interrupted(ctx.Err())
		}
		if s.err != nil {
			return s.fail()
		}
	}
}

// stopAfterVerifies handles a conflict or a failed regenerate: a serial run would have verified
// every patch before it first, so they all finish; if one failed, the stop is there instead.
func (s *scheduler) stopAfterVerifies(ctx context.Context, stop error) error {
	if err := s.drain(ctx); err != nil {
		return err
	}
	if s.failed() >= 0 {
		return s.stopAtFailure(ctx)
	}
	if err := s.st.save(); err != nil {
		return err
	}
	return stop
}

// stopAtFailure stops at the earliest failed patch k: the verifies of the patches before k
// finish (one of them may fail and become the stop), those after are cancelled; HEAD goes back
// to k's commit, and the patches picked past k are kept for fork:continue to reuse.
func (s *scheduler) stopAtFailure(ctx context.Context) error {
	if err := s.drain(ctx); err != nil {
		return err
	}
	k := s.failed()
	st, e := s.st, s.e
	label := ""
	if b := st.Baseline; b != nil {
		for b.State == VerifyRunning {
			s.collect(true)
		}
		label = e.baselineLabel(ctx, st)
	}
	if ctx.Err() != nil {
		return s.interrupted(ctx.Err())
	}
	// The stop is decided: make it whole, even if an interrupt comes now.
	ctx = context.WithoutCancel(ctx)
	if e.repo.HasCherryPickHead() {
		head, err := e.repo.Head(ctx)
		if err != nil {
			return err
		}
		if err := e.repo.ResetMerge(ctx, head); err != nil {
			return err
		}
	}
	failed := st.Steps[k].Verify
	for i := k + 1; i < len(st.Steps); i++ {
		p := &st.Steps[i]
		if p.Status == Dropped || p.Status == Present || p.Status == Skipped {
			continue
		}
		if p.Result != "" {
			p.Ahead = &Ahead{Commit: p.Result, Status: p.Status, Conflicts: p.Conflicts, RerereFiles: p.RerereFiles, Amended: p.Amended}
		}
		*p = Step{Commit: p.Commit, Subject: p.Subject, Kind: p.Kind, Assets: p.Assets, Status: Pending, Ahead: p.Ahead}
	}
	step := &st.Steps[k]
	if err := e.repo.ResetMerge(ctx, plumbing.NewHash(failed.Commit)); err != nil {
		return fmt.Errorf("go back to %s, whose verify failed: %w", step.Short(), err)
	}
	step.Picked, step.Result = failed.Commit, ""
	st.Current, st.Phase, st.Stop, st.StopLog = k, PhaseVerify, StopVerify, failed.Log
	st.Safety = st.Onto
	for i := k - 1; i >= 0; i-- {
		if r := st.Steps[i].Result; r != "" {
			st.Safety = r
			break
		}
	}
	if failed.Moved != "" {
		st.Stop = StopHeadMoved
		if err := st.save(); err != nil {
			return err
		}
		return cli.Stop(&StopError{Reason: StopHeadMoved, N: st.Position(k), Total: st.Active(), Step: *step, Phase: PhaseVerify,
			Moved: &HeadMovedError{Want: failed.Commit, Head: failed.Moved, Branch: failed.MovedBranch, Worktree: true}},
			"full log: "+failed.Log,
			movedCommandHint(),
			ways())
	}
	if err := st.save(); err != nil {
		return err
	}
	return cli.Stop(&StopError{Reason: StopVerify, N: st.Position(k), Total: st.Active(), Step: *step,
		Tail: verify.Tail(failed.Log, 20), Log: failed.Log, Baseline: label},
		"full log: "+failed.Log,
		`fix the tree and "git add" the fix (it is amended into the patch), then run `+quote(cli.Cmd("fork:continue"))+
			"; the patches picked past it are reused where nothing changes under them",
		ways())
}

// reuse takes the commit a parallel run picked for step before an earlier patch failed, when
// its parent is still where this step goes: the same pick again would make the same tree.
func (e *Engine) reuse(ctx context.Context, st *State, step *Step) (bool, error) {
	a := step.Ahead
	step.Ahead = nil
	parent, err := e.repo.Parent(ctx, plumbing.NewHash(a.Commit))
	if err != nil || parent.String() != st.Safety {
		return false, nil
	}
	if err := e.repo.ResetMerge(ctx, plumbing.NewHash(a.Commit)); err != nil {
		return false, err
	}
	step.Base = st.Safety
	step.Status, step.Conflicts, step.RerereFiles, step.Amended = a.Status, a.Conflicts, a.RerereFiles, a.Amended
	step.Picked = a.Commit
	e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("[%d/%d] reuse %.7s %s: picked before the stop, onto the same parent", st.Position(st.Current), st.Active(), a.Commit, step.Subject)})
	return true, e.complete(ctx, st, step)
}

// queueVerify marks a completed step's commit for a verify in a worktree.
func (e *Engine) queueVerify(ctx context.Context, st *State, step *Step) error {
	tree, err := e.repo.TreeOf(ctx, step.Result)
	if err != nil {
		return err
	}
	step.Verify = &StepVerify{State: VerifyQueued, Commit: step.Result, Tree: tree}
	return nil
}

func (s *scheduler) cancelAll() {
	for _, cancel := range s.cancels {
		cancel()
	}
	for len(s.cancels) > 0 {
		s.collect(true)
	}
}

// interrupted stops every verify (their process groups and worktrees) and saves the state: the
// verifies that did not finish are queued again for fork:continue.
func (s *scheduler) interrupted(err error) error {
	s.cancelAll()
	if s.st.Done() {
		// Every patch is picked; only verifies were left. (Otherwise the engine words the stop.)
		s.st.Stop = StopInterrupted
		if serr := s.st.save(); serr != nil {
			return serr
		}
		return cli.Stop(fmt.Errorf("interrupted while the last verifies ran: %w", err),
			"go on with "+quote(cli.Cmd("fork:continue"))+" (the verifies that did not finish run again)",
			"or undo all with "+quote(cli.Cmd("fork:abort")))
	}
	if serr := s.st.save(); serr != nil {
		return serr
	}
	return err
}

func (s *scheduler) fail() error {
	err := s.err
	s.cancelAll()
	if serr := s.st.save(); serr != nil {
		return serr
	}
	return err
}
