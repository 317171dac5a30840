package verify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/humanize"
)

// MaxPoolAge is how long a pool worktree may go unused before a run's Close removes it.
const MaxPoolAge = 14 * 24 * time.Hour

func poolName(n int) string { return git.PoolWorktreeName(n) }

var poolRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^pool-([1-9][0-9]*)(\.lock|\.size)?$`) })

// lockPool takes the lock of pool worktree n without waiting: ok is false when another run (or
// another pool of this process) holds it. The lock ends with the process, however it ends.
func lockPool(base string, n int) (*os.File, bool, error) {
	f, err := os.OpenFile(filepath.Join(base, git.PoolLockName(n)), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}

// poolNumbers lists the pool worktrees under base (their directories or their locks).
func poolNumbers(base string) []int {
	entries, _ := os.ReadDir(base)
	seen := map[int]bool{}
	for _, e := range entries {
		if m := poolRE().FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			seen[n] = true
		}
	}
	var ns []int
	for n := range seen {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

// sweep removes the pool worktrees that no run holds and that should says go (n, and how long
// since a run last used it), and returns their names and the disk they held.
func sweep(ctx context.Context, repo *git.Repo, base string, should func(n int, idle time.Duration) bool) ([]string, int64, error) {
	var removed []string
	var freed int64
	var errs []error
	for _, n := range poolNumbers(base) {
		f, ok, err := lockPool(base, n)
		if err != nil || !ok {
			continue
		}
		idle := time.Duration(0)
		if fi, err := f.Stat(); err == nil {
			idle = time.Since(fi.ModTime())
		}
		path := filepath.Join(base, poolName(n))
		if _, err := os.Stat(path); err == nil && should(n, idle) {
			size := diskUsage(path)
			worktreeMu.Lock()
			err := repo.RemoveWorktree(ctx, path)
			if err != nil {
				if err = os.RemoveAll(path); err == nil {
					err = repo.RemoveWorktree(ctx, path)
				}
			}
			worktreeMu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("remove the pool worktree %s: %w", path, err))
			} else {
				os.Remove(git.PoolSizeFile(path))
				removed = append(removed, poolName(n))
				freed += size
			}
		}
		f.Close()
	}
	return removed, freed, errors.Join(errs...)
}

// poolUsage is the disk the pool worktrees under base take: the size recorded when each was
// made (a checkout of the differences changes it little), measured when there is none.
func poolUsage(base string) int64 {
	var total int64
	for _, n := range poolNumbers(base) {
		path := filepath.Join(base, poolName(n))
		if _, err := os.Stat(path); err != nil {
			continue
		}
		if data, err := os.ReadFile(git.PoolSizeFile(path)); err == nil {
			if v, err := strconv.ParseInt(string(data), 10, 64); err == nil {
				total += v
				continue
			}
		}
		v := diskUsage(path)
		os.WriteFile(git.PoolSizeFile(path), []byte(strconv.FormatInt(v, 10)), 0o644)
		total += v
	}
	return total
}

// diskUsage is the disk the files under path take (their blocks).
func diskUsage(path string) int64 {
	var total int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			} else {
				total += fi.Size()
			}
		}
		return nil
	})
	return total
}

// GCOptions configure GC: fork:gc.
type GCOptions struct {
	// Dir is inside the repository.
	Dir string
	// MaxAge, when set, removes only the pool worktrees unused for longer; 0 removes them all.
	MaxAge time.Duration
	// PruneOthers, when set, removes what other users of the worktrees directory left when they
	// were killed (the edge passes canary.Prune: verify cannot import canary, which imports it).
	PruneOthers func(context.Context, *git.Repo) error
	// Note, when set, is told each worktree removed.
	Note func(string)
}

// GCResult is what GC removed.
type GCResult struct {
	// Removed are the pool worktrees removed; InUse how many a running verify holds (left).
	Removed []string `json:"removed"`
	InUse   int      `json:"inUse"`
	// Freed is the disk they held, in bytes.
	Freed int64 `json:"freedBytes"`
}

// Summary is one line.
func (r *GCResult) Summary() string {
	s := fmt.Sprintf("removed %d verify worktree(s), %s freed", len(r.Removed), humanize.Bytes(r.Freed))
	if r.InUse > 0 {
		s += fmt.Sprintf("; %d in use by a running verify, left", r.InUse)
	}
	return s
}

// GC removes the verify pool (releasekit/worktrees/pool-N) that fork:verify keeps between runs,
// except the worktrees a running verify holds, and what killed verifies and canaries left.
func GC(ctx context.Context, o GCOptions) (*GCResult, error) {
	if o.MaxAge < 0 {
		return nil, cli.Usage(fmt.Errorf("gc: the age must not be negative, not %s", o.MaxAge))
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	repo, err := git.Open(ctx, o.Dir)
	if err != nil {
		return nil, cli.Fail(err)
	}
	defer repo.Close()
	if err := Prune(ctx, repo); err != nil {
		return nil, cli.Fail(err)
	}
	if o.PruneOthers != nil {
		if err := o.PruneOthers(ctx, repo); err != nil {
			return nil, cli.Fail(err)
		}
	}
	base, err := repo.Worktrees(ctx)
	if err != nil {
		return nil, cli.Fail(err)
	}
	res := &GCResult{Removed: []string{}}
	before := poolNumbers(base)
	removed, freed, err := sweep(ctx, repo, base, func(_ int, idle time.Duration) bool { return o.MaxAge == 0 || idle > o.MaxAge })
	res.Removed, res.Freed = append(res.Removed, removed...), freed
	for _, n := range before {
		if _, err := os.Stat(filepath.Join(base, poolName(n))); err != nil {
			continue
		}
		if f, ok, _ := lockPool(base, n); ok {
			f.Close()
		} else {
			res.InUse++
		}
	}
	if o.Note != nil {
		for _, r := range removed {
			o.Note("removed the verify worktree " + r)
		}
	}
	if err != nil {
		return res, cli.Fail(err)
	}
	return res, repo.PruneWorktrees(ctx)
}
