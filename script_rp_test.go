package releasekit

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/payload/payloadtest"
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
// payloadtest.Releases, points RELEASEKIT_GRAPH_URL and RELEASEKIT_RELEASE_REPO at them and sets
// PULLSPEC_X_Y_Z for each release. -retag pushes another image under VERSION's tag afterwards.
func cmdRPServers(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! rpservers")
	}
	s, err := payloadtest.Start(payloadtest.Releases())
	ts.Check(err)
	ts.Defer(s.Close)
	for _, r := range payloadtest.Releases() {
		ts.Setenv("PULLSPEC_"+strings.ReplaceAll(r.Version, ".", "_"), s.PullSpec(r.Version))
	}
	ts.Setenv("RELEASEKIT_GRAPH_URL", s.Graph.URL)
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
	for _, r := range payloadtest.Releases() {
		if r.Version != args[0] {
			continue
		}
		dir := ts.MkAbs(args[1])
		ts.Check(os.MkdirAll(dir, 0o755))
		for _, f := range payloadtest.ManifestFiles(r) {
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
