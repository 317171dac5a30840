package canary

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/release"
)

func TestMain(m *testing.M) {
	// Pin git's identity and config for the whole process.
	gittest.Setenv(map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
		"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
	})
	os.Exit(gittest.Run(m))
}

// testEnv runs the test in parallel with the others: each has a fixture of its own, and git's
// environment is TestMain's.
func testEnv(t *testing.T) {
	t.Parallel()
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

// state is what the canary must leave alone: the refs, the status, the stash, HEAD.
func state(t *testing.T, dir string) string {
	return gitOut(t, dir, "for-each-ref") + gitOut(t, dir, "status", "--porcelain=v2", "--branch") +
		gitOut(t, dir, "stash", "list") + gitOut(t, dir, "rev-parse", "HEAD") + gitOut(t, dir, "config", "--local", "--list")
}

func TestCanaryOntoTheNextMinor(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{FollowUp: true})
	require.NoError(t, err)
	// local changes, staged and not, and a stash: none of it may move
	require.NoError(t, os.WriteFile(filepath.Join(fx.Work, "README.local"), []byte("mine\n"), 0o644))
	gitOut(t, fx.Work, "stash", "push", "-q", "--include-untracked")
	require.NoError(t, os.WriteFile(filepath.Join(fx.Work, "go.mod"), []byte("module changed\n"), 0o644))
	before := state(t, fx.Work)

	m, _ := release.ParseMinor("4.14")
	res, err := Run(ctx, Options{Dir: fx.Work, Release: m, Onto: "upstream/release-4.15"})
	require.ErrorIs(t, err, ErrNeedsPerson)
	require.Equal(t, cli.ExitFailed, cli.Code(err))
	require.Contains(t, err.Error(), "#2 ")
	require.Contains(t, err.Error(), "#9 ")

	var got []string
	for _, r := range res.Rows {
		got = append(got, string(r.Outcome))
	}
	require.Equal(t, []string{"clean", "conflict", "clean", "empty", "empty", "clean", "clean", "clean", "conflict"}, got)
	require.Equal(t, []string{example.BootstrapConflict}, res.Rows[1].Files)
	require.Equal(t, []int{2}, res.Rows[2].Without)
	require.Equal(t, []int{2}, res.Rows[8].Overlaps)
	require.Empty(t, res.Rows[1].Overlaps)
	var ups []string
	for _, c := range res.Rows[1].Upstream {
		ups = append(ups, c.Subject)
	}
	// upstream changed two things in that file since 4.14; only one touched the conflicting line
	require.Equal(t, []string{"azure: no bootstrap public IP with user-defined routing"}, ups)

	require.Equal(t, before, state(t, fx.Work))
	wts := gitOut(t, fx.Work, "worktree", "list", "--porcelain")
	require.Equal(t, 1, strings.Count(wts, "worktree "), wts)
	_, err = os.Stat(filepath.Join(fx.Work, ".git", "rr-cache"))
	if err == nil {
		entries, _ := os.ReadDir(filepath.Join(fx.Work, ".git", "rr-cache"))
		require.Empty(t, entries, "the canary leaves no preimage of its own conflicts behind")
	}

	md := res.Markdown()
	require.Contains(t, md, "| 2 | `"+res.Rows[1].Short()+"` | "+example.CarryBootstrapIP+" | conflict | in "+example.BootstrapConflict+" |")
	require.Contains(t, md, "It may conflict only because #2 was left out")
	require.Contains(t, md, "azure: no bootstrap public IP with user-defined routing")
}

func TestCanaryAllClean(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{})
	require.NoError(t, err)
	m, _ := release.ParseMinor("4.14")
	res, err := Run(ctx, Options{Dir: fx.Work, Release: m, Verify: "test -f go.mod"})
	require.NoError(t, err)
	require.False(t, res.NeedsPerson)
	require.Len(t, res.Rows, 8)
	require.Equal(t, 8, res.Count(Clean))
}

func TestCanaryVerifyFailed(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{})
	require.NoError(t, err)
	m, _ := release.ParseMinor("4.14")
	res, err := Run(ctx, Options{Dir: fx.Work, Release: m, Verify: "if [ -f pkg/asset/rhcos/azure.go ]; then echo broken >&2; exit 3; fi"})
	require.ErrorIs(t, err, ErrNeedsPerson)
	require.Equal(t, VerifyFailed, res.Rows[7].Outcome)
	require.Equal(t, "broken", res.Rows[7].VerifyTail)
	require.Equal(t, 7, res.Count(Clean))
}

func TestOursRanges(t *testing.T) {
	merge := "a\n<<<<<<< HEAD\nours1\nours2\n=======\ntheirs\n>>>>>>> abc (x)\nb\n<<<<<<< HEAD\n=======\nadded\n>>>>>>> abc (x)\nc\n<<<<<<< HEAD\nlast\n=======\n>>>>>>> abc\n"
	require.Equal(t, [][2]int{{2, 3}, {6, 6}}, oursRanges([]byte(merge)))
	diff3 := "a\n<<<<<<< HEAD\nours\n||||||| parent of abc\nbase\n=======\ntheirs\n>>>>>>> abc\nb\n"
	require.Equal(t, [][2]int{{2, 2}}, oursRanges([]byte(diff3)))
	require.Empty(t, oursRanges([]byte("no conflict\n")))
}

// A canary killed before it cleaned up leaves its worktree; the next canary removes it, and
// leaves alone the worktree of one that is still running.
func TestCanaryRemovesAKilledCanarysWorktree(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{})
	require.NoError(t, err)
	base := filepath.Join(fx.Work, ".git", "releasekit", "worktrees")
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	stale := filepath.Join(base, "canary-"+strconv.Itoa(dead.Process.Pid)+"-1")
	alive := filepath.Join(base, "canary-1-1") // pid 1 is always running
	for _, p := range []string{stale, alive} {
		gitOut(t, fx.Work, "worktree", "add", "-q", "--detach", p, "HEAD")
	}
	m, _ := release.ParseMinor("4.14")
	_, err = Run(ctx, Options{Dir: fx.Work, Release: m})
	require.NoError(t, err)
	wts := gitOut(t, fx.Work, "worktree", "list", "--porcelain")
	require.NotContains(t, wts, stale)
	require.Contains(t, wts, alive)
	_, err = os.Stat(stale)
	require.True(t, os.IsNotExist(err))
}
