package main

import (
	"context"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["installer-followup"] = cmdInstallerFollowUp
}

// installer-followup DIR builds the installer fixture in DIR with its FollowUp carry: a patch
// that applies on top of "CARRY: azure: never create the bootstrap public IP" and conflicts
// without it.
func cmdInstallerFollowUp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: installer-followup DIR")
	}
	_, err := example.NewInstaller(context.Background(), ts.MkAbs(args[0]), example.InstallerOptions{FollowUp: true})
	ts.Check(err)
}
