package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
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

// gitEnv runs the test in parallel with the others: each has a repository of its own, and
// git's environment is TestMain's.
func gitEnv(t *testing.T) {
	t.Parallel()
}

func sh(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// fork builds a repository with upstream/release-4.15 and release-4.15-azure = upstream + n
// carry commits; carry i writes file c<i> holding "ok" or, for those in bad, "bad".
func fork(t *testing.T, n int, bad ...int) (dir string, commits []string) {
	gitEnv(t)
	dir = t.TempDir()
	sh(t, dir, "init", "-q", "-b", "release-4.15-azure")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("upstream\n"), 0o644))
	sh(t, dir, "add", ".")
	sh(t, dir, "commit", "-qm", "upstream")
	sh(t, dir, "update-ref", "refs/remotes/upstream/release-4.15", "HEAD")
	for i := 1; i <= n; i++ {
		body := "ok\n"
		for _, b := range bad {
			if b == i {
				body = "bad\n"
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("c%d", i)), []byte(body), 0o644))
		sh(t, dir, "add", ".")
		sh(t, dir, "commit", "-qm", fmt.Sprintf("CARRY: patch %d", i))
		commits = append(commits, sh(t, dir, "rev-parse", "HEAD"))
	}
	return dir, commits
}

// checkAll fails when any c<i> file says bad, and counts its runs in counter.
func checkAll(counter string) string {
	return "echo run >> '" + counter + "'; ! grep -q bad c*"
}

func runs(t *testing.T, counter string) int {
	b, err := os.ReadFile(counter)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(b), "run\n")
}

func opts(dir, command string) Options {
	return Options{Dir: dir, Release: release.Minor{Major: 4, Minor: 15}, Command: command, Host: "builder-1",
		Now: func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }}
}

func TestRunVerifiesEachCommitThenCaches(t *testing.T) {
	dir, commits := fork(t, 4)
	counter := filepath.Join(t.TempDir(), "count")
	o := opts(dir, checkAll(counter))
	o.Jobs = 3
	res, err := Run(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, res.Rows, 4)
	for i, row := range res.Rows {
		assert.Equal(t, i+1, row.N)
		assert.Equal(t, commits[i], row.Commit)
		assert.Equal(t, fmt.Sprintf("CARRY: patch %d", i+1), row.Subject)
		assert.Equal(t, Pass, row.Result)
	}
	assert.Equal(t, 4, runs(t, counter))
	assert.Equal(t, "release-4.15-azure", res.Branch)

	// Second run: every tree passed, nothing runs.
	res, err = Run(context.Background(), o)
	require.NoError(t, err)
	for _, row := range res.Rows {
		assert.Equal(t, Cached, row.Result)
		assert.Equal(t, "builder-1", row.Host)
	}
	assert.Equal(t, 4, runs(t, counter))

	// -reverify ignores the cache.
	o.Reverify = true
	_, err = Run(context.Background(), o)
	require.NoError(t, err)
	assert.Equal(t, 8, runs(t, counter))

	// The worktrees stay as a pool for the next run: at most -jobs, none of a run's own.
	out := sh(t, dir, "worktree", "list", "--porcelain")
	assert.LessOrEqual(t, strings.Count(out, "worktree "), 1+o.Jobs, out)
	assert.NotContains(t, out, "/verify-")

	// Another command is another key.
	o2 := opts(dir, checkAll(counter)+" # other")
	res, err = Run(context.Background(), o2)
	require.NoError(t, err)
	assert.Equal(t, Pass, res.Rows[0].Result)
}

func TestRunFailureIsNamedAndNeverCached(t *testing.T) {
	dir, commits := fork(t, 4, 2)
	counter := filepath.Join(t.TempDir(), "count")
	o := opts(dir, checkAll(counter))
	o.Jobs = 2
	res, err := Run(context.Background(), o)
	var fe *FailedError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, cli.ExitFailed, cli.Code(err))
	assert.Equal(t, commits[1], fe.First.Commit)
	assert.Equal(t, 3, fe.Failed, "commit 2 breaks 2, 3 and 4")
	assert.Contains(t, err.Error(), "the first is 2/4 "+commits[1][:7]+"... CARRY: patch 2")
	assert.Equal(t, []string{Pass, Fail, Fail, Fail}, results(res))
	assert.Equal(t, 4, runs(t, counter))

	// Failures run again; the pass stays cached.
	res, _ = Run(context.Background(), o)
	assert.Equal(t, []string{Cached, Fail, Fail, Fail}, results(res))
	assert.Equal(t, 7, runs(t, counter))

	// The matrix lists what still needs a verify.
	o.Matrix = true
	res, err = Run(context.Background(), o)
	require.NoError(t, err)
	m := res.Matrix()["include"]
	assert.Len(t, m, 3)
	assert.Equal(t, 7, runs(t, counter), "a matrix runs nothing")
}

