// Package usercmd runs the engineer's own commands (verify, regenerate, generate), the one
// place a user string goes to a shell: the output goes to a log, the tail it returns is
// scrubbed of secrets, and a running command reports a heartbeat and, asked to, streams its
// output as it comes.
package usercmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/proc"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

// TailLines is how much of a command's output a stop message or a note keeps.
const TailLines = 20

// Options say what to run and how to follow it.
type Options struct {
	// Dir is where the command runs; Env is added to the process environment.
	Dir string
	Env []string
	// Command is given to sh -c.
	Command string
	// Log receives the whole output (stdout and stderr); empty keeps it in memory for the tail.
	Log string
	Watch
}

// Watch is how a running command is followed.
type Watch struct {
	// Every is the heartbeat interval: Beat is called with the time elapsed every Every while
	// the command runs (0 or a nil Beat: no heartbeat).
	Every time.Duration
	Beat  func(elapsed time.Duration)
	// Stream, when set, receives the output live too, a whole line at a time, each line
	// scrubbed of secrets and led by Prefix.
	Stream io.Writer
	Prefix string
}

// Result is how a command ended.
type Result struct {
	// Tail is the end of the output, TailLines lines, scrubbed of secrets.
	Tail    string
	Elapsed time.Duration
}

// ExitError is a command that ran and exited non-zero: a failure of the command, not of the
// toolkit.
type ExitError struct {
	Command string
	Code    int
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%q exited with %d", redact.Text(e.Command), e.Code)
}

// Run runs o.Command with sh in o.Dir, in a process group of its own that a cancelled ctx
// interrupts, then kills; background children it leaves are killed when it exits. The error is
// an *ExitError for a command that failed, ctx.Err() for a cancelled one, or why it could not
// run.
func Run(ctx context.Context, o Options) (Result, error) {
	var out io.Writer
	var mem *bytes.Buffer
	if o.Log != "" {
		f, err := os.Create(o.Log)
		if err != nil {
			return Result{}, fmt.Errorf("create the log of %q: %w", redact.Text(o.Command), err)
		}
		defer f.Close()
		out = f
	} else {
		mem = new(bytes.Buffer)
		out = mem
	}
	var lw *lineWriter
	if o.Stream != nil {
		lw = &lineWriter{w: o.Stream, prefix: o.Prefix}
		out = io.MultiWriter(out, lw)
	}
	cmd := proc.Command(ctx, o.Dir, o.Env, "sh", "-c", o.Command)
	if lw == nil && mem == nil {
		// Straight into the log file: no pipe to copy through.
		cmd.Stdout, cmd.Stderr = out, out
	} else {
		sw := &syncWriter{w: out}
		cmd.Stdout, cmd.Stderr = sw, sw
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("run %q: %w", redact.Text(o.Command), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var tick <-chan time.Time
	if o.Every > 0 && o.Beat != nil {
		t := time.NewTicker(o.Every)
		defer t.Stop()
		tick = t.C
	}
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick:
			o.Beat(time.Since(start))
		}
	}
	// A background job the command left would go on changing the tree: end the group with it.
	proc.KillGroup(cmd)
	if lw != nil {
		lw.flush()
	}
	res := Result{Elapsed: time.Since(start)}
	if mem != nil {
		res.Tail = tailOf(mem.String(), TailLines)
	} else {
		res.Tail = Tail(o.Log, TailLines)
	}
	if err != nil {
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case errors.As(err, &ee):
			err = &ExitError{Command: o.Command, Code: ee.ExitCode()}
		default:
			err = fmt.Errorf("run %q: %w", redact.Text(o.Command), err)
		}
	}
	return res, err
}

// Tail is the last n lines of a log, scrubbed of secrets, for a stop message or a note.
func Tail(logPath string, n int) string {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return ""
	}
	return tailOf(string(b), n)
}

func tailOf(s string, n int) string {
	s = strings.TrimRight(string(bytes.ToValidUTF8([]byte(s), []byte("?"))), "\n")
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return redact.Text(strings.Join(lines, "\n"))
}

// syncWriter lets stdout and stderr share writers that are not safe for concurrent use.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// lineWriter passes whole lines on, prefixed and scrubbed; a line that never ends is passed on
// by flush. A failing stream is dropped, never the command.
type lineWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
	broken bool
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}

func (l *lineWriter) emit(line string) {
	if l.broken {
		return
	}
	line = redact.Text(string(bytes.ToValidUTF8([]byte(line), []byte("?"))))
	if _, err := io.WriteString(l.w, l.prefix+line+"\n"); err != nil {
		l.broken = true
	}
}
