package sequence_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// syncBuffer is an Output the engine may write to from several verifies at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Each verify says where its log is when it starts, beats while it runs, and -v shows its
// output live; every line carries its n/total, and a patch's lines come in order: start, beats,
// result. Serial and parallel alike.
func TestProgressOfLongVerifies(t *testing.T) {
	for _, jobs := range []int{1, 3} {
		t.Run(fmt.Sprint("jobs=", jobs), func(t *testing.T) {
			r := newRig(t)
			r.opts.Jobs, r.opts.Heartbeat = jobs, 5*time.Millisecond
			r.opts.Verify = "echo checking $(git rev-parse --short HEAD); sleep 0.2; echo https://bot:t0ken@example.com"
			out := &syncBuffer{}
			r.opts.Output = out
			type line struct {
				kind sequence.EventKind
				n    int
				log  string
				msg  string
			}
			var mu sync.Mutex
			var lines []line
			r.opts.Notify = func(ev sequence.Event) {
				mu.Lock()
				defer mu.Unlock()
				if ev.Phase == sequence.PhaseVerify {
					lines = append(lines, line{ev.Kind, ev.N, ev.Log, ev.Msg})
				}
			}
			_, err := sequence.CherryPick(r.ctx, r.opts)
			stop(t, err, sequence.StopConflict)
			r.resolve()
			res, err := sequence.Continue(r.ctx, r.opts)
			r.finished(res, err)

			mu.Lock()
			defer mu.Unlock()
			total := res.State.Active()
			verified := 0
			for i, step := range res.State.Steps {
				if step.Verify == nil {
					continue // empty: nothing to verify
				}
				verified++
				n := res.State.Position(i)
				var seq []string
				for _, l := range lines {
					if l.n != n {
						continue
					}
					switch {
					case l.kind == sequence.EventBeat:
						seq = append(seq, "beat")
					case l.log != "":
						assert.FileExists(t, l.log)
						assert.Contains(t, l.msg, "log: "+l.log)
						seq = append(seq, "start")
					case l.kind == sequence.EventStep:
						seq = append(seq, "result")
					}
				}
				s := strings.Join(seq, " ")
				// The serial run's result is the EventDone of the step, which follows the verify.
				want := `^start( beat)+`
				if jobs > 1 {
					want += ` result$`
				} else {
					want += `$`
				}
				assert.Regexp(t, want, s, "patch %d", n)
			}
			assert.GreaterOrEqual(t, verified, total-1)
			o := out.String()
			for i, step := range res.State.Steps {
				if step.Verify == nil {
					continue
				}
				n := res.State.Position(i)
				assert.Regexp(t, regexp.MustCompile(fmt.Sprintf(`(?m)^\[%d/%d\] checking [0-9a-f]{7}$`, n, total)), o)
			}
			assert.NotContains(t, o, "t0ken", "the live output is scrubbed too")
			require.Contains(t, o, fmt.Sprintf("[%d/%d] https://REDACTED@example.com\n", total, total))
		})
	}
}

// The stop at a failed verify shows the end of its log with secrets scrubbed, whether the
// verify ran in the work tree or in a worktree.
func TestVerifyStopHidesSecrets(t *testing.T) {
	for _, jobs := range []int{1, 3} {
		r := newRig(t)
		r.opts.Jobs = jobs
		r.opts.Verify = "echo fetch https://bot:t0ken@example.com/x?sig=s1gnature; exit 1"
		_, err := sequence.CherryPick(r.ctx, r.opts)
		se := stop(t, err, sequence.StopVerify)
		assert.Contains(t, se.Tail, "https://REDACTED@example.com/x?sig=REDACTED", "jobs=%d", jobs)
		assert.NotContains(t, err.Error(), "t0ken", "jobs=%d", jobs)
		assert.NotContains(t, err.Error(), "s1gnature", "jobs=%d", jobs)
	}
}
