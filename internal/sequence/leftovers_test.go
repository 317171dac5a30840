package sequence_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// An interrupted pick leaves the files it already wrote; they are exactly the patch's, and the
// pick of the same patch again removes them instead of stopping at them. A file of the same
// name with other content is still a stop (TestInTheWayThenContinue).
func TestLeftoversOfAnInterruptedPickAreCleaned(t *testing.T) {
	const path = "data/data/azure/privatelink.tf"
	for name, leftover := range map[string]func(whole string) string{
		"whole":          func(whole string) string { return whole },
		"empty":          func(string) string { return "" },
		"cut short":      func(whole string) string { return whole[:len(whole)/2] },
		"someone else's": func(string) string { return "# mine, not the patch's\n" },
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			_, err := sequence.CherryPick(r.ctx, r.opts)
			stop(t, err, sequence.StopConflict)
			r.resolve()
			var notes []string
			var written string
			r.opts.Notify = func(ev sequence.Event) {
				if ev.Kind == sequence.EventStep && ev.Phase == sequence.PhasePick && ev.Step.Subject == example.CarryPrivateLink {
					// As the git of a killed run left it: the patch's new file, untracked.
					written = leftover(r.git("show", ev.Step.Commit+":"+path) + "\n")
					r.write(path, written)
				}
				if ev.Kind == sequence.EventNote {
					notes = append(notes, ev.Msg)
				}
			}
			res, err := sequence.Continue(r.ctx, r.opts)
			if name == "someone else's" {
				// Not what the patch writes: never removed, the run stops with the file named.
				se := stop(t, err, sequence.StopInTheWay)
				assert.Equal(t, []string{path}, se.Paths)
				b, rerr := os.ReadFile(filepath.Join(r.work, path))
				require.NoError(t, rerr)
				assert.Equal(t, written, string(b))
				return
			}
			r.finished(res, err)
			assert.Contains(t, r.subjects(), example.CarryPrivateLink)
			assert.Contains(t, strings.Join(notes, "\n"), "removed "+path+", left by an interrupted pick of this patch")
		})
	}
}

// A tracked file with local changes in the way of a pick: "move or remove" would not clear it,
// git checkout -- FILE does, and the hint says so.
func TestTrackedFileInTheWayHint(t *testing.T) {
	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	const valid = "cmd/openshift-install/main.go"
	b, err := os.ReadFile(filepath.Join(r.work, valid))
	require.NoError(t, err)
	r.write(valid, string(b)+"// mine\n")
	_, err = sequence.Skip(r.ctx, r.opts)
	se := stop(t, err, sequence.StopInTheWay)
	assert.Equal(t, example.HackOutbound, se.Step.Subject)
	assert.Equal(t, []string{valid}, se.Paths)
	assert.Contains(t, err.Error(), `hint: discard your changes to `+valid+` with "git checkout -- `+valid+`" ("git stash" first keeps them), then run "releasekit fork:continue"`)
	assert.NotContains(t, err.Error(), "move or remove")
	r.git("checkout", "--", valid)
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
	assert.Contains(t, r.subjects(), example.HackOutbound)
}

// Ctrl-C while a parallel run stops at a failed verify (the last patch's, every pick made) is
// an interrupt like any other: exit 2 and the fork:continue hint; fork:continue then stops at
// that verify.
func TestInterruptDuringTheParallelVerifyStop(t *testing.T) {
	r := newRig(t)
	r.opts.Jobs = 3
	r.opts.Verify = fmt.Sprintf("git log -1 --format=%%s | grep -qvF '%s'", example.CarryRHCOS)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	total := 0
	r.opts.Notify = func(ev sequence.Event) {
		total = ev.Total
		if ev.Kind == sequence.EventStep && ev.Phase == sequence.PhaseVerify && ev.N == ev.Total && strings.HasPrefix(ev.Msg, "fail") {
			cancel()
		}
	}
	_, err = sequence.Continue(ctx, r.opts)
	require.Error(t, err)
	assert.Equal(t, cli.ExitStopped, cli.Code(err), "%v", err)
	assert.Contains(t, err.Error(), `hint: go on with "releasekit fork:continue"`)
	require.NotZero(t, total)

	r.opts.Notify = nil
	_, err = sequence.Continue(r.ctx, r.opts)
	se := stop(t, err, sequence.StopVerify)
	assert.Equal(t, example.CarryRHCOS, se.Step.Subject)
}

