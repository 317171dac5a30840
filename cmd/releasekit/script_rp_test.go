package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/netutil/netutiltest"
	"github.com/aro-releasekit/releasekit/internal/payload"
)

func init() {
	scriptCmds["rpfixture"] = cmdRPFixture
	scriptCmds["rpservers"] = cmdRPServers
	scriptCmds["rpmanifests"] = cmdRPManifests
}

// rpfixture [-pointer] DIR writes an ARO-RP-shaped module into DIR.
func cmdRPFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! rpfixture")
	}
	var o example.RPOptions
	if len(args) > 0 && args[0] == "-pointer" {
		o.Pointer, args = true, args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: rpfixture [-pointer] DIR")
	}
	ts.Check(example.RP(ts.MkAbs(args[0]), o))
}

// rpservers [-retag VERSION] starts a local update graph and registry with the releases of
// example.Releases, points RELEASEKIT_GRAPH_URL and RELEASEKIT_RELEASE_REPO at them and sets
// PULLSPEC_X_Y_Z for each release. -retag pushes another image under VERSION's tag afterwards.
func cmdRPServers(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! rpservers")
	}
	s, err := example.StartReleases(example.Releases())
	ts.Check(err)
	ts.Defer(s.Close)
	for _, r := range example.Releases() {
		ts.Setenv("PULLSPEC_"+strings.NewReplacer(".", "_", "-", "_").Replace(r.Version), s.PullSpec(r.Version))
	}
	ts.Setenv("RELEASEKIT_GRAPH_URL", s.GraphURL)
	ts.Setenv("RELEASEKIT_RELEASE_REPO", s.Repo)
	ts.Setenv("RELEASE_REPO", s.Repo)
	for len(args) > 0 {
		switch {
		case args[0] == "-retag" && len(args) > 1:
			ts.Check(s.Retag(args[1]))
			args = args[2:]
		default:
			ts.Fatalf("usage: rpservers [-retag VERSION]")
		}
	}
}

// rpmanifests VERSION DIR writes the release manifests of VERSION into DIR, as
// `oc adm release extract` would.
func cmdRPManifests(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: rpmanifests VERSION DIR")
	}
	for _, r := range example.Releases() {
		if r.Version != args[0] {
			continue
		}
		dir := ts.MkAbs(args[1])
		ts.Check(os.MkdirAll(dir, 0o755))
		for _, f := range example.ManifestFiles(r) {
			rel, ok := strings.CutPrefix(f.Name, payload.ManifestsDir+"/")
			if !ok || rel == "" {
				continue
			}
			ts.Check(os.WriteFile(filepath.Join(dir, rel), []byte(f.Body), 0o644))
		}
		return
	}
	ts.Fatalf("rpmanifests: no release %s", args[0])
}

func init() {
	scriptCmds["hangserver"] = cmdHangServer
	scriptCmds["crlf"] = cmdCRLF
	scriptCmds["lineendings"] = cmdLineEndings
}

// hangserver VAR starts a listener that accepts every connection and never answers (what a
// stuck proxy or a black-holed service looks like) and sets $VAR to its host:port.
func cmdHangServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hangserver VAR")
	}
	addr, stop, err := netutiltest.Hang()
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv(args[0], addr)
}

// crlf FILE rewrites FILE with CRLF line endings, as a checkout with core.autocrlf has them.
func cmdCRLF(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: crlf FILE")
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	ts.Check(os.WriteFile(p, b, 0o644))
}

// lineendings FILE crlf|lf fails unless every line of FILE ends that way.
func cmdLineEndings(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[1] != "crlf" && args[1] != "lf") {
		ts.Fatalf("usage: lineendings FILE crlf|lf")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	lines := bytes.SplitAfter(b, []byte("\n"))
	for i, l := range lines {
		if len(l) == 0 || l[len(l)-1] != '\n' {
			continue
		}
		if cr := bytes.HasSuffix(l, []byte("\r\n")); cr != (args[1] == "crlf") {
			ts.Fatalf("%s:%d does not end in %s: %q", args[0], i+1, args[1], l)
		}
	}
}
