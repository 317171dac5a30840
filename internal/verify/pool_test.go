package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// bigFork is fork with a tree of n more files, so that git worktree add takes a while.
func bigFork(t *testing.T, n int) (string, []string) {
	dir, commits := fork(t, 2)
	for i := range n {
		d := filepath.Join(dir, "bulk", fmt.Sprintf("d%d", i/100))
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d", i)), []byte(fmt.Sprintf("%d\n", i)), 0o644))
	}
	sh(t, dir, "add", "-A")
	sh(t, dir, "commit", "-qm", "bulk")
	commits = append(commits, sh(t, dir, "rev-parse", "HEAD"))
	return dir, commits
}

// registered lists the linked worktrees git knows of, and the administrative directories it
// keeps for them.
func registered(t *testing.T, dir string) string {
	out := sh(t, dir, "worktree", "list", "--porcelain")
	var wts []string
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "worktree "); ok && p != dir {
			wts = append(wts, p)
		}
	}
	admin, _ := os.ReadDir(filepath.Join(dir, ".git", "worktrees"))
	for _, e := range admin {
		wts = append(wts, "admin:"+e.Name())
	}
	return strings.Join(wts, "\n")
}

// A verify cancelled while git worktree add runs, and the pool closed at once without waiting
// for it (as the sequence's scheduler does on a stop: cancel all, then Close) leaves no worktree
// registered: the flake of verify_parallel_stops, where a worktree verify-<pid>-N stayed
// registered after the stop because Close skipped the slot whose add had not returned yet.
func TestCloseRemovesAWorktreeCancelledWhileAdded(t *testing.T) {
	dir, commits := bigFork(t, 1500)
	repo, err := git.Open(context.Background(), dir)
	require.NoError(t, err)
	c := commits[len(commits)-1]
	tree := sh(t, dir, "rev-parse", c+"^{tree}")
	// How long an add takes here, to cancel at points all through it.
	p := &Pool{Repo: repo, Jobs: 1, LogDir: t.TempDir(), Command: "true", Reverify: true}
	start := time.Now()
	require.NoError(t, p.Verify(context.Background(), Job{Commit: plumbing.NewHash(c), Tree: tree}).Err)
	took := time.Since(start)
	p.Close(context.Background())
	require.Empty(t, registered(t, dir))
	base, err := repo.Worktrees(context.Background())
	require.NoError(t, err)
	for i := range 8 {
		delay := took * time.Duration(i) / 8
		ctx, cancel := context.WithCancel(context.Background())
		p := &Pool{Repo: repo, Jobs: 1, LogDir: t.TempDir(), Command: "true", Reverify: true}
		done := p.Start(ctx, Job{Commit: plumbing.NewHash(c), Tree: tree})
		if i%2 == 1 {
			// A stop: the verify cancelled part-way, the pool closed at once.
			time.Sleep(delay)
			cancel()
		} else {
			// Close while git worktree add runs (its directory is there), not cancelled: the
			// add finishes after Close was called.
			require.Eventually(t, func() bool {
				m, _ := filepath.Glob(filepath.Join(base, "verify-*"))
				return len(m) > 0
			}, time.Minute, time.Millisecond)
		}
		p.Close(context.Background())
		<-done
		cancel()
		require.Empty(t, registered(t, dir), "round %d: closed after %v of an add that takes %v", i, delay, took)
	}
}

func notes() (func(string), func() string) {
	var mu sync.Mutex
	var b strings.Builder
	return func(s string) { mu.Lock(); b.WriteString(s + "\n"); mu.Unlock() },
		func() string { mu.Lock(); defer mu.Unlock(); return b.String() }
}

