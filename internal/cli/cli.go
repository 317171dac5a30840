// Package cli is what every target shares at the edge: the exit statuses, an error that carries
// hints (the next commands), and the command line to put in those hints, spelled the way the
// user started the program (releasekit, mage or go tool mage).
package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
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
// status. mage reads the status through ExitStatus, so targets return it unwrapped.
type Error struct {
	Err   error
	Hints []string
	Code  int
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

// Usage is a target called wrongly: a bad argument, flag or setting (exit 1).
func Usage(err error, hints ...string) error { return with(err, ExitFailed, hints) }

func with(err error, code int, hints []string) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		if len(hints) == 0 {
			return ce
		}
		return &Error{Err: ce.Err, Hints: append(append([]string{}, ce.Hints...), hints...), Code: ce.Code}
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
// program the user started ("releasekit", "mage", "go tool mage -w DIR"), quoted for a shell.
func Cmd(target string, args ...string) string {
	parts := append([]string{Program()}, target)
	for _, a := range args {
		parts = append(parts, Quote(a))
	}
	return strings.Join(parts, " ")
}

// Quote quotes s for a POSIX shell when it needs it.
func Quote(s string) string {
	if s != "" && safeRE.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var safeRE = regexp.MustCompile(`^[-A-Za-z0-9_./:=@,+%^]+$`)

// Program is how the user started the toolkit, for hints. RELEASEKIT_PROG overrides it (a
// wrapper script sets it to its own name).
func Program() string { return program() }

var program = sync.OnceValue(func() string {
	if p := os.Getenv("RELEASEKIT_PROG"); p != "" {
		return p
	}
	return detect(os.Args[0], parentCmdline())
})

// magefileHashRE is the name mage gives a compiled magefile in its cache.
var magefileHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// detect tells a magefile run by mage (from mage's cache, with mage as parent) from a binary
// compiled with mage -compile, which is run by its own name.
func detect(arg0 string, parent []string) string {
	if !magefileHashRE.MatchString(filepath.Base(arg0)) {
		// A shell passes the name as typed; a program that resolved it on $PATH first passes
		// the full path. The name is what the user types when $PATH finds this very file.
		if filepath.IsAbs(arg0) {
			if p, err := exec.LookPath(filepath.Base(arg0)); err == nil && p == arg0 {
				return filepath.Base(arg0)
			}
		}
		return arg0
	}
	prog := "mage"
	if len(parent) > 0 && strings.Contains(filepath.ToSlash(parent[0]), "/go-build/") {
		prog = "go tool mage" // go tool runs mage from the build cache
	}
	// Keep -w DIR: without it the hint's command would act on the wrong directory.
	for i := 1; i+1 < len(parent); i++ {
		if parent[i] == "-w" {
			prog += " -w " + Quote(parent[i+1])
			break
		}
		if !strings.HasPrefix(parent[i], "-") {
			break
		}
	}
	return prog
}

func parentCmdline() []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", os.Getppid()))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}
