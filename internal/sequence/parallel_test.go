package sequence_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// A verify that moves HEAD in its worktree verified some other tree: with -jobs=N it stops
// where -jobs=1 stops, at that patch, and no pass is recorded for the patch's tree.
func TestParallelVerifyThatMovesHeadStops(t *testing.T) {
	for name, verify := range map[string]string{
		"reset":    "git reset -q --hard HEAD~1 && true",
		"checkout": "git checkout -q --detach HEAD~1",
		"branch":   "git checkout -q -b moved-$$",
	} {
		for _, jobs := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/jobs=%d", name, jobs), func(t *testing.T) {
				r := newRig(t)
				// On a patch: the branch's own verify before the port has none yet.
				r.opts.Verify, r.opts.Jobs = "[ -e pkg/asset/ignition/machine/dnsmasq.go ] || exit 0; "+verify, jobs
				_, err := sequence.CherryPick(r.ctx, r.opts)
				se := stop(t, err, sequence.StopHeadMoved)
				assert.Equal(t, example.CarryDnsmasq, se.Step.Subject, "jobs=%d", jobs)
				assert.Contains(t, err.Error(), "fork:continue", "jobs=%d", jobs)
				w, err := sequence.Where(r.ctx, r.opts)
				require.NoError(t, err)
				v := w.State.Steps[0].Verify
				require.NotNil(t, v)
				require.NotEmpty(t, v.Tree)
				_, err = r.gitErr("notes", "--ref=refs/notes/releasekit-verify", "show", v.Tree)
				assert.Error(t, err, "jobs=%d: no result is recorded for a tree the verify did not see", jobs)
				assert.Equal(t, r.orig, r.git("rev-parse", "refs/heads/release-4.15-azure"))
				if jobs > 1 {
					assert.Len(t, strings.Split(r.git("worktree", "list"), "\n"), 1, "the verify worktrees are gone")
				}
			})
		}
	}
}

// gitErr runs git in the work tree and returns its output and error, for a git that may fail.
func (r *rig) gitErr(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.work
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Finishing or aborting a port moves the branch, which must not be checked out in another
// linked worktree: a commit there would then revert the whole port. Both refuse and name it;
// once that worktree lets go of the branch, both go on.
func TestBranchCheckedOutElsewhereIsLeftAlone(t *testing.T) {
	for _, end := range []string{"continue", "abort"} {
		t.Run(end, func(t *testing.T) {
			r := newRig(t)
			_, err := sequence.CherryPick(r.ctx, r.opts)
			stop(t, err, sequence.StopConflict)
			r.resolve()
			other := filepath.Join(t.TempDir(), "other")
			r.git("worktree", "add", "-q", other, "release-4.15-azure")
			// A detached worktree at the branch's commit is no reason to refuse.
			detached := filepath.Join(t.TempDir(), "detached")
			r.git("worktree", "add", "-q", "--detach", detached, "release-4.15-azure")
			do := sequence.Continue
			if end == "abort" {
				do = sequence.Abort
			}
			before := r.git("rev-parse", "HEAD")
			_, err = do(r.ctx, r.opts)
			require.Error(t, err)
			var inUse *git.BranchInUseError
			require.ErrorAs(t, err, &inUse, "%v", err)
			assert.Contains(t, err.Error(), "release-4.15-azure is checked out in the worktree "+other)
			assert.Contains(t, err.Error(), "git -C "+other+" checkout --detach")
			assert.Equal(t, r.orig, r.git("rev-parse", "refs/heads/release-4.15-azure"), "the branch stays")
			assert.Equal(t, r.orig, r.gitIn(other, "rev-parse", "HEAD"), "the other worktree stays")
			assert.Empty(t, r.gitIn(other, "status", "--porcelain"))
			if end == "abort" {
				assert.Equal(t, before, r.git("rev-parse", "HEAD"), "nothing was undone")
				w, err := sequence.Where(r.ctx, r.opts)
				require.NoError(t, err)
				assert.Equal(t, sequence.InProgress, w.Outcome)
			}

			r.gitIn(other, "checkout", "-q", "--detach")
			res, err := do(r.ctx, r.opts)
			if end == "abort" {
				require.NoError(t, err)
				assert.Equal(t, "release-4.15-azure", r.git("symbolic-ref", "--short", "HEAD"))
				return
			}
			r.finished(res, err)
		})
	}
}

func (r *rig) gitIn(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// A verify stop at the assets commit leaves the same HEAD, index and work tree with -jobs=1
// and -jobs=N: the regenerated file amended into the patch, nothing else changed. Continue
// after a fix then ends with the same series.
func TestAssetsVerifyStopIsTheSameSerialAndParallel(t *testing.T) {
	var where []string
	var final []string
	for _, jobs := range []int{1, 3} {
		r := newRig(t)
		r.opts.Jobs = jobs
		r.opts.Regen = "printf 'package data // generated\\n' > data/assets_vfsdata.go"
		r.opts.Verify = "! grep -q generated data/assets_vfsdata.go || test -e FIXED"
		_, err := sequence.CherryPick(r.ctx, r.opts)
		stop(t, err, sequence.StopConflict)
		r.resolve()
		_, err = sequence.Continue(r.ctx, r.opts)
		se := stop(t, err, sequence.StopVerify)
		require.True(t, se.Step.Assets, se.Step.Subject)
		where = append(where, strings.Join([]string{
			r.git("rev-parse", "HEAD^{tree}", "HEAD~1^{tree}"),
			r.git("log", "-1", "--format=%s%n%b"),
			r.git("status", "--porcelain"),
			r.git("diff", "--cached", "--name-only"),
			r.git("show", "HEAD:data/assets_vfsdata.go"),
		}, "\n--\n"))
		r.write("FIXED", "")
		r.git("add", "FIXED")
		res, err := sequence.Continue(r.ctx, r.opts)
		r.finished(res, err)
		final = append(final, r.git("rev-parse", "HEAD^{tree}"))
	}
	assert.Equal(t, where[0], where[1], "the stop leaves the same HEAD, index and work tree")
	assert.Contains(t, where[0], "package data // generated", "the regenerated file is in the patch")
	assert.Equal(t, final[0], final[1])
}
