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
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aro-releasekit/releasekit/internal/proc"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

// Runner runs the git CLI in one directory. It is the only place the toolkit starts git, and it
// takes argument lists only: no shell ever sees a ref, a path or a commit subject.
type Runner struct {
	// Dir is the directory git runs in.
	Dir string
	// Env is added to the process environment (KEY=VALUE). Git configuration goes in through
	// ConfigEnv (see Repo.EnableRerere).
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
	msg := strings.TrimSpace(withoutProgress(e.Stderr))
	if msg == "" {
		msg = e.Err.Error()
	}
	// A URL with user:token may be in the arguments (remote add) or in git's stderr.
	return redact.Text(fmt.Sprintf("git %s (in %s): %s", strings.Join(e.Args, " "), e.Dir, msg))
}

func (e *CommandError) Unwrap() error { return e.Err }

// progressRE is a line of git's progress meter ("Performing inexact rename detection:  15%
// (1/7)", "... 100% (7/7), done.").
var progressRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z][A-Za-z '-]*: +[0-9]+% \([0-9]+/[0-9]+\)(, [0-9.]+ [KMG]?i?B(/s)?)?(, done\.)?$`)
})

// withoutProgress is git's stderr without its progress meter, which git writes (one \r-ended
// update after another) even when stderr is not a terminal for some commands: it is not part
// of an error.
func withoutProgress(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		var kept []string
		for _, seg := range strings.Split(line, "\r") {
			if !progressRE().MatchString(strings.TrimSpace(seg)) && strings.TrimSpace(seg) != "" {
				kept = append(kept, seg)
			}
		}
		if len(kept) > 0 || strings.TrimSpace(line) == "" {
			out = append(out, strings.Join(kept, ""))
		}
	}
	return strings.Join(out, "\n")
}

// Exec describes one git invocation beyond its arguments.
type Exec struct {
	Stdin io.Reader
	// Stdout and Stderr, when set, receive the streams as they come (progress of a long fetch);
	// the returned error still carries stderr.
	Stdout, Stderr io.Writer
	Env            []string
	// Config is git configuration for this command (key, value pairs), added through ConfigEnv
	// after what the process, the Runner's Env and Env already set.
	Config []string
	// Terminal lets git prompt at the user's terminal (credentials for a fetch, an ssh
	// passphrase: git and ssh open /dev/tty for them) when there is one. git then stays in the
	// toolkit's process group, which the terminal keeps in the foreground, so that a prompt is
	// not stopped by SIGTTIN and a Ctrl-C at the terminal reaches git directly, as for a git
	// started by hand; a cancelled context interrupts git itself. Everything else runs in a
	// process group of its own (proc.Command), which cancelling interrupts as a whole.
	Terminal bool
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

// Exec runs git with the given streams, in a process group of its own (proc.Command). A
// cancelled context interrupts git first, so that it removes its lock files, and kills the
// group if it has not exited a few seconds later: no git fetch outlives a cancelled run.
func (r Runner) Exec(ctx context.Context, x Exec, args ...string) error {
	cmd := r.command(ctx, x, args...)
	cmd.Stdin = x.Stdin
	if x.Terminal && hasTerminal() {
		cmd.SysProcAttr = nil
		cmd.Cancel = func() error {
			err := cmd.Process.Signal(os.Interrupt)
			go func() {
				time.Sleep(proc.Grace)
				cmd.Process.Signal(syscall.SIGKILL)
			}()
			return err
		}
	}
	cmd.Stdout = x.Stdout
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if x.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, x.Stderr)
	}
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

// command is the git process Exec starts, before its streams are set: the Runner's directory
// and environment, x's environment and configuration, English, a process group of its own.
func (r Runner) command(ctx context.Context, x Exec, args ...string) *exec.Cmd {
	env := append(append([]string{}, r.Env...), x.Env...)
	if len(x.Config) > 0 {
		env = ConfigEnv(env, x.Config...)
	}
	cmd := proc.Command(ctx, r.Dir, env, "git", args...)
	cmd.Env = english(cmd.Env)
	return cmd
}

// ExitCode is the exit code of a failed git command, or -1 when err is not one.
func ExitCode(err error) int {
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.ExitCode
	}
	return -1
}

// hasTerminal reports whether the process has a controlling terminal that git could prompt on.
func hasTerminal() bool {
	f, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// english makes git speak the English that the toolkit parses (rerere's "Resolved 'x' using
// previous resolution.", "CONFLICT (content)", ...): LC_ALL=C, and no LANGUAGE, which gettext
// reads before the locale. Commit messages and paths are bytes to git and pass unchanged.
func english(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "LANGUAGE=") || strings.HasPrefix(kv, "LC_ALL=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL=C")
}
