package sequence

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Clean patches are picked in memory: git merge-tree computes each pick's tree with the merge
// machinery of git cherry-pick, and git commit-tree makes the commit cherry-pick would make
// (the patch's message and authorship, the user as committer). The work tree is moved once per
// run of such patches, from the sequence's Safety to the run's last commit, and only when the
// next thing needs it: a patch that does not pick cleanly (a conflict, which rerere may
// resolve, or an empty pick), untracked files in a patch's way, the assets commit (regenerated
// in the work tree), a stop, or the end. With a verify in the work tree (-jobs=1), which needs
// the tree after every patch, every patch is picked there. Everything from there —
// the stops, their messages and hints, rerere, the reports — is the work-tree pick as before.
//
// The run is recorded in the state (Replayed) before the work tree moves; a run killed before
// the move goes on from Safety, one killed after it from the run's tip.

// notInMemory is a step that was found not to pick cleanly onto a commit in memory, so that the
// work-tree pick that follows does not compute it again.
type notInMemory struct {
	idx  int
	onto string
}

// memoryOK reports whether this run may pick in memory: not when git cherry-pick would run a
// commit hook or sign, which commit-tree does not, or when the work tree refused a move.
func (e *Engine) memoryOK(ctx context.Context) bool {
	if e.opts.WorkTreePicks || e.memoryOff {
		return false
	}
	if !e.hooksRead {
		e.hooks, e.hooksRead = e.repo.CommitHooks(ctx), true
		if len(e.hooks) > 0 {
			e.notify(Event{Kind: EventNote, Msg: "picking in the work tree: git cherry-pick runs what picking in memory would not (" + strings.Join(e.hooks, ", ") + ")"})
		}
	}
	return len(e.hooks) == 0
}

// replay picks the patches from the current one on in memory while they pick cleanly, moves the
// work tree to the last one, and closes their steps. It reports false, having changed nothing,
// when the current patch is not picked in memory: the work-tree pick follows.
func (e *Engine) replay(ctx context.Context, st *State) (bool, error) {
	// A verify in the work tree needs the tree there after every patch: a pick in memory then
	// saves only git cherry-pick's index work, and the move costs as much (measured with
	// scripts/bench-sequence-large.sh), so each patch is picked there as it always was.
	if e.serialVerify(st) || !e.memoryOK(ctx) || e.tried == (notInMemory{st.Current, st.Safety}) {
		return false, nil
	}
	onto, err := e.repo.TreeOf(ctx, st.Safety)
	if err != nil {
		return false, nil
	}
	// The picks' trees, each onto the one before.
	type memPick struct {
		idx        int
		onto, tree string
	}
	var picks []memPick
	failed := -1
	for i := st.Current; i < len(st.Steps) && ctx.Err() == nil; i++ {
		step := &st.Steps[i]
		if !step.runs() || step.Status == Skipped {
			continue
		}
		if step.Ahead != nil {
			// Picked by a parallel run before a stop: the work-tree step reuses it.
			break
		}
		commit := plumbing.NewHash(step.Commit)
		if !e.repo.PlainPick(ctx, commit) {
			failed = i
			break
		}
		p, err := e.repo.PickTree(ctx, commit, plumbing.NewHash(onto))
		if err != nil || !p.Clean() || p.Empty() {
			failed = i
			break
		}
		picks = append(picks, memPick{i, onto, p.Tree})
		onto = p.Tree
		// The assets commit is regenerated in the work tree.
		if e.needsWorkTree(st, step) {
			break
		}
	}
	if len(picks) == 0 {
		return false, nil
	}
	// git cherry-pick refuses to overwrite an untracked file where a patch adds one: that
	// patch is picked in the work tree, which says so (or removes an interrupted pick's leftover).
	pairs := make([][2]string, len(picks))
	for k, p := range picks {
		pairs[k] = [2]string{p.onto, p.tree}
	}
	added, err := e.repo.AddedPaths(ctx, pairs)
	if err != nil {
		return false, nil
	}
	for k := range picks {
		if e.inTheWay(added[k]) {
			failed, picks = picks[k].idx, picks[:k]
			break
		}
	}
	tip := plumbing.NewHash(st.Safety)
	var commits []string
	for _, p := range picks {
		for len(commits) < p.idx-st.Current {
			commits = append(commits, "")
		}
		step := &st.Steps[p.idx]
		c, err := e.repo.CommitPickAs(ctx, p.tree, tip, plumbing.NewHash(step.Commit))
		if err != nil {
			return false, err
		}
		commits = append(commits, c.String())
		tip = c
		e.notify(Event{Kind: EventStep, N: st.Position(p.idx), Total: st.Active(), Step: step, Phase: PhasePick})
		if !e.needsWorkTree(st, step) {
			done := *step
			done.Status, done.Result = Clean, c.String()
			e.notify(Event{Kind: EventDone, N: st.Position(p.idx), Total: st.Active(), Step: &done})
		}
	}
	if failed >= 0 {
		// The work-tree pick of this patch follows, once the work tree is at the tip.
		e.tried = notInMemory{failed, tip.String()}
	}
	if len(commits) == 0 {
		return false, nil
	}
	// From here the run is made whole, interrupted or not: the interrupt is seen after it.
	ctx = context.WithoutCancel(ctx)
	// git reset --keep moves HEAD from wherever it is: make sure that is where the sequence
	// left it, as a pick in the work tree does.
	if err := e.atSafety(ctx, st); err != nil {
		return false, err
	}
	st.Replayed = &Replayed{From: st.Safety, Commits: commits}
	if err := st.save(); err != nil {
		return false, err
	}
	crashPoint("before-move")
	if err := e.repo.ResetKeep(ctx, tip); err != nil {
		// Something of the engineer's is in the way: the work-tree picks say what, and stop
		// where git cherry-pick stops.
		e.memoryOff = true
		e.notify(Event{Kind: EventNote, Msg: "picking in the work tree from here: " + strings.TrimSpace(err.Error())})
		st.Replayed = nil
		if err := st.save(); err != nil {
			return false, err
		}
		return false, e.atSafety(ctx, st)
	}
	crashPoint("after-move")
	crashPoint(fmt.Sprintf("after-move-%d", len(picks)))
	return true, e.applyReplayed(ctx, st)
}

