package sequence

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/usercmd"
)

// watch follows the engineer's command for the step at idx while it runs: a heartbeat event
// every Options.Heartbeat, and with Options.Output, its output live, each line led by n/total.
func (e *Engine) watch(st *State, idx int, phase Phase) usercmd.Watch {
	n, total := st.Position(idx), st.Active()
	// A copy: beats come from the command's goroutine while the engine goes on with the state.
	step := st.Steps[idx]
	w := usercmd.Watch{Every: e.opts.Heartbeat, Beat: func(d time.Duration) {
		e.notify(Event{Kind: EventBeat, N: n, Total: total, Step: &step, Phase: phase, Elapsed: d})
	}}
	if e.opts.Output != nil {
		w.Stream, w.Prefix = lockedWriter{&e.mu, e.opts.Output}, fmt.Sprintf("[%d/%d] ", n, total)
	}
	return w
}

// lockedWriter keeps the live output of verifies running at once, and the events, whole lines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
