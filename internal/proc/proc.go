// Package proc starts the programs the toolkit runs (git, go, the verify and regenerate
// commands) so that a cancelled run leaves nothing behind: each runs in a process group of its
// own, and cancelling the context interrupts the whole group, then kills it if it has not
// exited within the grace period.
package proc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Grace is how long a cancelled group has to exit after the interrupt before it is killed.
const Grace = 5 * time.Second

// Command is exec.CommandContext for a program that must not outlive the run: it gets its own
// process group, and cancelling ctx signals the group (SIGINT, then SIGKILL after Grace). The
// environment is the process environment plus env.
func Command(ctx context.Context, dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pid := cmd.Process.Pid
		err := syscall.Kill(-pid, syscall.SIGINT)
		// A program that ignores the interrupt (or whose children do) is killed, group and all.
		go func() {
			time.Sleep(Grace)
			syscall.Kill(-pid, syscall.SIGKILL)
		}()
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = Grace + time.Second
	return cmd
}

// KillGroup kills what is left of a finished command's group: children that a shell started in
// the background and that would otherwise hold its output open.
func KillGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Alive reports whether a process with that id exists: one of another user's counts (the
// signal is refused, not undeliverable). What a run's leftovers are named by (a canary's or a
// verify's worktree, a test binary's temporary directory) is gone only when its process is.
func Alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
