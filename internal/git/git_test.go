package git

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/netutil/netutiltest"
)

func TestMain(m *testing.M) {
	// Pin git's identity and config for the whole process.
	gittest.Setenv(map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
		"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
	})
	if dir := os.Getenv(readsOnlyEnv); dir != "" {
		os.Exit(readsOnly(dir))
	}
	os.Exit(gittest.Run(m))
}

// testEnv runs the test in parallel with the others: each has repositories of its own, and
// git's environment is TestMain's.
func testEnv(t *testing.T) {
	t.Parallel()
}

func run(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func TestRunnerErrorNamesCommandAndStderr(t *testing.T) {
	dir := t.TempDir()
	_, err := Runner{Dir: dir}.Run(context.Background(), "rev-parse", "--verify", "nope")
	require.Error(t, err)
	var ce *CommandError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 128, ce.ExitCode)
	assert.Contains(t, err.Error(), "git rev-parse --verify nope")
	assert.Contains(t, err.Error(), "not a git repository")
	assert.Equal(t, 128, ExitCode(err))
	assert.Equal(t, -1, ExitCode(errors.New("other")))
}

func TestRunnerHonoursCancellation(t *testing.T) {
	testEnv(t)
	// A server that accepts and never answers: git waits on it, as on a hung network.
	addr := netutiltest.Listen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Runner{Dir: t.TempDir()}.Run(ctx, "ls-remote", "http://"+addr+"/repo.git")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "git ls-remote")
	// Generous, for a loaded machine: a git that ignored the context would wait forever.
	assert.Less(t, time.Since(start), 30*time.Second, "git was not stopped when the context ended")
}

func TestOpenAndReads(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	_, err := Open(ctx, t.TempDir())
	require.ErrorIs(t, err, ErrNotRepository)

	dir := t.TempDir()
	run(t, dir, nil, "init", "-q", "-b", "main")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "a"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a", "f.txt"), []byte("one\n"), 0o644))
	run(t, dir, nil, "add", "-A")
	run(t, dir, nil, "commit", "-q", "-m", "first")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a", "g.txt"), []byte("two\n"), 0o644))
	run(t, dir, nil, "add", "-A")
	run(t, dir, nil, "commit", "-q", "-m", "second\n\nbody")

	r, err := Open(ctx, filepath.Join(dir, "a")) // from a subdirectory
	require.NoError(t, err)
	assert.Equal(t, dir, r.Dir)
	b, err := r.ReadFile(ctx, "HEAD~1", "a/f.txt")
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(b))
	_, err = r.ReadFile(ctx, "HEAD~1", "a/g.txt")
	require.ErrorIs(t, err, ErrPathNotFound)
	paths, err := r.ChangedPaths(ctx, "HEAD~1", "HEAD")
	require.NoError(t, err)
	assert.Equal(t, []string{"a/g.txt"}, paths)
	c, err := r.Commit(ctx, "HEAD")
	require.NoError(t, err)
	assert.Equal(t, "second", c.Subject)
	br, err := r.CurrentBranch(ctx)
	require.NoError(t, err)
	assert.Equal(t, "main", br)

	for _, bad := range []string{"-rf", "--all", "a..b", "HEAD ~1", ""} {
		_, err := r.Resolve(ctx, bad)
		assert.Error(t, err, bad)
	}
	_, err = r.Resolve(ctx, "no-such-branch")
	require.ErrorIs(t, err, ErrUnknownRevision)
	assert.Contains(t, err.Error(), "no-such-branch")
}

// TestLogMatchesGit builds random histories with branches and merges and checks that the
// two-sided walk lists exactly what git log lists, in the same order.
func TestLogMatchesGit(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	for seed := int64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel() // each seed has its repository
			rng := rand.New(rand.NewSource(seed))
			dir := t.TempDir()
			run(t, dir, nil, "init", "-q", "-b", "main")
			clock := int64(1700000000)
			commit := func(msg string) {
				clock += 60 + rng.Int63n(60)
				env := []string{fmt.Sprintf("GIT_AUTHOR_DATE=%d +0000", clock), fmt.Sprintf("GIT_COMMITTER_DATE=%d +0000", clock)}
				run(t, dir, env, "commit", "-q", "--allow-empty", "-m", msg)
			}
			merge := func(branch string) {
				clock += 60
				env := []string{fmt.Sprintf("GIT_AUTHOR_DATE=%d +0000", clock), fmt.Sprintf("GIT_COMMITTER_DATE=%d +0000", clock)}
				run(t, dir, env, "merge", "-q", "--no-ff", "-m", "Merge "+branch, branch)
			}
			for i := 0; i < 30; i++ {
				commit(fmt.Sprintf("upstream %d", i))
				if rng.Intn(5) == 0 {
					run(t, dir, nil, "checkout", "-q", "-b", fmt.Sprintf("pr%d", i))
					commit(fmt.Sprintf("pr %d", i))
					run(t, dir, nil, "checkout", "-q", "main")
					commit(fmt.Sprintf("upstream %d b", i))
					merge(fmt.Sprintf("pr%d", i))
				}
			}
			run(t, dir, nil, "branch", "base")
			run(t, dir, nil, "checkout", "-q", "-b", "fork")
			for i := 0; i < 10; i++ {
				commit(fmt.Sprintf("CARRY: %d", i))
				if i == 4 {
					run(t, dir, nil, "checkout", "-q", "-b", "side")
					commit("CARRY: side")
					run(t, dir, nil, "checkout", "-q", "fork")
					commit("CARRY: after side")
					merge("side")
				}
			}
			run(t, dir, nil, "checkout", "-q", "main")
			for i := 0; i < 5; i++ {
				commit(fmt.Sprintf("upstream later %d", i))
			}
			want := run(t, dir, nil, "log", "--reverse", "--topo-order", "--no-merges", "--format=%H", "base..fork")
			r, err := Open(ctx, dir)
			require.NoError(t, err)
			for _, base := range []string{"base", "main"} {
				cs, err := r.Log(ctx, base, "fork")
				require.NoError(t, err)
				var got []string
				pos := map[string]int{}
				for i, c := range cs {
					got = append(got, c.Hash.String())
					pos[c.Hash.String()] = i
				}
				assert.ElementsMatch(t, strings.Split(want, "\n"), got, "base %s", base)
				for _, c := range cs {
					for _, p := range c.Parents {
						if j, ok := pos[p.String()]; ok {
							assert.Less(t, j, pos[c.Hash.String()], "%s listed before its parent", c.Subject)
						}
					}
				}
			}
		})
	}
}