func results(res Result) []string {
	var out []string
	for _, r := range res.Rows {
		out = append(out, r.Result)
	}
	return out
}

func TestRunOneCommit(t *testing.T) {
	dir, commits := fork(t, 3)
	counter := filepath.Join(t.TempDir(), "count")
	o := opts(dir, checkAll(counter))
	o.Commit = commits[1][:10]
	res, err := Run(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, 2, res.Rows[0].N)
	assert.Equal(t, 3, res.Total)
	assert.Equal(t, 1, runs(t, counter))

	o.Commit = "HEAD~3" // upstream's commit: not part of the series
	_, err = Run(context.Background(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a commit of release-4.15-azure over upstream/release-4.15")
}

func TestRunRefusesBadInput(t *testing.T) {
	dir, _ := fork(t, 1)
	o := opts(dir, "")
	_, err := Run(context.Background(), o)
	require.ErrorContains(t, err, "no verify command")
	o = opts(dir, "true")
	o.Jobs = -1
	_, err = Run(context.Background(), o)
	require.ErrorIs(t, err, ErrJobs)
	o = opts(dir, "true")
	o.Remotes.Upstream = "nowhere"
	_, err = Run(context.Background(), o)
	require.ErrorContains(t, err, "nowhere/release-4.15 does not exist")
}

// Hand-written, corrupt or misplaced notes are ignored with a warning and never trusted.
func TestCorruptNotesAreNotTrusted(t *testing.T) {
	dir, commits := fork(t, 1)
	tree := sh(t, dir, "rev-parse", commits[0]+"^{tree}")
	other := sh(t, dir, "rev-parse", "HEAD~1^{tree}")
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	var warnings []string
	// A Cache reads the notes once: each lookup here is a new one, as a new run would be.
	fresh := func() *Cache { return &Cache{Repo: repo, Warn: func(s string) { warnings = append(warnings, s) }} }
	good := fmt.Sprintf(`{"v":1,"tree":"%s","command":"true","result":"pass","seconds":1,"host":"h","time":"2026-01-01T00:00:00Z"}`, tree)
	for name, note := range map[string]string{
		"hand-written":   "pass",
		"not json":       "{result: pass",
		"other tree":     strings.Replace(good, tree, other, 1),
		"unknown result": strings.Replace(good, `"pass"`, `"ok"`, 1),
		"no host":        strings.Replace(good, `"host":"h",`, "", 1),
		"future version": strings.Replace(good, `"v":1`, `"v":2`, 1),
		"extra field":    strings.Replace(good, `"v":1`, `"v":1,"trusted":true`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			warnings = nil
			sh(t, dir, "notes", "--ref="+NotesRef, "add", "-f", "-m", note, tree)
			_, ok, err := fresh().Hit(ctx, tree, "true")
			require.NoError(t, err)
			assert.False(t, ok)
			require.Len(t, warnings, 1)
			assert.Contains(t, warnings[0], "not trusted as a pass")
		})
	}
	// A good line next to a bad one is still found, with a warning for the bad one.
	warnings = nil
	sh(t, dir, "notes", "--ref="+NotesRef, "add", "-f", "-m", "garbage\n"+good, tree)
	c := fresh()
	rec, ok, err := c.Hit(ctx, tree, "true")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "h", rec.Host)
	assert.Len(t, warnings, 1)

	// Saving drops the untrusted lines and keeps the records, sorted.
	require.NoError(t, c.Save(ctx, Record{Tree: tree, Command: "make", Result: Fail, Host: "h2", Time: time.Unix(1, 0).UTC()}))
	note := sh(t, dir, "notes", "--ref="+NotesRef, "show", tree)
	assert.NotContains(t, note, "garbage")
	assert.Equal(t, 2, strings.Count(note, "\n")+1)
	warnings = nil
	_, ok, _ = fresh().Hit(ctx, tree, "make")
	assert.False(t, ok, "a failure is never a hit")
	assert.Empty(t, warnings)
}

