package sequence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// runShell runs the engineer's verify or regenerate command, the one place a user string goes
// to a shell, with its output in logPath. heartbeat is called every beat while it runs.
func runShell(ctx context.Context, dir, command, logPath string, beat time.Duration, heartbeat func(time.Duration)) (tail string, err error) {
	f, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	// Straight into the log file: no pipe to copy through on every step.
	cmd.Stdout = f
	cmd.Stderr = f
	// Its own process group, so that cancelling stops the whole build, not just sh.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var tick <-chan time.Time
	if beat > 0 && heartbeat != nil {
		t := time.NewTicker(beat)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err = <-done:
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					err = fmt.Errorf("%q exited with %d", command, ee.ExitCode())
				}
				if ctx.Err() != nil {
					err = ctx.Err()
				}
			}
			return lastLines(tailOf(f), 20), err
		case <-tick:
			heartbeat(time.Since(start))
		}
	}
}

// tailOf reads the last 64 KiB of the log.
func tailOf(f *os.File) string {
	const max = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max64(0, st.Size()-max)
	b := make([]byte, st.Size()-off)
	n, _ := f.ReadAt(b, off)
	return string(bytes.ToValidUTF8(b[:n], []byte("?")))
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
