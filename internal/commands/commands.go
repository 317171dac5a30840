// Package commands is releasekit's command table: every target with its arguments, flags,
// settings and entry point. cmd/releasekit and the mage targets both run it.
package commands

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

// Table is every target. Its order is the README's.
var Table = &cli.Table{
	Doc: "releasekit: the ARO new-release runbook as targets; each acts on the repository in the current directory.",
}

func init() {
	Table.Commands = []*cli.Command{
		forkBranch, forkAssess, forkPatches, forkCherryPick, forkRebaseAgain, forkContinue, forkSkip,
		forkAbort, forkStatus, forkVerify, forkGC, forkCanary, forkShare, forkSync, forkPR,
		wrapperVendor, rpBumpVersion, rpNamespaces, rpRegisterVersion, rhcosPublish, releaseStatus, demo,
	}
}

// Main runs a command line (without the program name) as prog and returns the exit status.
func Main(prog string, args []string) int {
	cli.SetProgram(prog)
	return Table.Main(context.Background(), cli.Env{}, args)
}

// out is where results go (stdout); logs and progress go to stderr.
var (
	out  io.Writer = os.Stdout
	logw io.Writer = os.Stderr
)

func logf(format string, args ...any) {
	fmt.Fprintf(logw, format+"\n", args...)
}

func note(s string) { logf("%s", s) }

// fail turns an error into a target's error with hints (exit 1); nil stays nil.
func fail(err error, hints ...string) error { return cli.Fail(err, hints...) }

// printJSON is the one JSON printer of results: indented, and no HTML escaping (a subject
// with "<" stays readable).
func printJSON(v any) error { return writeJSON(out, v, true) }

// printJSONLine is printJSON on one line (a GitHub Actions matrix goes into $GITHUB_OUTPUT).
func printJSONLine(v any) error { return writeJSON(out, v, false) }

func writeJSON(w io.Writer, v any, indent bool) error { return jsonstrict.Encode(w, v, indent) }

// workdir is the repository a target acts on: the current directory.
func workdir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fail(fmt.Errorf("cannot read the current directory: %w", err))
	}
	return wd, nil
}

func parseMinor(version string) (release.Minor, error) {
	m, err := release.ParseMinor(version)
	return m, cli.Usage(err)
}

// get reads a setting; a bad value is a usage error.
func get[T any](v *settings.Var[T]) (T, error) {
	x, err := v.Get()
	return x, cli.Usage(err)
}

func forkRemotes() release.Remotes {
	fork, _ := settings.ForkRemote.Get()
	up, _ := settings.UpstreamRemote.Get()
	return release.Remotes{Fork: fork, Upstream: up}.OrDefault()
}

// duration is the one way a duration is printed (internal/humanize).
func duration(d time.Duration) string { return humanize.Duration(d) }

// optString is a string flag that knows whether it was given: -verify= (empty) differs from no
// -verify at all.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string     { return o.v }
func (o *optString) Set(s string) error { o.v, o.set = s, true; return nil }

// Ptr is nil when the flag was not given.
func (o *optString) Ptr() *string {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// Or is the flag's value, or def when it was not given.
func (o *optString) Or(def string) string {
	if !o.set {
		return def
	}
	return o.v
}

func stringFlag(fs *flag.FlagSet, name, usage string) *optString {
	o := new(optString)
	fs.Var(o, name, usage)
	return o
}

// pathFlag is a flag that names a file: given, it must name one.
type pathFlag struct{ optString }

func (p *pathFlag) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("names no file")
	}
	return p.optString.Set(s)
}

func filePath(fs *flag.FlagSet, name, usage string) *pathFlag {
	p := new(pathFlag)
	fs.Var(p, name, usage)
	return p
}

// jobsFlag is -jobs=N: a count of 1 or more, parsed once here; unset, RELEASEKIT_VERIFY_JOBS.
type jobsFlag struct{ optString }

// Get is -jobs, else RELEASEKIT_VERIFY_JOBS, else 1.
func (j *jobsFlag) Get() (int, error) {
	if j.set {
		n, err := settings.ParseJobs(j.v)
		if err != nil {
			return 0, jobsUsage(err)
		}
		return n, nil
	}
	n, err := settings.VerifyJobs.Get()
	if err != nil {
		return 0, jobsUsage(err)
	}
	return n, nil
}

func jobsUsage(err error) error {
	return cli.Usage(err, "give -jobs=N or RELEASEKIT_VERIFY_JOBS=N with N of 1 or more (1 verifies one patch at a time)")
}

func jobs(fs *flag.FlagSet, usage string) *jobsFlag {
	j := new(jobsFlag)
	fs.Var(j, "jobs", usage)
	return j
}