// A local verify replaces the records of its (tree, command): a pass after a failure is a hit,
// a failure after a pass is not. The records of another command stay.
func TestLocalVerifyReplacesItsRecords(t *testing.T) {
	dir, commits := fork(t, 1)
	tree := sh(t, dir, "rev-parse", commits[0]+"^{tree}")
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	c := &Cache{Repo: repo}
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	require.NoError(t, c.Save(ctx, Record{Tree: tree, Command: "other", Result: Pass, Host: "a", Time: at(1)}))
	require.NoError(t, c.Save(ctx, Record{Tree: tree, Command: "x", Result: Fail, Host: "a", Time: at(1)}))
	require.NoError(t, c.Save(ctx, Record{Tree: tree, Command: "x", Result: Pass, Host: "b", Time: at(2)}))
	rec, ok, err := c.Hit(ctx, tree, "x")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "b", rec.Host)
	// An earlier clock changes nothing: the local verify is the latest.
	require.NoError(t, c.Save(ctx, Record{Tree: tree, Command: "x", Result: Fail, Host: "c", Time: at(0)}))
	_, ok, _ = c.Hit(ctx, tree, "x")
	assert.False(t, ok)
	note, _, err := repo.ShowNote(ctx, NotesRef, tree)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(note, "\n"), note)
	_, ok, _ = c.Hit(ctx, tree, "other")
	assert.True(t, ok, "another command's pass stays")
}

// Which record decides never rests on the times the hosts wrote: a pass stamped in the future
// (a CI runner with a fast clock) does not outrank a failure, whether the failure was recorded
// here after it (a -reverify) or came in with a merge of the notes; -matrix then lists the
// commit. The failure wins whatever the times.
func TestFailureWinsWhateverTheClocks(t *testing.T) {
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		passAt, failAt time.Time
		merged         bool
	}{
		"reverify fails after a future pass":    {passAt: future, failAt: now},
		"merged future pass and local failure":  {passAt: future, failAt: now, merged: true},
		"merged pass and future failure":        {passAt: now, failAt: future, merged: true},
		"merged pass and failure, same instant": {passAt: now, failAt: now, merged: true},
	} {
		t.Run(name, func(t *testing.T) {
			dir, commits := fork(t, 1)
			tree := sh(t, dir, "rev-parse", commits[0]+"^{tree}")
			ctx := context.Background()
			repo, err := git.Open(ctx, dir)
			require.NoError(t, err)
			c := &Cache{Repo: repo}
			o := opts(dir, "true")
			pass := Record{Tree: tree, Commit: commits[0], Command: o.Command, Result: Pass, Host: "ci-runner", Time: tc.passAt}
			fail := Record{Tree: tree, Commit: commits[0], Command: o.Command, Result: Fail, Host: "builder-1", Time: tc.failAt}
			if tc.merged {
				// The note as git notes merge -s cat_sort_uniq leaves it: sorted lines.
				p, err := marshalLine(Record{V: noteVersion, Tree: pass.Tree, Commit: pass.Commit, Command: pass.Command, Result: pass.Result, Host: pass.Host, Time: pass.Time})
				require.NoError(t, err)
				f, err := marshalLine(Record{V: noteVersion, Tree: fail.Tree, Commit: fail.Commit, Command: fail.Command, Result: fail.Result, Host: fail.Host, Time: fail.Time})
				require.NoError(t, err)
				lines := []string{p, f}
				slices.Sort(lines)
				cmd := exec.Command("git", "notes", "--ref="+NotesRef, "add", "-f", "-m", strings.Join(lines, "\n"), tree)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s", out)
			} else {
				require.NoError(t, c.Save(ctx, pass))
				_, ok, err := c.Hit(ctx, tree, o.Command)
				require.NoError(t, err)
				require.True(t, ok)
				require.NoError(t, c.Save(ctx, fail))
			}
			_, ok, err := (&Cache{Repo: repo}).Hit(ctx, tree, o.Command)
			require.NoError(t, err)
			assert.False(t, ok, "a failure is not outranked by a pass's clock")

			o.Matrix = true
			res, err := Run(ctx, o)
			require.NoError(t, err)
			require.Len(t, res.Rows, 1, "-matrix lists the commit")
			assert.Equal(t, commits[0], res.Rows[0].Commit)
		})
	}
}

// A verify that hangs, with a child in the background, is stopped group and all when the
// context is cancelled (Ctrl-C, SIGTERM); nothing is recorded and the worktree is removed.
func TestCancelKillsTheGroupAndRecordsNothing(t *testing.T) {
	dir, commits := fork(t, 1)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	pidfile := filepath.Join(t.TempDir(), "pid")
	started := filepath.Join(t.TempDir(), "started")
	p := &Pool{Repo: repo, Command: "sleep 300 & echo $! > '" + pidfile + "'; : > '" + started + "'; wait", LogDir: t.TempDir()}
	cctx, cancel := context.WithCancel(ctx)
	tree := sh(t, dir, "rev-parse", commits[0]+"^{tree}")
	ch := p.Start(cctx, Job{Commit: plumbing.NewHash(commits[0]), Tree: tree})
	require.Eventually(t, func() bool { _, err := os.Stat(started); return err == nil }, time.Minute, 20*time.Millisecond)
	cancel()
	o := <-ch
	require.ErrorIs(t, o.Err, context.Canceled)
	p.Close(ctx)
	b, err := os.ReadFile(pidfile)
	require.NoError(t, err)
	var pid int
	fmt.Sscan(string(b), &pid)
	require.Eventually(t, func() bool { return syscall.Kill(pid, 0) != nil }, time.Minute, 20*time.Millisecond, "the background sleep survived")
	_, found, err := repo.ShowNote(ctx, NotesRef, tree)
	require.NoError(t, err)
	assert.False(t, found)
	out := sh(t, dir, "worktree", "list", "--porcelain")
	assert.Equal(t, 1, strings.Count(out, "worktree "), out)
}

