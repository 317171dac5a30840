package main

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/scratch"
)

// scriptCmds are the in-process commands of testdata/script; each area registers its own from
// an init func in a script_<area>_test.go file.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}

// scriptSetups run for every script after the common setup (to start local servers, say).
var scriptSetups []func(e *testscript.Env) error

// TestMain makes this test binary releasekit too: testscript runs "releasekit" in a script, and
// the crash tests run it, as this very binary with the real main (no compile step).
func TestMain(m *testing.M) {
	testscript.Main(scratchRun{m}, map[string]func(){
		"releasekit": main,
	})
}

// scratchRun runs the tests on one P (gittest.OneP), with their temporary files where
// scratch.Use chooses, and removes them after (testscript.Main ends the process itself). Only
// the run of the tests chooses: this binary run as releasekit keeps the directory it is given.
type scratchRun struct{ m *testing.M }

func (r scratchRun) Run() int {
	gittest.OneP()
	done := scratch.Use()
	code := r.m.Run()
	example.RemoveBuiltRegen()
	done()
	return code
}

// releasekitBin is the in-process releasekit testscript installed on $PATH, for the tests that
// run it with os/exec (the crash tests).
func releasekitBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("releasekit")
	if err != nil {
		t.Fatalf("testscript did not put releasekit on PATH: %v", err)
	}
	return p
}

func TestScript(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("the end-to-end scripts need git on PATH")
	}
	goEnv := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		goEnv[k] = strings.TrimSpace(string(out))
	}
	src, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if wrapperCache.dir != "" {
			os.RemoveAll(wrapperCache.dir) // -modcacherw: every file is writable
		}
	})
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds:                scriptCmds,
		Setup: func(e *testscript.Env) error {
			// testscript sets HOME=/no-home: give git and go what they would find in a home.
			for k, v := range goEnv {
				e.Setenv(k, v)
			}
			for k, v := range scriptGitEnv {
				e.Setenv(k, v)
			}
			e.Setenv("GOTOOLCHAIN", "local")
			// No VCS stamp in the scripts' builds (a verify's ./hack/build.sh, say): nothing
			// reads it, and the go command would run git status and git log for every build.
			// -trimpath keeps the fixture's directory out of the build cache's keys: every
			// script's fixture is a copy at a new path, and would compile its packages and link
			// its go run programs (the assets generator) afresh. install_binary stamps its
			// binary, as an engineer's go install does.
			e.Setenv("GOFLAGS", "-modcacherw -buildvcs=false -trimpath")
			e.Setenv("GOPROXY", "off")
			e.Setenv("NO_COLOR", "1")
			// One P for every releasekit and go the script starts, as for this binary (OneP).
			e.Setenv("GOMAXPROCS", os.Getenv("GOMAXPROCS"))
			// $REGEN_BUILT: the fixture's regenerate command without go run, for the scripts
			// that regenerate often and are not about the default command (example.BuiltRegen).
			regen, err := example.BuiltRegen()
			if err != nil {
				return err
			}
			e.Setenv("REGEN_BUILT", regen)
			// The module's source, for the scripts that install the binary or use the mage door.
			e.Setenv("RELEASEKIT_SRC", src)
			e.Setenv("MAGEFILE_CACHE", filepath.Join(e.WorkDir, ".magefile"))
			for _, s := range scriptSetups {
				if err := s(e); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// scriptGitEnv pins git's identity and clock the way git's own test suite does (t/test-lib.sh),
// so commit hashes in the scripts are stable, and keeps the user's and system's config out.
var scriptGitEnv = map[string]string{
	"GIT_CONFIG_NOSYSTEM": "1",
	"GIT_CONFIG_GLOBAL":   "/dev/null",
	"GIT_AUTHOR_NAME":     "A U Thor",
	"GIT_AUTHOR_EMAIL":    "author@example.com",
	"GIT_COMMITTER_NAME":  "C O Mitter",
	"GIT_COMMITTER_EMAIL": "committer@example.com",
	// After the fixtures' history (2023): a clock that goes back in time defeats git's
	// date-ordered walks, as it would in a real repository.
	"GIT_AUTHOR_DATE":     "1800000000 +0200",
	"GIT_COMMITTER_DATE":  "1800000000 +0200",
	"GIT_TERMINAL_PROMPT": "0",
	"GIT_EDITOR":          "true",
}

// Nor a "git maintenance run --auto" after every commit, pick, merge and fetch (the toolkit adds
// its own settings after these).
func init() { maps.Copy(scriptGitEnv, gittest.NoMaintenance) }
