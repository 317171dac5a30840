package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/rhcos/rhcostest"
)

func init() {
	scriptCmds["demoazurite"] = cmdDemoAzurite
}

// demoazurite puts Azurite's directory first on PATH for the demo, which looks for it there,
// and says what the demo's checklist ends with: $DEMO_DONE steps done of 13, and $DEMO_RHCOS
// (done or pending) for the RHCOS step, and $DEMO_END, how it ends. Without Azurite installed RHCOS stays pending, unless
// RELEASEKIT_TEST_REQUIRE_AZURITE=1 makes that a failure.
func cmdDemoAzurite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: demoazurite")
	}
	wd, _ := os.Getwd()
	bin, err := rhcostest.Find(wd)
	if errors.Is(err, rhcostest.ErrNotInstalled) && os.Getenv(rhcostest.EnvRequire) != "1" {
		ts.Logf("%v: the demo's RHCOS step stays pending (set %s=1 to make this a failure)", err, rhcostest.EnvRequire)
		ts.Setenv("DEMO_DONE", strconv.Itoa(12))
		ts.Setenv("DEMO_RHCOS", "pending")
		ts.Setenv("DEMO_END", "RHCOS is pending because it was not published: azurite-blob is not installed")
		return
	}
	ts.Check(err)
	ts.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+ts.Getenv("PATH"))
	ts.Setenv("DEMO_DONE", strconv.Itoa(13))
	ts.Setenv("DEMO_RHCOS", "done")
	ts.Setenv("DEMO_END", "every step of the runbook is done")
}