// fork:verify's pool persists: the second run moves the worktrees (a checkout of the
// differences) instead of adding new ones; the pool is capped by -jobs, says how much disk it
// holds, and GC removes it.
func TestKeptPoolIsMovedNextRunCappedAndCollected(t *testing.T) {
	dir, commits := fork(t, 4)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	run := func(jobs int, cs ...string) string {
		note, got := notes()
		p := &Pool{Repo: repo, Jobs: jobs, LogDir: t.TempDir(), Command: "test ! -e junk && touch junk", Reverify: true, Keep: true, Note: note}
		var chans []<-chan Outcome
		for _, c := range cs {
			chans = append(chans, p.Start(ctx, Job{Commit: plumbing.NewHash(c), Tree: sh(t, dir, "rev-parse", c+"^{tree}")}))
		}
		for _, ch := range chans {
			o := <-ch
			require.NoError(t, o.Err)
			require.Equal(t, Pass, o.Record.Result, Tail(o.Log, 5))
		}
		p.Close(ctx)
		return got()
	}
	first := run(2, commits[0], commits[1])
	assert.Contains(t, first, "creating the worktree pool-1")
	assert.Contains(t, first, "creating the worktree pool-2")
	assert.Regexp(t, `kept 2 worktree\(s\) for the next run; the pool holds [0-9.]+ (B|KiB|MiB|GiB)`, first)
	list, _, err := repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{filepath.Join(base, "pool-1"), filepath.Join(base, "pool-2")}, list)

	second := run(2, commits[2], commits[3])
	assert.NotContains(t, second, "creating")
	assert.Contains(t, second, "moved the worktree pool-1")
	assert.Contains(t, second, "moved the worktree pool-2")
	heads := []string{sh(t, filepath.Join(base, "pool-1"), "rev-parse", "HEAD"), sh(t, filepath.Join(base, "pool-2"), "rev-parse", "HEAD")}
	assert.ElementsMatch(t, []string{commits[2], commits[3]}, heads)

	// -jobs=1: the pool is capped at one worktree
	third := run(1, commits[0])
	assert.Contains(t, third, "removed the pool worktree pool-2")
	list, _, err = repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(base, "pool-1")}, list)

	// a pool worktree a run holds is not collected; the others are
	f, ok, err := lockPool(base, 1)
	require.NoError(t, err)
	require.True(t, ok)
	res, err := GC(ctx, GCOptions{Dir: dir})
	require.NoError(t, err)
	assert.Empty(t, res.Removed)
	assert.Equal(t, 1, res.InUse)
	f.Close()
	res, err = GC(ctx, GCOptions{Dir: dir, MaxAge: time.Hour})
	require.NoError(t, err)
	assert.Empty(t, res.Removed, "used just now")
	res, err = GC(ctx, GCOptions{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, []string{"pool-1"}, res.Removed)
	assert.Positive(t, res.Freed)
	assert.Contains(t, res.Summary(), "removed 1 verify worktree(s)")
	assert.Empty(t, registered(t, dir))
	assert.NoDirExists(t, filepath.Join(base, "pool-1"))
}

// Two runs at once never share a pool worktree: the second takes the next one.
func TestKeptPoolIsNeverSharedByTwoRuns(t *testing.T) {
	dir, commits := fork(t, 2)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	a := &Pool{Repo: repo, Jobs: 1, LogDir: t.TempDir(), Command: "true", Reverify: true, Keep: true}
	b := &Pool{Repo: repo, Jobs: 1, LogDir: t.TempDir(), Command: "true", Reverify: true, Keep: true}
	require.NoError(t, a.Verify(ctx, Job{Commit: plumbing.NewHash(commits[0]), Tree: sh(t, dir, "rev-parse", commits[0]+"^{tree}")}).Err)
	require.NoError(t, b.Verify(ctx, Job{Commit: plumbing.NewHash(commits[1]), Tree: sh(t, dir, "rev-parse", commits[1]+"^{tree}")}).Err)
	assert.Equal(t, commits[0], sh(t, filepath.Join(base, "pool-1"), "rev-parse", "HEAD"))
	assert.Equal(t, commits[1], sh(t, filepath.Join(base, "pool-2"), "rev-parse", "HEAD"))
	b.Close(ctx)
	a.Close(ctx)
	// each run keeps at most its -jobs: pool-2, past b's one, goes
	list, _, err := repo.ListWorktrees(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(base, "pool-1")}, list)
}

// A pool worktree left half-made (a run killed inside git worktree add: a directory, no record)
// is repaired: the next run adds it afresh.
func TestKeptPoolRepairsAHalfMadeWorktree(t *testing.T) {
	dir, commits := fork(t, 1)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(base, "pool-1", "half"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(base, "pool-1", ".git"), []byte("gitdir: /nowhere\n"), 0o644))
	require.NoError(t, Prune(ctx, repo))
	p := &Pool{Repo: repo, Jobs: 1, LogDir: t.TempDir(), Command: "test ! -e half", Reverify: true, Keep: true}
	o := p.Verify(ctx, Job{Commit: plumbing.NewHash(commits[0]), Tree: sh(t, dir, "rev-parse", commits[0]+"^{tree}")})
	require.NoError(t, o.Err)
	assert.Equal(t, Pass, o.Record.Result)
	p.Close(ctx)
	assert.Equal(t, commits[0], sh(t, filepath.Join(base, "pool-1"), "rev-parse", "HEAD"))
}
