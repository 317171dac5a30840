package canary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/proc"
)

// tailLines is how much of a failed command's output a row keeps.
const tailLines = 20

// shell runs the engineer's verify or regenerate command in dir, the one place a user string
// goes to a shell, and returns the tail of its output.
func shell(ctx context.Context, dir, command string) (string, error) {
	var buf bytes.Buffer
	cmd := proc.Command(ctx, dir, nil, "sh", "-c", command)
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	proc.KillGroup(cmd)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%q exited with %d", command, ee.ExitCode())
		}
	}
	return tail(buf.String(), tailLines), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(string(bytes.ToValidUTF8([]byte(s), []byte("?"))), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
