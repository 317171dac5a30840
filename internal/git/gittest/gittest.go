// Package gittest sets the environment the tests' git processes run in.
package gittest

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/scratch"
)

// NoMaintenance keeps git from starting a "git maintenance run --auto" process, and an
// automatic gc, after every commit, cherry-pick, merge and fetch of the tests' repositories
// (the fixtures' included): it finds nothing to do in repositories this small, and each is a
// process. It is configuration through the environment, so every git the test binary starts
// reads it, and git.ConfigEnv adds to it rather than replacing it.
var NoMaintenance = map[string]string{
	"GIT_CONFIG_COUNT": "2",
	"GIT_CONFIG_KEY_0": "maintenance.auto", "GIT_CONFIG_VALUE_0": "false",
	"GIT_CONFIG_KEY_1": "gc.auto", "GIT_CONFIG_VALUE_1": "0",
}

// Setenv sets env, then NoMaintenance, in the environment of the whole test binary (so that the
// tests can run in parallel, which t.Setenv forbids), gives it one P (OneP), and chooses where
// its temporary files go (scratch.Use). Call it from TestMain, and end TestMain with
// os.Exit(gittest.Run(m)).
func Setenv(env map[string]string) {
	for _, e := range []map[string]string{env, NoMaintenance} {
		for k, v := range e {
			os.Setenv(k, v)
		}
	}
	OneP()
	if removeScratch == nil {
		removeScratch = scratch.Use()
	}
}

// OneP runs the test binary, and every Go program it starts (releasekit, go, the linker), on
// one P, unless GOMAXPROCS is set. The tests wait on processes (git, go, the verify commands),
// not on Go code, and -test.parallel keeps its default, the number of CPUs, so as many tests run
// at once as before. A second P in each of these processes only adds threads that wake each
// other and switch, and on a 2-core machine where each context switch and page-table change is
// costly, that made the whole suite about 12 % slower (CONTRIBUTING). -cpu still sets the test
// binary's own for a run (benchmarks, say).
func OneP() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	os.Setenv("GOMAXPROCS", "1")
	runtime.GOMAXPROCS(1)
}

// removeScratch removes the temporary directory Setenv chose.
var removeScratch func()

// Run runs the tests, then removes the temporary directory Setenv chose (Done), and returns the
// exit status for os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	Done()
	return code
}

// Done removes the temporary directory Setenv chose: call it last, once what the tests left
// running there (a server, a module cache) is stopped or removed.
func Done() {
	if removeScratch != nil {
		removeScratch()
		removeScratch = nil
	}
}

// Main is the TestMain of a package that needs nothing else: NoMaintenance, then the tests.
func Main(m *testing.M) {
	Setenv(nil)
	os.Exit(Run(m))
}

// Started has every git started with *env from now on record its start in a trace2 file (git's
// own log of its processes), and returns what reads the commands started so far, one
// "subcommand args..." each: how a test counts the git processes a flow starts. Pass the Env of
// the git.Runner the flow uses.
func Started(t testing.TB, env *[]string) func() []string {
	t.Helper()
	trace := filepath.Join(t.TempDir(), "trace2")
	*env = append(*env, "GIT_TRACE2="+trace)
	return func() []string {
		t.Helper()
		f, err := os.Open(trace)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var started []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// 07:04:45.305037 common-main.c:51    start git rev-parse --git-path x
			if _, args, ok := strings.Cut(sc.Text(), " start git "); ok {
				started = append(started, args)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return started
	}
}

// Count is how many of the commands Started listed begin with prefix ("worktree prune", say).
func Count(started []string, prefix string) int {
	n := 0
	for _, s := range started {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}
