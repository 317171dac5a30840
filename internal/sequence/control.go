package sequence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// Continue goes on after a stop (or a crash): it finishes the step the engineer worked on —
// committing a resolved pick with the patch's own message and author, or amending staged
// fixes into it — runs what is still pending for that step, then the rest of the sequence.
func (e *Engine) Continue(ctx context.Context) (*State, error) {
	return e.control(ctx, func(st *State) error {
		if err := e.replaceCommands(st); err != nil {
			return err
		}
		if err := e.settle(ctx, st); err != nil {
			return err
		}
		if !st.Done() {
			if err := e.resume(ctx, st); err != nil {
				return err
			}
		}
		return e.run(ctx, st)
	})
}

// control runs fn on the stopped sequence, holding the lock, with git not busy. The state is
// validated whole before fn acts on any of it.
func (e *Engine) control(ctx context.Context, fn func(*State) error) (*State, error) {
	unlock, err := e.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := Load(e.sd)
	if err != nil {
		return nil, err
	}
	if err := e.repo.NotBusy(ctx); err != nil {
		return st, err
	}
	return st, e.interrupted(ctx, st, fn(st))
}

// where is HEAD: its commit, and the branch it is attached to ("" when detached).
func (e *Engine) where(ctx context.Context) (plumbing.Hash, string, error) {
	head, err := e.repo.Head(ctx)
	if err != nil {
		return head, "", err
	}
	branch, err := e.repo.CurrentBranch(ctx)
	return head, branch, err
}

// movedError refuses to go on from a HEAD the sequence did not leave, and names the commit to
// check out again (want) and what then happens (again).
func movedError(st *State, want string, head plumbing.Hash, branch, control, again string) error {
	hints := []string{fmt.Sprintf(`check out the stopped commit again with "git checkout --detach %s", then run %s (%s)`, short(want), quote(cli.Cmd(control)), again)}
	if branch == st.Branch {
		hints = append(hints, "commits made on "+st.Branch+" during the stop stay on it; the sequence moves the branch only if it is still where it was")
	}
	hints = append(hints, ways())
	return cli.Fail(&HeadMovedError{Want: want, Head: head.String(), Branch: branch}, hints...)
}