// inTheWay reports whether the work tree has anything where a pick adds one of paths, or a file
// where it needs a directory: git cherry-pick would refuse to overwrite an untracked file there
// (or overwrite an ignored one), which the work-tree pick sorts out.
func (e *Engine) inTheWay(paths []string) bool {
	for _, p := range paths {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if fi, err := os.Lstat(e.repo.WorkPath(dir)); err == nil && !fi.IsDir() {
				return true
			}
		}
		if _, err := os.Lstat(e.repo.WorkPath(p)); err == nil {
			return true
		}
	}
	return false
}

// needsWorkTree reports whether a step goes on in the work tree once picked: the assets commit
// (regenerated and amended there), or any patch verified there.
func (e *Engine) needsWorkTree(st *State, step *Step) bool {
	return step.Assets || e.serialVerify(st)
}

// applyReplayed closes the steps of the run picked in memory, HEAD being at its tip: each is a
// clean pick, done (queued for its verify in a worktree); the last one goes on in the work tree
// when it needs it, as a pick made there would.
func (e *Engine) applyReplayed(ctx context.Context, st *State) error {
	ctx = context.WithoutCancel(ctx)
	r := st.Replayed
	st.Replayed = nil
	head, err := e.repo.Head(ctx)
	if err != nil {
		return err
	}
	for k, c := range r.Commits {
		step := &st.Steps[st.Current]
		if c == "" {
			st.Current++
			continue
		}
		step.Base, step.Status, step.Conflicts, step.RerereFiles = st.Safety, Clean, nil, nil
		if k < len(r.Commits)-1 {
			step.Picked = c
			if err := e.close(ctx, st, step, c); err != nil {
				return err
			}
			st.Current++
			continue
		}
		// The last one is HEAD: the tip, or the assets commit amended before a kill.
		if e.needsWorkTree(st, step) {
			return e.picked(ctx, st, step)
		}
		step.Picked = head.String()
		if err := e.close(ctx, st, step, head.String()); err != nil {
			return err
		}
		return e.next(st)
	}
	return fmt.Errorf("a run picked in memory without a last commit")
}

// settle finishes or forgets a run picked in memory that a killed process left recorded: HEAD at
// its tip (or at a commit made on the tip's parent, such as the assets commit amended), the
// work tree moved and the steps are closed; HEAD still at Safety, the move never happened and
// the patches are picked again. Anywhere else HEAD was moved by hand: the record is dropped, and
// the control refuses as it does for any moved HEAD.
func (e *Engine) settle(ctx context.Context, st *State) error {
	r := st.Replayed
	if r == nil {
		return nil
	}
	head, branch, err := e.where(ctx)
	if err != nil {
		return err
	}
	if branch == "" && head.String() != r.From && e.ofReplayed(ctx, r, head) {
		e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("keeping the patches picked before the run was stopped, up to %.7s", head)})
		return e.applyReplayed(ctx, st)
	}
	// Not moved, or moved by hand (the control then refuses, and names Safety to check out
	// again): the patches are picked again from Safety.
	st.Replayed = nil
	return st.save()
}

// ofReplayed reports whether head is the run's tip, or a commit made on the tip's parent (the
// assets commit amended before the state was written).
func (e *Engine) ofReplayed(ctx context.Context, r *Replayed, head plumbing.Hash) bool {
	if head.String() == r.Tip() {
		return true
	}
	base := r.From
	for _, c := range r.Commits[:len(r.Commits)-1] {
		if c != "" {
			base = c
		}
	}
	parent, err := e.repo.Parent(ctx, head)
	return err == nil && parent.String() == base
}
