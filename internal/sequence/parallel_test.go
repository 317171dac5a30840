package sequence_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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
		t.Run(name, func(t *testing.T) {
			for _, jobs := range []int{1, 3} {
				r := newRig(t)
				r.opts.Verify, r.opts.Jobs = verify, jobs
				_, err := sequence.CherryPick(r.ctx, r.opts)
				se := stop(t, err, sequence.StopHeadMoved)
				assert.Equal(t, example.CarryDnsmasq, se.Step.Subject, "jobs=%d", jobs)
				assert.Contains(t, err.Error(), "fork:continue", "jobs=%d", jobs)
				notes, _ := r.gitErr("notes", "--ref=refs/notes/releasekit-verify", "list")
				assert.Empty(t, notes, "jobs=%d: no result is recorded for a tree the verify did not see", jobs)
				assert.Equal(t, r.orig, r.git("rev-parse", "refs/heads/release-4.15-azure"))
				if jobs > 1 {
					assert.Len(t, strings.Split(r.git("worktree", "list"), "\n"), 1, "the verify worktrees are gone")
				}
			}
		})
	}
}

// gitErr runs git in the work tree and returns its output and error, for a git that may fail.
func (r *rig) gitErr(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.work
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
