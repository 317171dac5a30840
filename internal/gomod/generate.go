package gomod

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/usercmd"
)

// GenerateError is the repository's generate step failing after the vendor step succeeded.
type GenerateError struct {
	Cmd  string
	Log  string
	Tail string
	Err  error
}

func (e *GenerateError) Error() string {
	return fmt.Sprintf("the generate step %q failed: %v\n%s", e.Cmd, e.Err, e.Tail)
}

func (e *GenerateError) Unwrap() error { return e.Err }

var makeGenerateRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^generate\s*:`) })

// generateCmd is the generate step: GenerateCmd (or RELEASEKIT_GENERATE), else "make
// generate" when the Makefile has that target. It is settled before anything changes.
func generateCmd(opts *Options) (string, error) {
	if opts.GenerateCmd != "" {
		return opts.GenerateCmd, nil
	}
	mk, err := os.ReadFile(filepath.Join(opts.Dir, "Makefile"))
	if err != nil || !makeGenerateRE().Match(mk) {
		return "", cli.Usage(errors.New("-generate: no generate step: the Makefile has no generate target"),
			"name the step: "+GenerateSetting+"='make generate' (or another command)", untouched)
	}
	return "make generate", nil
}

// generate runs the generate step in opts.Dir, its output into a log file in the git dir, and
// returns the command it ran.
func generate(ctx context.Context, opts *Options) (string, error) {
	cmdline := opts.GenerateCmd
	opts.progress("generate: %s", cmdline)
	log := stateDir(ctx, opts.Dir).WrapperGenerateLog()
	if err := os.MkdirAll(filepath.Dir(log), 0o777); err != nil {
		return cmdline, err
	}
	res, err := usercmd.Run(ctx, usercmd.Options{Dir: opts.Dir, Command: cmdline, Log: log})
	if err == nil {
		return cmdline, nil
	}
	var ee *usercmd.ExitError
	if errors.As(err, &ee) {
		// The message names the command already.
		err = fmt.Errorf("exit status %d", ee.Code)
	}
	ge := &GenerateError{Cmd: cmdline, Log: log, Tail: res.Tail, Err: err}
	return cmdline, cli.Fail(ge,
		"go.mod, go.sum and vendor/ are written: the vendor step succeeded",
		"the full log is "+log,
		"fix what the step reports, then run \""+cmdline+"\" again (or the target with -generate)")
}
