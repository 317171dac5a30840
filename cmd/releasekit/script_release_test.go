package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/mod/module"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["rpadmin"] = cmdRPAdmin
}

// rpadmin [-clientcert] starts an RP admin API over TLS that holds 4.15.35 as its enabled
// default version, sets $RP_URL to it and writes ca.crt, client.crt and client.key into
// $WORK/rpcerts. -clientcert makes it refuse a client without a certificate.
func cmdRPAdmin(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! rpadmin")
	}
	var o example.RPAdminOptions
	for _, a := range args {
		switch a {
		case "-clientcert":
			o.RequireClientCert = true
		default:
			ts.Fatalf("usage: rpadmin [-clientcert]")
		}
	}
	o.Versions = []example.OpenShiftVersion{{Properties: example.OpenShiftVersionProperties{
		Version: "4.15.35", OpenShiftPullspec: "quay.io/openshift-release-dev/ocp-release@sha256:" + zeros64,
		InstallerPullspec: "arointsvc.azurecr.io/aro-installer:release-4.15", Enabled: true, Default: true,
	}}}
	a, err := example.StartRPAdmin(o)
	ts.Check(err)
	ts.Defer(a.Close)
	dir := ts.MkAbs("rpcerts")
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(a.WriteFiles(dir))
	ts.Setenv("RP_URL", a.URL)
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"

func init() {
	scriptCmds["ghserver"] = cmdGHServer
	scriptCmds["ghpulls"] = cmdGHPulls
	scriptCmds["ghmerge"] = cmdGHMerge
}

var ghServers sync.Map // *testscript.TestScript -> *example.GitHub

// ghserver OWNER/NAME=BAREDIR[@DEFAULTBRANCH]... starts a GitHub API whose repositories have the branches of
// the bare repositories, and sets GITHUB_API_URL and GITHUB_TOKEN for it.
func cmdGHServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: ghserver OWNER/NAME=BAREDIR...")
	}
	g := example.NewGitHub("ghp_scripttoken_0123456789")
	for _, a := range args {
		repo, dir, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("usage: ghserver OWNER/NAME=BAREDIR...")
		}
		def := "main"
		if d, b, ok := strings.Cut(dir, "@"); ok {
			dir, def = d, b
		}
		g.AddRepo(repo, def, ts.MkAbs(dir))
	}
	u, stop, err := g.Start()
	ts.Check(err)
	ts.Defer(stop)
	ghServers.Store(ts, g)
	ts.Setenv("GITHUB_API_URL", u)
	ts.Setenv("GITHUB_TOKEN", g.Token)
}

func ghOf(ts *testscript.TestScript) *example.GitHub {
	g, ok := ghServers.Load(ts)
	if !ok {
		ts.Fatalf("no ghserver in this script")
	}
	return g.(*example.GitHub)
}

// ghpulls OWNER/NAME prints the repository's pull requests: "#N STATE HEAD -> BASE: TITLE",
// then the body.
func cmdGHPulls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ghpulls OWNER/NAME")
	}
	for _, p := range ghOf(ts).Pulls(args[0]) {
		fmt.Fprintf(ts.Stdout(), "#%s %s %s -> %s: %s\n%s\n", p["number"], p["state"], p["head"], p["base"], p["title"], p["body"])
	}
}

// ghmerge OWNER/NAME N merges pull request N.
func cmdGHMerge(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ghmerge OWNER/NAME N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ghOf(ts).Merge(args[0], n)
}

func init() {
	scriptCmds["pseudo"] = cmdPseudo
}

// pseudo VAR REV sets $VAR to the Go pseudo-version of commit REV of the repository in the
// current directory, as go.mod names a commit of a branch.
func cmdPseudo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pseudo VAR REV")
	}
	out, err := exec.Command("git", "-C", ts.MkAbs("."), "log", "-1", "--format=%H %ct", args[1]).Output()
	ts.Check(err)
	hash, ct, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	secs, err := strconv.ParseInt(ct, 10, 64)
	ts.Check(err)
	ts.Setenv(args[0], module.PseudoVersion("", "", time.Unix(secs, 0), hash[:12]))
}
