package sequence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/bitfield/script"

	"github.com/aro-releasekit/releasekit/internal/proc"
)

// runShell runs the engineer's verify or regenerate command, the one place a user string goes
// to a shell, with its output in logPath. heartbeat is called every beat while it runs.
func runShell(ctx context.Context, dir, command, logPath string, beat time.Duration, heartbeat func(time.Duration)) (tail string, err error) {
	f, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// Its own process group, so that cancelling stops the whole build, not just sh.
	cmd := proc.Command(ctx, dir, nil, "sh", "-c", command)
	// Straight into the log file: no pipe to copy through on every step.
	cmd.Stdout = f
	cmd.Stderr = f
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
			// A background job the command left would hold on to nothing we wait for, but it
			// would go on changing the work tree: end the group with the command.
			proc.KillGroup(cmd)
			return logTail(logPath, 20), err
		case <-tick:
			heartbeat(time.Since(start))
		}
	}
}

// logTail is the end of a verify or regenerate log, for the stop message.
func logTail(logPath string, n int) string {
	out, err := script.File(logPath).Last(n).String()
	if err != nil {
		return ""
	}
	return strings.TrimRight(string(bytes.ToValidUTF8([]byte(out), []byte("?"))), "\n")
}
