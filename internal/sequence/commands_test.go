package sequence_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// A misconfigured regenerate command is fixed by giving fork:continue the right one; the state
// and the report keep the change.
func TestContinueWithANewRegen(t *testing.T) {
	r := newRig(t)
	r.opts.Regen = "exit 7"
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	_, err = sequence.Continue(r.ctx, r.opts)
	se := stop(t, err, sequence.StopRegen)
	assert.Equal(t, example.CarryAssets, se.Step.Subject)

	// The same command again stops again.
	_, err = sequence.Continue(r.ctx, r.opts)
	stop(t, err, sequence.StopRegen)

	regen := "printf 'package data // regenerated\\n' > data/assets_vfsdata.go"
	r.opts.NewRegen = &regen
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
	require.Len(t, res.State.Changes, 1)
	c := res.State.Changes[0]
	assert.Equal(t, "regenerate", c.What)
	assert.Equal(t, "exit 7", c.From)
	assert.Equal(t, regen, c.To)
	assert.Equal(t, 6, c.At)
	assert.Equal(t, regen, res.State.Regen)
	assert.Equal(t, "package data // regenerated", r.git("show", "HEAD~1:data/assets_vfsdata.go"))
	report, err := os.ReadFile(res.Report)
	require.NoError(t, err)
	assert.Contains(t, string(report), "The regenerate command was changed at patch 6, from `exit 7` to `"+regen+"`.")
}

// A new verify command for fork:continue, serial and parallel: after a failed verify, after a
// verify that moved HEAD in its worktree, and none at all ("").
func TestContinueWithANewVerify(t *testing.T) {
	// Each case counts its runs in a file of its own: the cases run in parallel (newRig).
	good, none := "echo run >> $RUNS", ""
	for name, c := range map[string]struct {
		jobs       int
		verify     string
		reason     sequence.StopReason
		newVerify  *string
		wantVerify string
		wantRuns   bool
	}{
		"serial failed":       {1, "exit 1", sequence.StopVerify, &good, good, true},
		"parallel failed":     {3, "exit 1", sequence.StopVerify, &good, good, true},
		"parallel moved HEAD": {3, "[ -e pkg/asset/ignition/machine/dnsmasq.go ] || exit 0; git reset -q --hard HEAD~1", sequence.StopHeadMoved, &good, good, true},
		"serial, verify off":  {1, "exit 1", sequence.StopVerify, &none, "", false},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			counter := filepath.Join(t.TempDir(), "runs")
			newVerify, wantVerify := c.newVerify, c.wantVerify
			if newVerify != nil && *newVerify == good {
				v := strings.ReplaceAll(good, "$RUNS", counter)
				newVerify, wantVerify = &v, v
			}
			r.opts.Jobs, r.opts.Verify = c.jobs, c.verify
			_, err := sequence.CherryPick(r.ctx, r.opts)
			se := stop(t, err, c.reason)
			assert.Equal(t, example.CarryDnsmasq, se.Step.Subject)
			r.opts.NewVerify = newVerify
			_, err = sequence.Continue(r.ctx, r.opts)
			stop(t, err, sequence.StopConflict)
			r.resolve()
			r.opts.NewVerify = nil
			res, err := sequence.Continue(r.ctx, r.opts)
			r.finished(res, err)
			assert.Equal(t, wantVerify, res.State.Verify)
			require.Len(t, res.State.Changes, 1)
			assert.Equal(t, sequence.CommandChange{What: "verify", From: c.verify, To: wantVerify, At: 1, Time: res.State.Changes[0].Time}, res.State.Changes[0])
			b, _ := os.ReadFile(counter)
			runs := strings.Count(string(b), "run\n")
			if c.wantRuns {
				// Every patch that is not empty (one is) with the new command; the baseline's
				// result was for the old one: a parallel run verifies it again, a serial run
				// only when a patch fails.
				assert.GreaterOrEqual(t, runs, res.State.Active()-1)
				if c.jobs > 1 {
					assert.Equal(t, sequence.VerifyPassed, res.State.Baseline.State)
				} else {
					assert.Empty(t, res.State.Baseline.State)
				}
			} else {
				assert.Zero(t, runs)
			}
		})
	}
}
