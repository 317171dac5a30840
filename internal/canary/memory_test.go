package canary

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// rows is a result without what differs from run to run (the time).
func rows(t *testing.T, res *Result) string {
	t.Helper()
	require.NotNil(t, res)
	data, err := json.MarshalIndent(res.Rows, "", " ")
	require.NoError(t, err)
	return string(data)
}

// preimages lists the rr-cache entries that have a preimage and no postimage: conflicts
// recorded and never resolved.
func preimages(t *testing.T, dir string) []string {
	var left []string
	ids, _ := os.ReadDir(filepath.Join(dir, ".git", "rr-cache"))
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(dir, ".git", "rr-cache", id.Name(), "postimage")); os.IsNotExist(err) {
			left = append(left, id.Name())
		}
	}
	return left
}

// resolveBootstrapConflict records, in the clone, a resolution of the conflict that carry #2
// has onto 4.15, as an engineer who ported it would have.
func resolveBootstrapConflict(t *testing.T, fx *example.Installer) {
	t.Helper()
	gitOut(t, fx.Work, "checkout", "-q", "--detach", "upstream/release-4.15")
	c := strings.TrimSpace(gitOut(t, fx.Work, "log", "--format=%H", "-1", "--grep", "^"+example.CarryBootstrapIP+"$", "origin/release-4.14-azure"))
	cmd := exec.Command("git", "-c", "rerere.enabled=true", "cherry-pick", c)
	cmd.Dir = fx.Work
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	gitOut(t, fx.Work, "checkout", "-q", "upstream/release-4.15", "--", example.BootstrapConflict)
	f := filepath.Join(fx.Work, example.BootstrapConflict)
	data, err := os.ReadFile(f)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f, append(data, "# resolved by hand\n"...), 0o644))
	gitOut(t, fx.Work, "-c", "rerere.enabled=true", "rerere")
	gitOut(t, fx.Work, "reset", "-q", "--hard")
	gitOut(t, fx.Work, "checkout", "-q", "release-4.14-azure")
	require.Empty(t, preimages(t, fx.Work))
}

// The differential test of the canary: the rows of the replay in memory are those of the replay
// in a worktree (every conflict through git cherry-pick with rerere), on the fixture's conflicts
// and empties, and with a conflict that a recorded resolution resolves.
func TestCanaryInMemoryMatchesTheWorktreeReplay(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{FollowUp: true})
	require.NoError(t, err)
	m, _ := release.ParseMinor("4.14")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts := Options{Dir: fx.Work, Release: m, Onto: "upstream/release-4.15", Now: func() time.Time { return at }}
	both := func() (mem, wt *Result) {
		mem, err := Run(ctx, opts)
		require.ErrorIs(t, err, ErrNeedsPerson)
		alwaysWorktree = true
		defer func() { alwaysWorktree = false }()
		wt, err = Run(ctx, opts)
		require.ErrorIs(t, err, ErrNeedsPerson)
		require.Equal(t, rows(t, wt), rows(t, mem))
		require.Equal(t, wt.Markdown(), mem.Markdown())
		return mem, wt
	}
	mem, _ := both()
	require.Equal(t, Conflict, mem.Rows[1].Outcome)

	resolveBootstrapConflict(t, fx)
	mem, _ = both()
	require.Equal(t, Rerere, mem.Rows[1].Outcome, "the recorded resolution is found from memory")
	require.Equal(t, []string{example.BootstrapConflict}, mem.Rows[1].Files)
	require.Len(t, mem.Rows[1].Resolutions, 1)
	require.Empty(t, preimages(t, fx.Work))
}

// A canary without -verify whose conflicts the rr-cache cannot resolve makes no worktree at all.
func TestCanaryWithoutVerifyMakesNoWorktree(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{FollowUp: true})
	require.NoError(t, err)
	m, _ := release.ParseMinor("4.14")
	var progress strings.Builder
	res, err := Run(ctx, Options{Dir: fx.Work, Release: m, Onto: "upstream/release-4.15", Progress: &progress})
	require.ErrorIs(t, err, ErrNeedsPerson)
	require.Equal(t, 2, res.Count(Conflict))
	_, err = os.Stat(filepath.Join(fx.Work, ".git", "releasekit", "worktrees"))
	if err == nil {
		entries, _ := os.ReadDir(filepath.Join(fx.Work, ".git", "releasekit", "worktrees"))
		require.Empty(t, entries)
	}
	require.NotContains(t, gitOut(t, fx.Work, "worktree", "list"), "canary-")
	// nothing of the user's moved: HEAD's tree is release-4.14-azure's
	require.Equal(t, gitOut(t, fx.Work, "rev-parse", "origin/release-4.14-azure"), gitOut(t, fx.Work, "rev-parse", "HEAD"))
}

// onto4_15WithAMissingBlob is upstream 4.15 plus a commit whose version of path is a blob the
// repository does not have: a pick that must read it fails, the others do not.
func ontoWithAMissingBlob(t *testing.T, dir, path string) string {
	t.Helper()
	idx := filepath.Join(t.TempDir(), "index")
	env := append(os.Environ(), "GIT_INDEX_FILE="+idx)
	g := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	g("read-tree", "upstream/release-4.15")
	g("update-index", "--cacheinfo", "100644,"+strings.Repeat("5", 40)+","+path)
	tree := g("write-tree", "--missing-ok")
	return g("commit-tree", "-p", "upstream/release-4.15", "-m", "upstream: a file whose blob is missing", tree)
}

