package sequence

import (
	"errors"
	"fmt"
	"strings"
)

// StopError is a sequence waiting for the engineer: a conflict, a failed verify or a failed
// regenerate. The state is saved; fork:continue, fork:skip or fork:abort go on from here.
type StopError struct {
	Reason StopReason
	// N of Total is the position of the patch among the patches that run.
	N, Total int
	Step     Step
	// Paths are the conflicted files; Rerere those rerere already resolved.
	Paths, Rerere []string
	// Tail is the end of the failed command's output, Log where all of it is.
	Tail, Log string
	// Phase is the phase an interruption or a moved HEAD stopped.
	Phase Phase
	// Moved says where HEAD went (StopHeadMoved).
	Moved *HeadMovedError
	// Cause is what interrupted the run (StopInterrupted).
	Cause error
	// Baseline says that upstream fails the verify too.
	Baseline string
}

func (e *StopError) Error() string {
	switch e.Reason {
	case StopConflict:
		return fmt.Sprintf("could not apply %s... %s (%d/%d): conflict in %s", e.Step.Short(), e.Step.Subject, e.N, e.Total, strings.Join(e.Paths, ", "))
	case StopInTheWay:
		return fmt.Sprintf("could not apply %s... %s (%d/%d): untracked or changed files in the way: %s", e.Step.Short(), e.Step.Subject, e.N, e.Total, strings.Join(e.Paths, ", "))
	case StopInterrupted:
		return fmt.Sprintf("interrupted during the %s of %s... %s (%d/%d): %v", e.Phase, e.Step.Short(), e.Step.Subject, e.N, e.Total, e.Cause)
	case StopHeadMoved:
		return fmt.Sprintf("HEAD moved while the %s of %s... %s (%d/%d) ran: %v", e.Phase, e.Step.Short(), e.Step.Subject, e.N, e.Total, e.Moved)
	default:
		msg := fmt.Sprintf("%s after %s... %s (%d/%d)", e.Reason, e.Step.Short(), e.Step.Subject, e.N, e.Total)
		if e.Baseline != "" {
			msg += "\n" + e.Baseline
		}
		if e.Tail != "" {
			msg += "\n    " + strings.ReplaceAll(e.Tail, "\n", "\n    ")
		}
		return msg
	}
}

// InProgressError refuses to start a sequence while one is stopped in the repository.
type InProgressError struct{ Plan, Release string }

func (e *InProgressError) Error() string {
	return fmt.Sprintf("a releasekit %s of %s is already in progress", e.Plan, e.Release)
}

// Stopped is the StopError inside err, if any.
func Stopped(err error) *StopError {
	var se *StopError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// UnresolvedError refuses to continue while files still have conflicts.
type UnresolvedError struct{ Paths []string }

func (e *UnresolvedError) Error() string {
	return "unresolved conflicts in " + strings.Join(e.Paths, ", ")
}

// HeadMovedError refuses to go on when HEAD is not where the sequence left it.
type HeadMovedError struct {
	// Want is the commit to check out again; Head where HEAD is; Branch the branch HEAD is
	// attached to ("" when detached).
	Want, Head, Branch string
	// Worktree: the verify command moved HEAD in the worktree it ran in, not in yours.
	Worktree bool
}

func (e *HeadMovedError) Error() string {
	where := "at " + short(e.Head)
	if e.Branch != "" {
		where = "on branch " + e.Branch + " (" + short(e.Head) + ")"
	}
	if e.Worktree {
		return fmt.Sprintf("the verify command left HEAD of its worktree %s, not at %s: it verified another commit (nothing is recorded)", where, short(e.Want))
	}
	return fmt.Sprintf("HEAD is %s, not at %s where the sequence left it (the sequence works on a detached HEAD)", where, short(e.Want))
}

func short(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
