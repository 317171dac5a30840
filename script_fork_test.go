package releasekit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/fixture"
)

func init() {
	scriptCmds["fixture"] = cmdFixture
	scriptCmds["jsonget"] = cmdJSONGet
}

// fixture installer [-no-upstream] [-extra=N] DIR builds the installer fixture in DIR
// (DIR/installer is the engineer's clone, DIR/upstream.git and DIR/fork.git its remotes).
func cmdFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! fixture")
	}
	if len(args) < 2 || args[0] != "installer" {
		ts.Fatalf("usage: fixture installer [-no-upstream] DIR")
	}
	var opts fixture.InstallerOptions
	for _, a := range args[1 : len(args)-1] {
		switch {
		case a == "-no-upstream":
			opts.NoUpstreamRemote = true
		case strings.HasPrefix(a, "-extra="):
			fmt.Sscan(strings.TrimPrefix(a, "-extra="), &opts.ExtraCarries)
		default:
			ts.Fatalf("fixture: unknown flag %s", a)
		}
	}
	_, err := fixture.NewInstaller(context.Background(), ts.MkAbs(args[len(args)-1]), opts)
	ts.Check(err)
}

// jsonget FILE PATH WANT checks that FILE is JSON and that the value at PATH (dot-separated
// keys and array indexes, "len" for an array's length) prints as WANT.
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonget FILE PATH WANT")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s is not JSON: %v", args[0], err)
	}
	for _, k := range strings.Split(args[1], ".") {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[k]
		case []any:
			if k == "len" {
				v = float64(len(cur))
				continue
			}
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i < 0 || i >= len(cur) {
				ts.Fatalf("jsonget: no element %s in %s", k, args[1])
			}
			v = cur[i]
		default:
			ts.Fatalf("jsonget: %s: cannot index %T with %q", args[1], v, k)
		}
	}
	got := fmt.Sprint(v)
	if (got == args[2]) == neg {
		ts.Fatalf("jsonget %s: got %q, want %s%q", args[1], got, map[bool]string{true: "not ", false: ""}[neg], args[2])
	}
}
