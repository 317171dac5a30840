// Package cli is the edge every target shares: the command table (parsing, help, usage errors,
// completion, dispatch), the exit statuses, an error that carries hints (the next commands), and
// the command line to put in those hints, spelled the way the user started the program
// (releasekit, or go tool mage).
package cli

import (
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/aro-releasekit/releasekit/internal/settings"
)

// Exit statuses, the same for every target (README, "Exit status").
const (
	ExitOK = 0
	// ExitFailed: the target failed, or was called wrongly (a usage error).
	ExitFailed = 1
	// ExitStopped: a sequence stopped and waits for a person (a conflict, a failed verify).
	ExitStopped = 2
)

// Error is a target's error: the cause, the hint lines that say what to do next, and the exit
// status.
type Error struct {
	Err   error
	Hints []string
	Code  int
	// usage marks a command called wrongly: the dispatcher shows the command's usage after it.
	usage bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	for _, h := range e.Hints {
		b.WriteString("\nhint: ")
		b.WriteString(h)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ExitStatus is the process exit status mage uses.
func (e *Error) ExitStatus() int { return e.Code }

// Fail is a failure (exit 1) with hints. nil stays nil; an error that already is an *Error
// keeps its status and gains the hints.
func Fail(err error, hints ...string) error { return with(err, ExitFailed, hints) }

// Stop is a stop that waits for the user (exit 2).
func Stop(err error, hints ...string) error { return with(err, ExitStopped, hints) }

// Usage is a target called wrongly: a bad argument, flag or setting (exit 1). The dispatcher
// shows the target's usage after it.
func Usage(err error, hints ...string) error {
	e := with(err, ExitFailed, hints)
	if ce, ok := e.(*Error); ok && ce.Code == ExitFailed {
		ce = &Error{Err: ce.Err, Hints: ce.Hints, Code: ce.Code, usage: true}
		return ce
	}
	return e
}

// IsUsage reports whether err is a usage error (Usage).
func IsUsage(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && ce.usage
}

func with(err error, code int, hints []string) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		if len(hints) == 0 {
			return ce
		}
		return &Error{Err: ce.Err, Hints: append(append([]string{}, ce.Hints...), hints...), Code: ce.Code, usage: ce.usage}
	}
	return &Error{Err: err, Hints: hints, Code: code}
}

// Code is the exit status for err: 0 for nil, the *Error's own, else 1.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ExitFailed
}

// Cmd is the command line that runs target with args, as the user would type it now: with the
// program the user started ("releasekit", "go tool mage"), quoted for a shell.
func Cmd(target string, args ...string) string {
	parts := append([]string{Program()}, target)
	for _, a := range args {
		parts = append(parts, Quote(a))
	}
	return strings.Join(parts, " ")
}

// Quote quotes s for a POSIX shell when it needs it.
func Quote(s string) string {
	if s != "" && safeRE().MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var safeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[-A-Za-z0-9_./:=@,+%^]+$`) })

// Program is how the user started the toolkit, for hints: the name the command table was
// entered with (SetProgram: "releasekit" for the binary, "go tool mage" for the mage door).
// RELEASEKIT_PROG overrides it (a wrapper script sets it to its own name).
func Program() string {
	if p, _ := settings.Prog.Get(); p != "" {
		return p
	}
	return program
}

var program = "releasekit"

// SetProgram records the name the command table was entered with.
func SetProgram(name string) { program = name }