// Worktrees of a run that was killed are removed on the next start; those of a live run stay.
func TestPruneRemovesWhatDeadRunsLeft(t *testing.T) {
	dir, commits := fork(t, 1)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	gone := filepath.Join(base, fmt.Sprintf("verify-%d-1", dead.Process.Pid))
	live := filepath.Join(base, fmt.Sprintf("verify-%d-1", os.Getppid()))
	other := filepath.Join(base, "canary-1")
	stray := filepath.Join(base, fmt.Sprintf("verify-%d-2", dead.Process.Pid))
	for _, p := range []string{gone, live, other} {
		require.NoError(t, repo.AddWorktree(ctx, p, plumbing.NewHash(commits[0])))
	}
	require.NoError(t, os.MkdirAll(stray, 0o755))
	require.NoError(t, Prune(ctx, repo))
	assert.NoDirExists(t, gone)
	assert.NoDirExists(t, stray)
	assert.DirExists(t, live)
	assert.DirExists(t, other)
	list, _, err := repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{live, other}, list)
}

// A pool worktree whose directory was removed by hand is forgotten by the next start's Prune,
// so that a worktree is added at its path again; a start with nothing stale runs no git
// worktree prune.
func TestPruneForgetsARemovedWorktreeOnlyWhenThereIsOne(t *testing.T) {
	dir, commits := fork(t, 1)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	defer repo.Close()
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	started := gittest.Started(t, &repo.Git.Env)
	prunes := func() int { return gittest.Count(started(), "worktree prune") }
	live := filepath.Join(base, git.PoolWorktreeName(1))
	require.NoError(t, repo.AddWorktree(ctx, live, plumbing.NewHash(commits[0])))
	require.NoError(t, Prune(ctx, repo))
	assert.Zero(t, prunes(), "nothing stale: %q", started())
	assert.DirExists(t, live)

	require.NoError(t, os.RemoveAll(live))
	require.NoError(t, Prune(ctx, repo))
	assert.Equal(t, 1, prunes(), "%q", started())
	assert.Empty(t, registered(t, dir))
	require.NoError(t, repo.AddWorktree(ctx, live, plumbing.NewHash(commits[0])), "added again at the same path")
	assert.Equal(t, commits[0], sh(t, live, "rev-parse", "HEAD"))
}

// A worktree moved to the next job's commit is what a new worktree would be: the commit's
// files, no build outputs of the last verify, no change it made to tracked files.
func TestReusedWorktreeIsLikeANewOne(t *testing.T) {
	dir, commits := fork(t, 3)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	// Leaves junk behind, changes a tracked file, and fails if it finds either.
	p := &Pool{Repo: repo, Jobs: 1, LogDir: t.TempDir(),
		Command: "test ! -e junk && ! grep -q dirty README && echo x > junk && echo dirty >> README && test -e c1"}
	defer p.Close(ctx)
	for i, c := range commits {
		tree := sh(t, dir, "rev-parse", c+"^{tree}")
		o := p.Verify(ctx, Job{Commit: plumbing.NewHash(c), Tree: tree})
		require.NoError(t, o.Err)
		assert.Equal(t, Pass, o.Record.Result, "commit %d: %s", i+1, Tail(o.Log, 5))
	}
	p.Close(ctx)
	out := sh(t, dir, "worktree", "list", "--porcelain")
	assert.Equal(t, 1, strings.Count(out, "worktree "), out)
}

// A commit's subject is its first line, as in every other target, not git's %s (the first
// paragraph joined into one line).
func TestRowSubjectIsTheFirstLine(t *testing.T) {
	dir, _ := fork(t, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c2"), []byte("ok\n"), 0o644))
	sh(t, dir, "add", ".")
	sh(t, dir, "commit", "-qm", "CARRY: a subject\nthat wraps onto a second line\n\nthe body")
	res, err := Run(context.Background(), opts(dir, "true"))
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	assert.Equal(t, "CARRY: a subject", res.Rows[1].Subject)
}
