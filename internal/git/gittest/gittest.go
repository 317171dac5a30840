// Package gittest sets the environment the tests' git processes run in.
package gittest

import (
	"os"
	"testing"
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
// tests can run in parallel, which t.Setenv forbids). Call it from TestMain.
func Setenv(env map[string]string) {
	for _, e := range []map[string]string{env, NoMaintenance} {
		for k, v := range e {
			os.Setenv(k, v)
		}
	}
}

// Main is the TestMain of a package that needs nothing else: NoMaintenance, then the tests.
func Main(m *testing.M) {
	Setenv(nil)
	os.Exit(m.Run())
}
