package sequence

import (
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
	// Baseline says that upstream fails the verify too.
	Baseline string
}

func (e *StopError) Error() string {
	switch e.Reason {
	case StopConflict:
		return fmt.Sprintf("could not apply %s... %s (%d/%d): conflict in %s", e.Step.Short(), e.Step.Subject, e.N, e.Total, strings.Join(e.Paths, ", "))
	default:
		msg := fmt.Sprintf("%s after %s... %s (%d/%d)", e.Reason, e.Step.Short(), e.Step.Subject, e.N, e.Total)
		if e.Baseline != "" {
			msg += "\n" + e.Baseline
		}
		return msg
	}
}

// InProgressError refuses to start a sequence while one is stopped in the repository.
type InProgressError struct{ Plan, Release string }

func (e *InProgressError) Error() string {
	return fmt.Sprintf("a releasekit %s of %s is already in progress", e.Plan, e.Release)
}

// UnresolvedError refuses to continue while files still have conflicts.
type UnresolvedError struct{ Paths []string }

func (e *UnresolvedError) Error() string {
	return "unresolved conflicts in " + strings.Join(e.Paths, ", ")
}

// DirtyError refuses to start or go on with changes in the way.
type DirtyError struct {
	Paths []string
	What  string
}

func (e *DirtyError) Error() string {
	what := e.What
	if what == "" {
		what = "the work tree has uncommitted changes"
	}
	return fmt.Sprintf("%s: %s", what, strings.Join(e.Paths, ", "))
}

// HeadMovedError refuses to go on when HEAD is not where the sequence left it.
type HeadMovedError struct{ Want, Head string }

func (e *HeadMovedError) Error() string {
	return fmt.Sprintf("HEAD is at %s, not on top of %s where the sequence left it", e.Head[:7], e.Want[:7])
}

// GitBusyError is a leftover index.lock.
type GitBusyError struct{ Path string }

func (e *GitBusyError) Error() string {
	return "another git process seems to be running in this repository (" + e.Path + " exists)"
}
