//go:build mage

// releasekit: the ARO new-release runbook as targets; each acts on the repository in the current directory.
//
// The targets are the command table of internal/commands, the same as cmd/releasekit's: this
// file hands the whole command line to it before mage's generated main would parse it.
//
//mage:multiline
package main

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/commands"
)

// init runs the command line through the command table and exits: mage passes its own -l, -h
// and -t to the compiled targets through MAGEFILE_LIST, MAGEFILE_HELP and MAGEFILE_TIMEOUT.
func init() {
	args := os.Args[1:]
	if on, _ := strconv.ParseBool(os.Getenv("MAGEFILE_HELP")); on {
		args = append([]string{"help"}, args...)
	} else if on, _ := strconv.ParseBool(os.Getenv("MAGEFILE_LIST")); on {
		args = []string{"-l"}
	}
	var timeout time.Duration
	if t := os.Getenv("MAGEFILE_TIMEOUT"); t != "" {
		timeout, _ = time.ParseDuration(t)
	}
	cli.SetProgram(program())
	os.Exit(commands.Table.Main(context.Background(), cli.Env{Timeout: timeout}, args))
}

// program names this door in hints: a binary made with mage -compile is run by its own name;
// one that mage runs from its cache (named by a hash) is "go tool mage", as the README starts it.
func program() string {
	name := os.Args[0]
	base := name
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			base = name[i+1:]
			break
		}
	}
	if len(base) == 64 {
		return "go tool mage"
	}
	return name
}

// The targets are in targets.go, generated from the command table (TestMagefileShims): mage
// reads their doc comments and parameters for -l and -h until it has compiled them, and init
// runs the command line before any of them could.

// Fork holds the targets that port ARO's carry patches in the installer fork.
type Fork mg.Namespace

// Wrapper holds the targets for the installer wrapper repository.
type Wrapper mg.Namespace

// Rp edits an Azure/ARO-RP checkout for a new OpenShift release.
type Rp mg.Namespace

// Rhcos publishes the RHCOS boot images of a release for the ARO Partner Center offer.
type Rhcos mg.Namespace

// Release holds the targets that look at a whole release.
type Release mg.Namespace

// run is what every target does, should mage's own main ever get the command line: hand it to
// the command table.
func run(name string) error {
	return commands.Table.Call(context.Background(), append([]string{name}, os.Args[2:]...)...)
}
