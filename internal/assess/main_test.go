package assess

import (
	"os"
	"testing"
)

// TestMain keeps git from starting a "git maintenance run --auto" process after every commit,
// merge and fetch of the tests' repositories (the fixtures' included), which finds nothing to
// do in repositories this small, and from an automatic gc.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "maintenance.auto", "GIT_CONFIG_VALUE_0": "false",
		"GIT_CONFIG_KEY_1": "gc.auto", "GIT_CONFIG_VALUE_1": "0",
	} {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}
