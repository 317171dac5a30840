package git

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// configOf is what git sees of key when r runs it with x.
func configOf(t *testing.T, r Runner, x Exec, key string) string {
	t.Helper()
	var out strings.Builder
	x.Stdout = &out
	if err := r.Exec(context.Background(), x, "config", "--get-all", key); err != nil && ExitCode(err) != 1 {
		require.NoError(t, err)
	}
	return strings.TrimSpace(out.String())
}

// Configuration from the process, from a Runner's Env and from one command's Config all reach
// git: each addition is numbered after those before it, none overwrites another's keys.
func TestConfigEnvCombines(t *testing.T) {
	// Not in parallel: it sets the process environment (t.Setenv).
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q")
	// The user's own, through the process environment.
	t.Setenv("GIT_CONFIG_COUNT", "2")
	t.Setenv("GIT_CONFIG_KEY_0", "user.mine")
	t.Setenv("GIT_CONFIG_VALUE_0", "kept")
	t.Setenv("GIT_CONFIG_KEY_1", "user.also")
	t.Setenv("GIT_CONFIG_VALUE_1", "kept too")

	repo := &Repo{Dir: dir, Git: Runner{Dir: dir, Env: []string{"OTHER=1"}}}
	require.NoError(t, repo.EnableRerere(context.Background()))
	require.NoError(t, repo.EnableRerere(context.Background()), "twice is once")
	require.Equal(t, []string{"OTHER=1", "GIT_CONFIG_KEY_2=rerere.enabled", "GIT_CONFIG_VALUE_2=true", "GIT_CONFIG_KEY_3=rerere.autoUpdate", "GIT_CONFIG_VALUE_3=true", "GIT_CONFIG_COUNT=4"}, repo.Git.Env)

	x := Exec{Config: append(StallConfig(1500*time.Millisecond), "user.value", "a=b c")}
	for key, want := range map[string]string{
		"user.mine":          "kept",
		"user.also":          "kept too",
		"rerere.enabled":     "true",
		"rerere.autoupdate":  "true",
		"http.lowspeedlimit": "1",
		"http.lowspeedtime":  "2",
		"user.value":         "a=b c",
	} {
		require.Equal(t, want, configOf(t, repo.Git, x, key), key)
	}

	// Additions compose in any order, on an env that already has some.
	env := ConfigEnv(ConfigEnv(nil, "a.one", "1"), "a.two", "2")
	r := Runner{Dir: dir, Env: env}
	require.Equal(t, "kept", configOf(t, r, Exec{}, "user.mine"))
	require.Equal(t, "1", configOf(t, r, Exec{Config: []string{"a.three", "3"}}, "a.one"))
	require.Equal(t, "2", configOf(t, r, Exec{Config: []string{"a.three", "3"}}, "a.two"))
	require.Equal(t, "3", configOf(t, r, Exec{Config: []string{"a.three", "3"}}, "a.three"))

	// Without any in the process.
	t.Setenv("GIT_CONFIG_COUNT", "")
	os.Unsetenv("GIT_CONFIG_COUNT")
	require.Equal(t, []string{"GIT_CONFIG_KEY_0=a.one", "GIT_CONFIG_VALUE_0=1", "GIT_CONFIG_COUNT=1"}, ConfigEnv(nil, "a.one", "1"))
	require.Nil(t, StallConfig(0))
}

// Turning rerere on never writes the user's repository configuration.
func TestEnableRerereWritesNoConfig(t *testing.T) {
	testEnv(t)
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q")
	before, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
	require.NoError(t, err)
	repo, err := Open(context.Background(), dir)
	require.NoError(t, err)
	defer repo.Close()
	require.NoError(t, repo.EnableRerere(context.Background()))
	after, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
	require.Equal(t, "true", configOf(t, repo.Git, Exec{}, "rerere.enabled"))
	require.Empty(t, configOf(t, Runner{Dir: dir}, Exec{}, "rerere.enabled"), "only the Repo's own git commands have it")
}
