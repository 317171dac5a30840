// Package git reads repositories with go-git and changes them with the git CLI.
//
// go-git v5 has no cherry-pick, rebase or three-way merge, and a repository open in go-git
// does not see objects that the CLI has since repacked; so every write goes through Runner,
// and Repo.Reopen must follow a write before the next read.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Runner runs the git CLI in one directory. It is the only place the toolkit starts git, and it
// takes argument lists only: no shell ever sees a ref, a path or a commit subject.
type Runner struct {
	// Dir is the directory git runs in.
	Dir string
	// Env is added to the process environment (KEY=VALUE).
	Env []string
}

// CommandError is a git command that failed: the command, where it ran, its exit code and stderr.
type CommandError struct {
	Args     []string
	Dir      string
	ExitCode int
	Stderr   string
	Err      error
}

func (e *CommandError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("git %s (in %s): %s", strings.Join(e.Args, " "), e.Dir, msg)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Exec describes one git invocation beyond its arguments.
type Exec struct {
	Stdin io.Reader
	// Stdout and Stderr, when set, receive the streams as they come (progress of a long fetch);
	// the returned error still carries stderr.
	Stdout, Stderr io.Writer
	Env            []string
}

// Output runs git and returns its stdout.
func (r Runner) Output(ctx context.Context, args ...string) ([]byte, error) {
	var out bytes.Buffer
	err := r.Exec(ctx, Exec{Stdout: &out}, args...)
	return out.Bytes(), err
}

// Run runs git and returns its stdout without the trailing newline.
func (r Runner) Run(ctx context.Context, args ...string) (string, error) {
	out, err := r.Output(ctx, args...)
	return strings.TrimRight(string(out), "\n"), err
}

// Exec runs git with the given streams. A cancelled context sends git an interrupt first, so
// that git removes its lock files, and kills it if it has not exited a few seconds later.
func (r Runner) Exec(ctx context.Context, x Exec, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir
	cmd.Env = append(append(os.Environ(), r.Env...), x.Env...)
	cmd.Stdin = x.Stdin
	cmd.Stdout = x.Stdout
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if x.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, x.Stderr)
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	ce := &CommandError{Args: args, Dir: r.Dir, ExitCode: -1, Stderr: stderr.String(), Err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ce.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		ce.Err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return ce
}

// ExitCode is the exit code of a failed git command, or -1 when err is not one.
func ExitCode(err error) int {
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.ExitCode
	}
	return -1
}