func (e *Engine) resume(ctx context.Context, st *State) error {
	step := &st.Steps[st.Current]
	head, branch, err := e.where(ctx)
	if err != nil {
		return err
	}
	safety := plumbing.NewHash(st.Safety)
	switch st.Phase {
	case PhasePick:
		if branch != "" {
			return movedError(st, st.Safety, head, branch, "fork:continue", "the patch is picked again")
		}
		if head != safety && e.repo.HasCherryPickHead() {
			// git committed the pick and was interrupted before it cleaned up (Ctrl-C during a
			// commit hook): the commit is the pick's, the leftover marker is not.
			parent, err := e.repo.Parent(ctx, head)
			dirty, derr := e.repo.Dirty(ctx)
			if err != nil || derr != nil || parent != safety || len(dirty) > 0 {
				return movedError(st, st.Safety, head, branch, "fork:continue", "the patch is picked again")
			}
			if err := e.repo.ForgetCherryPick(ctx); err != nil {
				return err
			}
		}
		if e.repo.HasCherryPickHead() {
			ix, err := e.repo.IndexStatus(ctx)
			if err != nil {
				return err
			}
			if len(ix.Unmerged) > 0 {
				return cli.Fail(&UnresolvedError{Paths: ix.Unmerged},
					`resolve them and "git add" them, then run `+quote(cli.Cmd("fork:continue")), ways())
			}
			if unstaged, err := e.repo.HasUnstagedChanges(ctx); err != nil {
				return err
			} else if unstaged {
				dirty, _ := e.repo.Dirty(ctx)
				return cli.Fail(&git.DirtyError{What: "resolved files are not all staged", Paths: dirty},
					`"git add" the resolution (or discard the other changes), then run `+quote(cli.Cmd("fork:continue")))
			}
			if !ix.Staged {
				return e.dropEmpty(ctx, st, step, "empty after the conflict resolution")
			}
			if err := e.repo.CommitAs(ctx, plumbing.NewHash(step.Commit)); err != nil {
				return err
			}
			step.Status = e.resolvedStatus(st, step)
			return e.picked(ctx, st, step)
		}
		if head == safety {
			// Nothing was committed for this step: the pick did not start, or was undone.
			dirty, err := e.repo.Dirty(ctx)
			if err != nil {
				return err
			}
			if len(dirty) > 0 {
				return cli.Fail(&git.DirtyError{What: "there are changes but no cherry-pick in progress", Paths: dirty},
					"discard them (git checkout -- . ) to pick the patch again with "+quote(cli.Cmd("fork:continue")), ways())
			}
			st.Stop = ""
			return st.save()
		}
		if parent, err := e.repo.Parent(ctx, head); err == nil && parent == safety {
			// Committed by git before a crash, or by the engineer with git commit.
			step.Status = e.resolvedStatus(st, step)
			return e.picked(ctx, st, step)
		}
		return movedError(st, st.Safety, head, branch, "fork:continue", "the patch is picked again")
	case PhaseRegen, PhaseVerify, PhaseAmend:
		want := step.Picked
		if want == "" {
			want = st.Safety
		}
		again := "its " + string(st.Phase) + " runs again"
		if branch != "" || head == safety {
			return movedError(st, want, head, branch, "fork:continue", again)
		}
		if n, err := e.repo.Count(ctx, head.String(), st.Safety); err != nil || n != 0 {
			return movedError(st, want, head, branch, "fork:continue", again)
		}
		// The engineer's fix: staged changes are amended into the patch, as the runbook asks.
		// Unstaged ones are refused, except the generated file between regenerate and amend.
		dirty, err := e.repo.Dirty(ctx)
		if err != nil {
			return err
		}
		if unstaged, err := e.repo.HasUnstagedChanges(ctx); err != nil {
			return err
		} else if unstaged && !(step.Assets && slices.Equal(dirty, []string{carry.AssetsPath})) {
			return cli.Fail(&git.DirtyError{What: "unstaged changes (stage them to amend them into the patch, or discard them)", Paths: dirty},
				`"git add" the fix, then run `+quote(cli.Cmd("fork:continue")), ways())
		}
		if staged, err := e.repo.HasStagedChanges(ctx); err != nil {
			return err
		} else if staged {
			if err := e.repo.Amend(ctx); err != nil {
				return err
			}
			step.Note = "amended with your fix"
		}
		if head, err = e.repo.Head(ctx); err != nil {
			return err
		}
		step.Picked = head.String()
		st.Stop = ""
		return st.save()
	}
	return fmt.Errorf("sequence state has unknown phase %q", st.Phase)
}

func (e *Engine) resolvedStatus(st *State, step *Step) Status {
	if st.Stop == StopConflict || len(step.Conflicts) > 0 {
		return Resolved
	}
	return Clean
}

// replaceCommands puts the verify and regenerate commands given to this control in place of
// the sequence's, and records each change. A new verify command verifies the upstream baseline
// again: its result was for the old one.
func (e *Engine) replaceCommands(st *State) error {
	for _, c := range []struct {
		what string
		to   *string
		cur  *string
	}{{"verify", e.opts.Verify, &st.Verify}, {"regenerate", e.opts.Regen, &st.Regen}} {
		if c.to == nil || *c.to == *c.cur {
			continue
		}
		st.Changes = append(st.Changes, CommandChange{What: c.what, From: *c.cur, To: *c.to, At: st.Position(st.Current), Time: time.Now().UTC()})
		e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("%s command from here on: %s (was: %s)", c.what, orNone(*c.to), orNone(*c.cur))})
		*c.cur = *c.to
		if c.what == "verify" && st.Baseline != nil {
			st.Baseline.StepVerify = StepVerify{Commit: st.Baseline.Commit}
			st.Baseline.Label = ""
		}
	}
	return st.save()
}

