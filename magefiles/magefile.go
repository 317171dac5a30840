//go:build mage

// releasekit: the ARO new-release runbook as targets; each acts on the repository in the current directory.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Exit codes. A stopped sequence ("your turn") differs from a failure.
const (
	exitFailed  = 1
	exitStopped = 2
)

// userError is what a target returns: the message, then hint lines, and an exit status that
// mage reads by type assertion (so it is returned unwrapped).
type userError struct {
	msg   string
	hints []string
	code  int
}

func (e *userError) Error() string {
	var b strings.Builder
	b.WriteString(e.msg)
	for _, h := range e.hints {
		b.WriteString("\nhint: ")
		b.WriteString(h)
	}
	return b.String()
}

func (e *userError) ExitStatus() int { return e.code }

// fail turns an error into a target's error with hints; nil stays nil.
func fail(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	return &userError{msg: err.Error(), hints: hints, code: exitFailed}
}

// stopped is a stop that waits for the user: exit status 2.
func stopped(msg string, hints ...string) error {
	return &userError{msg: msg, hints: hints, code: exitStopped}
}

// envOr reads a RELEASEKIT_* setting. An empty value counts as set only where allowEmpty says
// so (the verify command: empty means no verify).
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func flagOr(p *string, env, def string) string {
	if p != nil {
		return *p
	}
	if v, ok := os.LookupEnv(env); ok {
		return v
	}
	return def
}

func isSet(p *bool) bool { return p != nil && *p }

// out is where results go (stdout); logs and progress go to stderr.
var (
	out  io.Writer = os.Stdout
	logw io.Writer = os.Stderr
)

func logf(format string, args ...any) {
	fmt.Fprintf(logw, format+"\n", args...)
}

func printJSON(v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// workdir is the repository a target changes: the current directory.
func workdir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fail(fmt.Errorf("cannot read the current directory: %w", err))
	}
	return wd, nil
}

// since formats an elapsed time for progress lines.
func since(t time.Time) string {
	return time.Since(t).Round(100 * time.Millisecond).String()
}
