// Package gocmd is the one way the toolkit runs the go command: argument lists only, the user's
// environment (GOPROXY, GOPRIVATE, GONOPROXY, GOFLAGS...) plus what the caller adds, in a process
// group of its own, and bounded in time so that a module proxy that never answers cannot hang a
// run.
package gocmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/proc"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

// DefaultTimeout bounds one go command when the caller sets no bound. go mod vendor of a large
// module graph from a cold module cache takes minutes; a proxy that never answers takes forever.
const DefaultTimeout = 10 * time.Minute

// TimeoutSetting is the environment variable that changes the bound.
const TimeoutSetting = "RELEASEKIT_GO_TIMEOUT"

// ErrTimeout is a go command that did not finish within its bound.
var ErrTimeout = errors.New("go command timed out")

// Error is a go command that failed: the command, where it ran and what it said.
type Error struct {
	Args   []string
	Dir    string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if errors.Is(e.Err, ErrTimeout) {
		if msg != "" {
			return fmt.Sprintf("go %s: %v; it said: %s", strings.Join(e.Args, " "), e.Err, msg)
		}
		return fmt.Sprintf("go %s: %v", strings.Join(e.Args, " "), e.Err)
	}
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("go %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Runner runs the go command.
type Runner struct {
	// Env is added to the environment of every command.
	Env []string
	// Timeout bounds each command (0: DefaultTimeout; negative: no bound).
	Timeout time.Duration
}

// ParseTimeout reads a RELEASEKIT_GO_TIMEOUT value: a Go duration ("90s", "15m"); empty is
// the default.
func ParseTimeout(v string) (time.Duration, error) {
	if v == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a duration such as 90s or 15m", TimeoutSetting, v)
	}
	return d, nil
}

func (r Runner) timeout() time.Duration {
	if r.Timeout == 0 {
		return DefaultTimeout
	}
	return r.Timeout
}

// Run runs go args in dir with extraEnv added, and returns its standard output. Standard error
// is in the *Error when it fails.
func (r Runner) Run(ctx context.Context, dir string, extraEnv []string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	err := r.run(ctx, dir, extraEnv, &stdout, &stderr, args)
	if err != nil {
		return stdout.Bytes(), &Error{Args: args, Dir: dir, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// Combined runs go args in dir and returns its standard output and error interleaved, as a
// person at a terminal would see them.
func (r Runner) Combined(ctx context.Context, dir string, extraEnv []string, args ...string) (string, error) {
	var b bytes.Buffer
	err := r.run(ctx, dir, extraEnv, &b, &b, args)
	if err != nil {
		return b.String(), &Error{Args: args, Dir: dir, Stderr: b.String(), Err: err}
	}
	return b.String(), nil
}

func (r Runner) run(ctx context.Context, dir string, extraEnv []string, stdout, stderr io.Writer, args []string) error {
	env := append(append([]string{}, r.Env...), extraEnv...)
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if t := r.timeout(); t > 0 {
		runCtx, cancel = context.WithTimeout(ctx, t)
	}
	defer cancel()
	cmd := proc.Command(runCtx, dir, env, "go", args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if runCtx.Err() != nil {
		return fmt.Errorf("%w: no answer within %s from the module proxy %s; set %s to wait longer (for example %s=30m)",
			ErrTimeout, r.timeout(), Proxy(env), TimeoutSetting, TimeoutSetting)
	}
	return err
}

// Proxy is the GOPROXY the go command uses with env over the process environment, passwords
// and signatures removed, for messages.
func Proxy(env []string) string {
	v, ok := "", false
	for _, kv := range append(os.Environ(), env...) {
		if k, val, _ := strings.Cut(kv, "="); k == "GOPROXY" {
			v, ok = val, true
		}
	}
	if !ok || v == "" {
		v = "https://proxy.golang.org,direct"
	}
	var parts []string
	rest := v
	for rest != "" {
		i := strings.IndexAny(rest, ",|")
		if i < 0 {
			parts = append(parts, redact.URL(rest))
			break
		}
		parts = append(parts, redact.URL(rest[:i])+rest[i:i+1])
		rest = rest[i+1:]
	}
	return "GOPROXY=" + strings.Join(parts, "")
}

// Listed is what go list -m -json says about one module version.
type Listed struct {
	Path    string
	Version string
	Query   string
	Time    *time.Time
	GoMod   string
	Error   *struct{ Err string }
}

// List runs go list -mod=mod -m -json -e for module queries (path@query) in dir and returns
// one answer per query, in order.
func (r Runner) List(ctx context.Context, dir string, queries ...string) ([]Listed, error) {
	args := append([]string{"list", "-mod=mod", "-m", "-json", "-e"}, queries...)
	out, err := r.Run(ctx, dir, []string{"GOWORK=off"}, args...)
	var res []Listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l Listed
		if derr := dec.Decode(&l); errors.Is(derr, io.EOF) {
			break
		} else if derr != nil {
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("cannot read go list output: %w", derr)
		}
		res = append(res, l)
	}
	if len(res) != len(queries) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("go list answered %d of %d module queries", len(res), len(queries))
	}
	return res, nil
}