func orNone(cmd string) string {
	if cmd == "" {
		return "none"
	}
	return cmd
}

// ErrNothingToSkip is Skip after every patch has run.
var ErrNothingToSkip = errors.New("every patch has run; nothing to skip")

// Skip drops the current patch (recorded in the report), cleans the tree back to the previous
// step, and goes on with the rest.
func (e *Engine) Skip(ctx context.Context) (*State, error) {
	return e.control(ctx, func(st *State) error {
		if st.Done() {
			return cli.Fail(ErrNothingToSkip, "finish with "+quote(cli.Cmd("fork:continue")))
		}
		if err := e.replaceCommands(st); err != nil {
			return err
		}
		head, branch, err := e.where(ctx)
		if err != nil {
			return err
		}
		safety := plumbing.NewHash(st.Safety)
		if branch != "" {
			return movedError(st, st.Safety, head, branch, "fork:skip", "the patch is dropped")
		}
		// A run picked in memory that a killed process left is dropped with the patch it
		// starts at, as a pick the process had made would be.
		ours := st.Replayed != nil && e.ofReplayed(ctx, st.Replayed, head)
		st.Replayed = nil
		if head != safety && !ours {
			if parent, err := e.repo.Parent(ctx, head); err != nil || parent != safety {
				return movedError(st, st.Safety, head, branch, "fork:skip", "the patch is dropped")
			}
		}
		if err := e.repo.ResetMerge(ctx, safety); err != nil {
			return err
		}
		step := &st.Steps[st.Current]
		step.Status, step.Result, step.Picked = Skipped, "", ""
		e.event(st, EventDone, step, "", "")
		if err := e.next(st); err != nil {
			return err
		}
		return e.run(ctx, st)
	})
}

// Abort puts the branch back where it was before the run and clears the state. The branch was
// never moved by the sequence; the commits made so far stay reachable from a ref under
// refs/releasekit/aborted/ so that nothing is lost. A branch that someone else moved during
// the sequence (a commit from a linked worktree, say) is left where it is: State.BranchMoved
// says so.
func (e *Engine) Abort(ctx context.Context) (*State, error) {
	return e.control(ctx, func(st *State) error {
		if err := e.branchFree(ctx, st, "then run "+quote(cli.Cmd("fork:abort"))+" again"); err != nil {
			return err
		}
		head, branch, err := e.where(ctx)
		if err != nil {
			return err
		}
		// The sequence's work: HEAD while it is detached, else the last finished step.
		work := head
		if branch != "" {
			work = plumbing.NewHash(st.Safety)
		}
		if work.String() != st.Onto {
			ref := fmt.Sprintf("refs/releasekit/aborted/%s/%s", st.Branch, time.Now().UTC().Format("20060102T150405Z"))
			if err := e.repo.UpdateRef(ctx, ref, work, plumbing.ZeroHash, "releasekit: abort"); err == nil {
				st.AbortedWork = ref
			}
		}
		if e.repo.HasCherryPickHead() {
			if err := e.repo.ResetMerge(ctx, head); err != nil {
				return err
			}
		}
		ref := "refs/heads/" + st.Branch
		cur, err := e.repo.Resolve(ctx, ref)
		if err != nil {
			return err
		}
		switch {
		case cur.String() == st.OrigHead:
		case st.Done() && cur.String() == st.Safety:
			// Only a crash between moving the branch and clearing the state gets here.
			if err := e.repo.UpdateRef(ctx, ref, plumbing.NewHash(st.OrigHead), cur, "releasekit: abort"); err != nil {
				return err
			}
		default:
			st.BranchMoved = cur.String()
		}
		if err := e.repo.ForceCheckout(ctx, st.Branch); err != nil {
			return err
		}
		if err := verify.Prune(ctx, e.repo); err != nil {
			e.notify(Event{Kind: EventWarn, Msg: err.Error()})
		}
		st.Finished = time.Now().UTC()
		st.Stop = StopAborted
		if err := st.save(); err != nil {
			return err
		}
		if err := os.Rename(st.stateFile, e.sd.SequenceLast()); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}
