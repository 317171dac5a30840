//go:build mage

// releasekit: the ARO new-release runbook as targets; each acts on the repository in the current directory.
//
//mage:multiline
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/aro-releasekit/releasekit/internal/cli"
)

// fail turns an error into a target's error with hints (exit 1); nil stays nil.
func fail(err error, hints ...string) error { return cli.Fail(err, hints...) }

// init refuses a mistyped command line (an unknown target or flag, a missing or extra argument)
// with exit status 1 before any target runs: mage's generated main would exit 2, which means
// "stopped, needs a person" here.
func init() {
	args := os.Args[1:]
	// mage passes its own -h and -l to the compiled targets through the environment.
	for env, flag := range map[string]string{"MAGEFILE_HELP": "-h", "MAGEFILE_LIST": "-l"} {
		if on, _ := strconv.ParseBool(os.Getenv(env)); on {
			args = append([]string{flag}, args...)
		}
	}
	if err := cli.CheckArgs(args, targets); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(cli.Code(err))
	}
}

// envOr reads a RELEASEKIT_* setting; an empty value takes the default (flagOr is for the
// settings where empty means something, such as no verify).
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func flagOr(p *string, env, def string) string {
	if p != nil {
		return *p
	}
	if v, ok := os.LookupEnv(env); ok {
		return v
	}
	return def
}

func isSet(p *bool) bool { return p != nil && *p }

// out is where results go (stdout); logs and progress go to stderr.
var (
	out  io.Writer = os.Stdout
	logw io.Writer = os.Stderr
)

func logf(format string, args ...any) {
	fmt.Fprintf(logw, format+"\n", args...)
}

func printJSON(v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// workdir is the repository a target changes: the current directory.
func workdir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fail(fmt.Errorf("cannot read the current directory: %w", err))
	}
	return wd, nil
}
