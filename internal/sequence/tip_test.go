package sequence_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/branch"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// fails is a verify that fails on the commits with these subjects and passes elsewhere.
func fails(subjects ...string) string {
	var tests []string
	for _, s := range subjects {
		tests = append(tests, fmt.Sprintf(`test "$(git log -1 --format=%%s)" != '%s'`, s))
	}
	return strings.Join(tests, " && ")
}

// The Go bump fork:branch commits is verified before the port, as a patch is: a failure
// refuses the start (nothing changes), serial or parallel, and the result is in the notes.
func TestGoBumpFailureRefusesThePort(t *testing.T) {
	for _, jobs := range []int{1, 3} {
		r := newRig(t)
		r.opts.Jobs, r.opts.Verify = jobs, fails(branch.BumpSubject)
		where := func() string {
			return r.git("symbolic-ref", "HEAD") + r.git("rev-parse", "HEAD", "refs/heads/release-4.15-azure") + r.git("status", "--porcelain")
		}
		before := where()
		_, err := sequence.CherryPick(r.ctx, r.opts)
		require.Error(t, err)
		var te *sequence.TipVerifyError
		require.ErrorAs(t, err, &te, "jobs=%d: %v", jobs, err)
		assert.Equal(t, cli.ExitFailed, cli.Code(err))
		assert.Equal(t, branch.BumpSubject, te.Subject)
		assert.Contains(t, err.Error(), "release-4.15-azure fails the verify before any patch is ported")
		assert.Contains(t, err.Error(), "hint: full log: "+te.Log)
		assert.FileExists(t, te.Log)
		notes := r.git("notes", "--ref=refs/notes/releasekit-verify", "show", r.git("rev-parse", "HEAD^{tree}"))
		assert.Contains(t, notes, `"result":"fail"`)
		w, err := sequence.Where(r.ctx, r.opts)
		require.NoError(t, err)
		assert.Equal(t, sequence.Idle, w.Outcome, "no sequence was started")
		assert.Equal(t, before, where(), "nothing changed but the notes")
	}
}

// A pass is recorded and reused: the next port does not run it again. When upstream fails the
// verify as well, the bump is not to blame and the port goes on.
func TestGoBumpPassIsCachedAndUpstreamFailureIsNotTheBumps(t *testing.T) {
	r := newRig(t)
	counter := filepath.Join(t.TempDir(), "runs")
	r.opts.Verify = `if [ "$(git log -1 --format=%s)" = '` + branch.BumpSubject + `' ]; then echo run >> ` + counter + `; fi`
	var notes []string
	r.opts.Notify = func(ev sequence.Event) {
		if ev.Kind == sequence.EventNote {
			notes = append(notes, ev.Msg)
		}
	}
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	st, err := sequence.Where(r.ctx, r.opts)
	require.NoError(t, err)
	require.NotNil(t, st.State.Tip)
	assert.Equal(t, sequence.VerifyPassed, st.State.Tip.State)
	_, err = sequence.Abort(r.ctx, r.opts)
	require.NoError(t, err)
	_, err = sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	b, _ := os.ReadFile(counter)
	assert.Equal(t, 1, strings.Count(string(b), "run\n"), "the second port reuses the recorded pass")
	assert.Regexp(t, `verify of release-4.15-azure before the port \([0-9a-f]{7} `+branch.BumpSubject+`\): passed on .* \(cached\)`, strings.Join(notes, "\n"))
	_, err = sequence.Abort(r.ctx, r.opts)
	require.NoError(t, err)

	upstream := r.git("log", "-1", "--format=%s", "upstream/release-4.15")
	r.opts.Verify = fails(branch.BumpSubject, upstream)
	_, err = sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	st, err = sequence.Where(r.ctx, r.opts)
	require.NoError(t, err)
	assert.Equal(t, sequence.VerifyFailed, st.State.Tip.State)
	assert.Contains(t, st.State.Tip.Label, "fails this verify too")
	assert.Contains(t, sequence.Report(st.State), "**release-4.15-azure before the port**")
}