// A fetch from a server that accepts and never answers gives up after the stall time, with an
// error that says so; no context deadline is needed.
func TestFetchGivesUpOnAStalledServer(t *testing.T) {
	testEnv(t)
	addr := netutiltest.Listen(t)
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q")
	run(t, dir, nil, "remote", "add", "upstream", "http://"+addr+"/repo.git")
	r, err := Open(context.Background(), dir)
	require.NoError(t, err)
	err = r.Fetch(context.Background(), "upstream", FetchOptions{Stall: time.Second})
	var stalled *StalledError
	require.ErrorAs(t, err, &stalled)
	assert.Equal(t, "upstream", stalled.Remote)
	assert.Contains(t, err.Error(), "fetch upstream: no data for 1s, gave up")
}

// A URL's user and token never show in a git error.
func TestCommandErrorRedactsURLs(t *testing.T) {
	testEnv(t)
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q")
	_, err := Runner{Dir: dir}.Run(context.Background(), "ls-remote", "http://bot:s3cret@127.0.0.1:1/repo.git")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
	assert.Contains(t, err.Error(), "http://REDACTED@127.0.0.1:1/repo.git")
}

// The repository-state errors carry the hint that fits the cause.
func TestReadyErrors(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	r, err := Open(ctx, dir)
	require.NoError(t, err)
	require.NoError(t, r.Ready(ctx))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("2\n"), 0o644))
	err = r.Ready(ctx)
	var dirty *DirtyError
	require.ErrorAs(t, err, &dirty)
	assert.Contains(t, err.Error(), "hint: commit or stash your changes")
	run(t, dir, nil, "checkout", "--", "f")

	require.NoError(t, os.WriteFile(filepath.Join(dir, ".git", "MERGE_HEAD"), []byte("x\n"), 0o644))
	err = r.Ready(ctx)
	var op *OperationError
	require.ErrorAs(t, err, &op)
	assert.Contains(t, err.Error(), `"git merge --abort"`)
	assert.NotContains(t, err.Error(), "stash")
	require.NoError(t, os.Remove(filepath.Join(dir, ".git", "MERGE_HEAD")))

	require.NoError(t, os.WriteFile(filepath.Join(dir, ".git", "index.lock"), nil, 0o644))
	var busy *BusyError
	require.ErrorAs(t, r.Ready(ctx), &busy)
}

// oneCommit is a repository on main with one commit of one file f, in a temporary directory.
// concurrently runs f(0) to f(n-1) at once, and fails the test with every error they return:
// the concurrency tests' many goroutines on one Repo.
func concurrently(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func oneCommit(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q", "-b", "main")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("1\n"), 0o644))
	run(t, dir, nil, "add", "f")
	run(t, dir, nil, "commit", "-qm", "one")
	return dir
}

// germanGit sets the environment of a German user whose git has its German catalogue: with
// LANGUAGE=de, gettext translates even under the C.UTF-8 locale, which every glibc has.
func germanGit(t *testing.T) {
	t.Setenv("LANGUAGE", "de")
	t.Setenv("LANG", "de_DE.UTF-8")
	t.Setenv("LC_ALL", "C.UTF-8")
	out, _ := exec.Command("git", "-C", t.TempDir(), "rev-parse", "--git-dir").CombinedOutput()
	if strings.Contains(string(out), "not a git repository") {
		t.Logf("this git has no German catalogue (%s): the test shows the English it always speaks", strings.TrimSpace(string(out)))
	}
}

// Git speaks English to the toolkit whatever the user's locale: every message it parses (rerere,
// conflicts, errors) is matched in English.
func TestRunnerSpeaksEnglish(t *testing.T) {
	// Not in parallel: it sets a German locale in the environment (t.Setenv).
	germanGit(t)
	_, err := Runner{Dir: t.TempDir()}.Run(context.Background(), "rev-parse", "--git-dir")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a git repository")
	// The child's environment: LC_ALL=C, and no LANGUAGE.
	dir := oneCommit(t)
	out, err := Runner{Dir: dir}.Run(context.Background(), "-c", "alias.env=!env", "env")
	require.NoError(t, err)
	var locale []string
	for _, kv := range strings.Split(out, "\n") {
		if strings.HasPrefix(kv, "LC_ALL=") || strings.HasPrefix(kv, "LANGUAGE=") {
			locale = append(locale, kv)
		}
	}
	assert.Equal(t, []string{"LC_ALL=C"}, locale)
}