// A git error on one patch is that patch's row: the others are still tried, and the result (so
// the report) has every row.
func TestCanaryGitErrorOnOnePatchIsItsRow(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{FollowUp: true})
	require.NoError(t, err)
	// the bootstrap file, which carry #2 and the follow-up #9 change
	onto := ontoWithAMissingBlob(t, fx.Work, example.BootstrapConflict)
	m, _ := release.ParseMinor("4.14")
	res, err := Run(ctx, Options{Dir: fx.Work, Release: m, Onto: onto})
	require.ErrorIs(t, err, ErrNeedsPerson)
	require.NotNil(t, res, "the rows done are returned, so that -report is written")
	require.Len(t, res.Rows, 9)
	require.Equal(t, Failed, res.Rows[1].Outcome)
	require.Contains(t, res.Rows[1].Error, "5555555")
	require.Equal(t, Clean, res.Rows[0].Outcome)
	require.Equal(t, Clean, res.Rows[2].Outcome, "the patches after the error are still tried")
	require.Equal(t, []int{2}, res.Rows[2].Without)
	require.Contains(t, res.Markdown(), "### #2 `"+res.Rows[1].Short()+"` "+example.CarryBootstrapIP+": error")
	require.Contains(t, res.Summary(), "error")
	require.NotContains(t, gitOut(t, fx.Work, "worktree", "list"), "canary-")
}

// A pick stopped in the canary's worktree when the canary ends (interrupted, or a git error)
// leaves no rerere preimage: close clears them.
func TestCanaryCloseClearsAStoppedPicksPreimages(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{})
	require.NoError(t, err)
	repo := openRepo(t, fx.Work)
	onto, err := repo.Resolve(ctx, "upstream/release-4.15")
	require.NoError(t, err)
	m, _ := release.ParseMinor("4.14")
	rp, err := newReplay(ctx, repo, onto, Options{Dir: fx.Work, Release: m})
	require.NoError(t, err)
	wt, err := rp.worktree(ctx)
	require.NoError(t, err)
	c, err := repo.Resolve(ctx, strings.TrimSpace(gitOut(t, fx.Work, "log", "--format=%H", "-1", "--grep", "^"+example.CarryBootstrapIP+"$", "origin/release-4.14-azure")))
	require.NoError(t, err)
	rp.stopped = true
	o, err := wt.CherryPick(ctx, c)
	require.NoError(t, err)
	require.NotEmpty(t, o.Conflicts)
	require.NotEmpty(t, preimages(t, fx.Work), "rerere recorded the conflict")
	rp.close()
	require.Empty(t, preimages(t, fx.Work))
	require.NotContains(t, gitOut(t, fx.Work, "worktree", "list"), "canary-")
}

// A canary killed (kill -9) with a pick stopped in its worktree: Prune removes the worktree and
// the preimages it recorded, and leaves a running canary's alone.
func TestPruneClearsAKilledCanarysPreimages(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{})
	require.NoError(t, err)
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	stale := filepath.Join(fx.Work, ".git", "releasekit", "worktrees", "canary-"+strconv.Itoa(dead.Process.Pid)+"-9")
	gitOut(t, fx.Work, "worktree", "add", "-q", "--detach", stale, "upstream/release-4.15")
	c := strings.TrimSpace(gitOut(t, fx.Work, "log", "--format=%H", "-1", "--grep", "^"+example.CarryBootstrapIP+"$", "origin/release-4.14-azure"))
	cmd := exec.Command("git", "-c", "rerere.enabled=true", "cherry-pick", c)
	cmd.Dir = stale
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	require.NotEmpty(t, preimages(t, fx.Work))
	require.NoError(t, Prune(ctx, openRepo(t, fx.Work)))
	require.Empty(t, preimages(t, fx.Work))
	require.NotContains(t, gitOut(t, fx.Work, "worktree", "list"), "canary-")
}

func openRepo(t *testing.T, dir string) *git.Repo {
	t.Helper()
	r, err := git.Open(context.Background(), dir)
	require.NoError(t, err)
	return r
}

// Worktrees whose directories are gone are forgotten by Prune (a killed canary's, another
// tool's), so that one is added at the same path again; a Prune with nothing stale runs no git
// worktree prune.
func TestPruneForgetsAGoneCanaryOnlyWhenThereIsOne(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q")
	gitOut(t, dir, "commit", "-q", "--allow-empty", "-m", "one")
	repo := openRepo(t, dir)
	defer repo.Close()
	started := gittest.Started(t, &repo.Git.Env)
	prunes := func() int { return gittest.Count(started(), "worktree prune") }
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	stale := filepath.Join(dir, ".git", "releasekit", "worktrees", "canary-"+strconv.Itoa(dead.Process.Pid)+"-9")
	gitOut(t, dir, "worktree", "add", "-q", "--detach", stale)
	live := filepath.Join(dir, ".git", "releasekit", "worktrees", "canary-"+strconv.Itoa(os.Getppid())+"-9")
	gitOut(t, dir, "worktree", "add", "-q", "--detach", live)
	require.NoError(t, Prune(ctx, repo))
	assert.Zero(t, prunes(), "nothing stale: %q", started())
	assert.NotContains(t, gitOut(t, dir, "worktree", "list"), stale)

	// A killed canary's, and another tool's, removed by hand.
	other := filepath.Join(dir, ".git", "releasekit", "worktrees", "other")
	for _, p := range []string{stale, other} {
		gitOut(t, dir, "worktree", "add", "-q", "--detach", p)
		require.NoError(t, os.RemoveAll(p))
	}
	require.NoError(t, Prune(ctx, repo))
	assert.Positive(t, prunes(), "%q", started())
	list := gitOut(t, dir, "worktree", "list")
	assert.NotContains(t, list, stale)
	assert.NotContains(t, list, other)
	assert.Contains(t, list, live)
	gitOut(t, dir, "worktree", "add", "-q", "--detach", other)
}
