//go:build mage

// releasekit: the ARO new-release runbook as targets; each acts on the repository in the current directory.
//
// The targets are the command table of internal/commands, the same as cmd/releasekit's: this
// file hands the whole command line to it before mage's generated main would parse it.
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

// The targets below are what mage compiles; init has run the command line before any of them
// could. Each is the command table's entry of the same name.

// Fork holds the targets that port ARO's carry patches in the installer fork.
type Fork mg.Namespace

// Wrapper holds the targets for the installer wrapper repository.
type Wrapper mg.Namespace

// Rp edits an Azure/ARO-RP checkout for a new OpenShift release.
type Rp mg.Namespace

// Rhcos publishes the RHCOS boot images of a release for the ARO Partner Center offer.
type Rhcos mg.Namespace

func run(name string) error {
	return commands.Table.Call(context.Background(), append([]string{name}, os.Args[2:]...)...)
}

// Branch is fork:branch.
func (Fork) Branch() error { return run("fork:branch") }

// Assess is fork:assess.
func (Fork) Assess() error { return run("fork:assess") }

// Patches is fork:patches.
func (Fork) Patches() error { return run("fork:patches") }

// CherryPick is fork:cherryPick.
func (Fork) CherryPick() error { return run("fork:cherryPick") }

// RebaseAgain is fork:rebaseAgain.
func (Fork) RebaseAgain() error { return run("fork:rebaseAgain") }

// Continue is fork:continue.
func (Fork) Continue() error { return run("fork:continue") }

// Skip is fork:skip.
func (Fork) Skip() error { return run("fork:skip") }

// Abort is fork:abort.
func (Fork) Abort() error { return run("fork:abort") }

// Status is fork:status.
func (Fork) Status() error { return run("fork:status") }

// Verify is fork:verify.
func (Fork) Verify() error { return run("fork:verify") }

// Canary is fork:canary.
func (Fork) Canary() error { return run("fork:canary") }

// Share is fork:share.
func (Fork) Share() error { return run("fork:share") }

// Sync is fork:sync.
func (Fork) Sync() error { return run("fork:sync") }

// Pr is fork:pr.
func (Fork) Pr() error { return run("fork:pr") }

// Vendor is wrapper:vendor.
func (Wrapper) Vendor() error { return run("wrapper:vendor") }

// BumpVersion is rp:bumpVersion.
func (Rp) BumpVersion() error { return run("rp:bumpVersion") }

// Namespaces is rp:namespaces.
func (Rp) Namespaces() error { return run("rp:namespaces") }

// RegisterVersion is rp:registerVersion.
func (Rp) RegisterVersion() error { return run("rp:registerVersion") }

// Publish is rhcos:publish.
func (Rhcos) Publish() error { return run("rhcos:publish") }

// Release holds the targets that look at a whole release.
type Release mg.Namespace

// Status is release:status.
func (Release) Status() error { return run("release:status") }

// Demo is demo.
func Demo() error { return run("demo") }