// A canary killed with kill -9 leaves its worktree; the sequence targets prune it, as the next
// canary would.
func TestSequencePrunesAKilledCanarysWorktree(t *testing.T) {
	r := newRig(t)
	base := r.git("rev-parse", "--git-path", "releasekit/worktrees")
	if !filepath.IsAbs(base) {
		base = filepath.Join(r.work, base)
	}
	dead := filepath.Join(base, "canary-2147483-abc")
	r.git("worktree", "add", "-q", "--detach", dead, "HEAD")
	live := filepath.Join(base, fmt.Sprintf("canary-%d-abc", os.Getpid()))
	r.git("worktree", "add", "-q", "--detach", live, "HEAD")
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	assert.NoDirExists(t, dead)
	assert.NotContains(t, r.git("worktree", "list"), dead)
	assert.DirExists(t, live, "a running canary's worktree stays")
}

// Ctrl-C right after the last patch is done, as the branch is about to move: a stop (exit 2)
// with the fork:continue hint, which then finishes.
func TestInterruptAfterTheLastPatch(t *testing.T) {
	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	r.opts.Notify = func(ev sequence.Event) {
		if ev.Kind == sequence.EventDone && ev.N == ev.Total {
			cancel()
		}
	}
	_, err = sequence.Continue(ctx, r.opts)
	require.Error(t, err)
	assert.Equal(t, cli.ExitStopped, cli.Code(err), "%v", err)
	assert.Contains(t, err.Error(), `hint: go on with "releasekit fork:continue"`)
	assert.Equal(t, r.orig, r.git("rev-parse", "refs/heads/release-4.15-azure"))
	r.opts.Notify = nil
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
}

// Ctrl-C as a parallel run records a patch it reuses (picked before a stop at an earlier
// patch's verify): the patch is whole in the state, done and past, or not at all; fork:status
// reads it and fork:continue finishes.
func TestInterruptAsAPickIsRecorded(t *testing.T) {
	r := newRig(t)
	fixed := filepath.Join(t.TempDir(), "fixed")
	r.opts.Jobs = 2
	r.opts.Verify = fmt.Sprintf("git log -1 --format=%%s | grep -qvF '%s' || [ -e '%s' ]", example.CarryPrivateLink, fixed)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	_, err = sequence.Continue(r.ctx, r.opts)
	se := stop(t, err, sequence.StopVerify)
	require.Equal(t, example.CarryPrivateLink, se.Step.Subject)

	// The failure goes away without a fix: the patches past it are reused, and the interrupt
	// comes as the first of them is.
	require.NoError(t, os.WriteFile(fixed, nil, 0o644))
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	reused := 0
	r.opts.Notify = func(ev sequence.Event) {
		if ev.Kind == sequence.EventNote && strings.Contains(ev.Msg, "picked before the stop") {
			reused++
			cancel()
		}
	}
	_, err = sequence.Continue(ctx, r.opts)
	require.Error(t, err)
	require.Equal(t, 1, reused, "the interrupt came as a patch was reused: %v", err)
	assert.Equal(t, cli.ExitStopped, cli.Code(err), "%v", err)
	r.opts.Notify = nil
	w, err := sequence.Where(r.ctx, r.opts)
	require.NoError(t, err, "the interrupted run saved a state fork:status reads")
	assert.Equal(t, sequence.StopInterrupted, w.State.Stop)
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
}
