package canary

import (
	"context"

	"github.com/aro-releasekit/releasekit/internal/usercmd"
)

// shell runs the engineer's verify or regenerate command in dir (see usercmd) and returns the
// tail of its output, secrets scrubbed.
func shell(ctx context.Context, dir, command string) (string, error) {
	res, err := usercmd.Run(ctx, usercmd.Options{Dir: dir, Command: command})
	return res.Tail, err
}
