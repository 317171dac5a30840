package gomod

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// GoError is a go command that failed: the command, where it ran and what it said.
type GoError struct {
	Args   []string
	Dir    string
	Stderr string
	Err    error
}

func (e *GoError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("go %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *GoError) Unwrap() error { return e.Err }

// goCmd runs the go command with the user's environment (GOPROXY, GOPRIVATE, GONOPROXY,
// GOFLAGS...) plus env, argument lists only.
type goCmd struct {
	env []string
}

func (g goCmd) run(ctx context.Context, dir string, extraEnv []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), g.env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return stdout.Bytes(), &GoError{Args: args, Dir: dir, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// listed is what go list -m -json says about one module version.
type listed struct {
	Path    string
	Version string
	Query   string
	Time    *time.Time
	GoMod   string
	Error   *struct{ Err string }
}

// queryDir is an empty directory to ask go about module versions from: outside any module, so
// that neither the wrapper's replaces nor a go.work change the answer.
func queryDir() (string, func(), error) {
	d, err := os.MkdirTemp("", "releasekit-gomod-")
	if err != nil {
		return "", nil, fmt.Errorf("cannot make a scratch directory: %w", err)
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// list runs go list -mod=mod -m -json -e for module queries (path@query) and returns one
// answer per query, in order.
func (g goCmd) list(ctx context.Context, dir string, queries ...string) ([]listed, error) {
	args := append([]string{"list", "-mod=mod", "-m", "-json", "-e"}, queries...)
	out, err := g.run(ctx, dir, []string{"GOWORK=off"}, args...)
	var res []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
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

// transient are the messages of failures worth another try: the network, not the request.
var transient = []string{
	"connection reset", "connection refused", "i/o timeout", "TLS handshake timeout",
	"temporary failure", "unexpected EOF", "no such host",
	"429 Too Many Requests", "500 Internal Server Error", "502 Bad Gateway",
	"503 Service Unavailable", "504 Gateway Timeout", "server misbehaving",
}

func isTransient(msg string) bool {
	for _, t := range transient {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// notFound says go found no such revision: a branch or tag that does not exist.
func notFound(msg string) bool {
	for _, s := range []string{"unknown revision", "invalid version", "not found", "no matching versions", "410 Gone", "404 Not Found"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
