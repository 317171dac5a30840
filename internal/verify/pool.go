package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/proc"
	"github.com/aro-releasekit/releasekit/internal/usercmd"
)

// ErrJobs is a Jobs option below 0 (0 means 1).
var ErrJobs = errors.New("jobs must be a whole number of 1 or more")

// Job is one commit to verify.
type Job struct {
	Commit plumbing.Hash
	// Tree is the commit's tree, the key of its result.
	Tree string
	// Name names the log file (without extension); empty: the commit's short hash.
	Name string
	// Watch follows the command while it runs (heartbeat, live output); zero: not followed.
	Watch usercmd.Watch
}

// Outcome is how a job ended.
type Outcome struct {
	Job Job
	// Record is the result: run now, or found in the notes (Cached).
	Record Record
	Cached bool
	// Log is the full log of a run made now.
	Log string
	// Err is a verify that could not run or was cancelled (not a failing command).
	Err error
}

// Pool verifies commits, up to Jobs at a time, each in a detached worktree under
// `git rev-parse --git-path releasekit/worktrees` that no other verify uses meanwhile, and
// records each result in the notes. Close removes the worktrees, or with Keep leaves them for
// the next run.
type Pool struct {
	Repo    *git.Repo
	Command string
	// Jobs is how many verifies run at once; 0 means 1.
	Jobs int
	// Reverify runs even when a pass is recorded.
	Reverify bool
	// LogDir receives one log per verify.
	LogDir string
	// Env is added to the command's environment. GOCACHE is left as the user has it, so every
	// worktree shares the build cache.
	Env []string
	// Host and Now stamp the records; defaults: the host name and time.Now.
	Host string
	Now  func() time.Time
	// Warn receives notes that are ignored, and worktrees that could not be removed.
	Warn func(string)
	// Keep keeps the worktrees between runs as a pool of at most Jobs worktrees,
	// releasekit/worktrees/pool-N, each moved to its next commit by a checkout of the
	// differences (a new worktree of the installer writes 157,000 files). A run holds the pool
	// worktrees it uses under a lock (pool-N.lock) that ends with its process; GC removes them.
	Keep bool
	// Note, when set, is told what set-up and teardown do (a worktree made, moved, kept or
	// removed, and the disk the pool holds).
	Note func(string)

	once  sync.Once
	slots chan *slot
	all   []*slot
	seq   atomic.Int64
	cache *Cache
}

// slot is one of the pool's Jobs places to verify in: a worktree made for its first job and
// moved to each next job's commit (only the files that differ are written, where a new
// worktree of the installer writes all 157,000), until Close removes it (or, with Keep,
// releases it for the next run).
type slot struct {
	path string
	// added: the worktree may be registered. It is set before git worktree add starts, so that
	// an add cancelled half-way is removed too.
	added bool
	// broken: a checkout or an add did not finish; Close removes the worktree, never keeps it.
	broken bool
	// n and lock: the pool worktree pool-n (Keep) and the lock this run holds on it.
	n    int
	lock *os.File
}

func (p *Pool) init() {
	p.once.Do(func() {
		if p.Jobs < 1 {
			p.Jobs = 1
		}
		p.slots = make(chan *slot, p.Jobs)
		for range p.Jobs {
			sl := &slot{}
			p.all = append(p.all, sl)
			p.slots <- sl
		}
		if p.Host == "" {
			p.Host, _ = os.Hostname()
			if p.Host == "" {
				p.Host = "unknown"
			}
		}
		if p.Now == nil {
			p.Now = time.Now
		}
		p.cache = &Cache{Repo: p.Repo, Warn: p.Warn}
	})
}

func (p *Pool) note(format string, args ...any) {
	if p.Note != nil {
		p.Note(fmt.Sprintf(format, args...))
	}
}

func (p *Pool) warn(msg string) {
	if p.Warn != nil {
		p.Warn(msg)
	}
}

// Cache is the pool's view of the notes.
func (p *Pool) Cache() *Cache { p.init(); return p.cache }

// Lookup is the recorded pass of a tree, unless Reverify is set.
func (p *Pool) Lookup(ctx context.Context, tree string) (Record, bool, error) {
	p.init()
	if p.Reverify {
		return Record{}, false, nil
	}
	return p.cache.Hit(ctx, tree, p.Command)
}

// Verify verifies one job: a recorded pass is returned as cached; otherwise the command runs
// in a fresh worktree once a slot is free, and its result is recorded. A cancelled ctx stops the
// command's whole process group and records nothing.
func (p *Pool) Verify(ctx context.Context, job Job) Outcome {
	p.init()
	o := Outcome{Job: job}
	if rec, ok, err := p.Lookup(ctx, job.Tree); err != nil {
		o.Err = err
		return o
	} else if ok {
		o.Record, o.Cached = rec, true
		return o
	}
	var sl *slot
	select {
	case sl = <-p.slots:
	case <-ctx.Done():
		o.Err = ctx.Err()
		return o
	}
	defer func() { p.slots <- sl }()
	if err := ctx.Err(); err != nil {
		o.Err = err
		return o
	}
	return p.run(ctx, job, sl)
}

// Close removes the pool's worktrees, or with Keep releases them for the next run (those past
// Jobs, or whose checkout did not finish, are removed). It waits for the verifies still running
// (cancelled by their context) to give their worktree back first: a worktree being added when
// Close is called is removed too, never left registered.
func (p *Pool) Close(ctx context.Context) {
	p.init()
	held := make([]*slot, 0, len(p.all))
	for range p.all {
		held = append(held, <-p.slots)
	}
	defer func() {
		for _, sl := range held {
			p.slots <- sl
		}
	}()
	kept := 0
	for _, sl := range p.all {
		if p.Keep && sl.lock != nil && sl.added && !sl.broken && sl.n <= p.Jobs {
			kept++
			p.release(sl)
			continue
		}
		if sl.added {
			p.note("verify: removing the worktree %s", filepath.Base(sl.path))
			if err := p.remove(ctx, sl.path); err != nil {
				p.warn(fmt.Sprintf("could not remove the verify worktree %s: %v (the next run prunes it)", sl.path, err))
				continue
			}
			sl.added, sl.broken = false, false
		}
		p.release(sl)
	}
	if p.Keep {
		base, err := p.Repo.Worktrees(ctx)
		if err != nil {
			return
		}
		// The pool is capped by -jobs, and a pool worktree unused for MaxPoolAge goes.
		removed, _, _ := sweep(ctx, p.Repo, base, func(n int, idle time.Duration) bool { return n > p.Jobs || idle > MaxPoolAge })
		for _, r := range removed {
			p.note("verify: removed the pool worktree %s", r)
		}
		if kept > 0 && p.Note != nil {
			p.note("verify: kept %d worktree(s) for the next run; the pool holds %s under %s (fork:gc removes it)", kept, humanize.Bytes(poolUsage(base)), base)
		}
	}
}

// release lets other runs use the slot's pool worktree, and unbinds the slot.
func (p *Pool) release(sl *slot) {
	if sl.lock != nil {
		sl.lock.Close()
		sl.lock = nil
	}
	if p.Keep {
		sl.path, sl.n, sl.added, sl.broken = "", 0, false, false
	}
}

// remove removes a worktree that may be registered, half-made or gone: git worktree remove, and
// when git cannot, the directory and git's record of it.
func (p *Pool) remove(ctx context.Context, path string) error {
	worktreeMu.Lock()
	defer worktreeMu.Unlock()
	if err := p.Repo.RemoveWorktree(ctx, path); err == nil {
		return nil
	}
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	// The directory gone: git's record goes too, even one a killed add left locked.
	return p.Repo.RemoveWorktree(ctx, path)
}

// checkout puts job's commit in the slot's worktree, exactly as a new worktree would have it:
// tracked files at the commit, nothing else (the last verify's build outputs are removed).
func (p *Pool) checkout(ctx context.Context, sl *slot, commit plumbing.Hash) error {
	base, err := p.Repo.Worktrees(ctx)
	if err != nil {
		return err
	}
	if p.Keep && sl.lock == nil {
		if err := p.bind(base, sl); err != nil {
			return err
		}
	}
	if sl.added {
		start := time.Now()
		sl.broken = true
		w := git.Runner{Dir: sl.path, Env: p.Repo.Git.Env}
		_, err := w.Run(ctx, "checkout", "-q", "-f", "--detach", commit.String(), "--")
		if err == nil {
			_, err = w.Run(ctx, "clean", "-ffdxq")
		}
		if err == nil {
			sl.broken = false
			p.note("verify: moved the worktree %s to %.7s (the differences only) in %s", filepath.Base(sl.path), commit, humanize.Duration(time.Since(start)))
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		// A worktree in a state git cannot move from (removed by hand, say): make a new one.
		if err := p.remove(ctx, sl.path); err != nil {
			return err
		}
		sl.added, sl.broken = false, false
	}
	if !p.Keep {
		sl.path = filepath.Join(base, git.VerifyWorktreeName(os.Getpid(), int(p.seq.Add(1))))
	}
	start := time.Now()
	p.note("verify: creating the worktree %s at %.7s (a full checkout)", filepath.Base(sl.path), commit)
	// From here the worktree may be registered, whatever becomes of the add.
	sl.added, sl.broken = true, true
	if err := addWorktree(ctx, p.Repo, sl.path, commit); err != nil {
		if ctx.Err() == nil {
			p.remove(context.WithoutCancel(ctx), sl.path)
			sl.added, sl.broken = false, false
		}
		return err
	}
	sl.broken = false
	p.note("verify: created the worktree %s in %s", filepath.Base(sl.path), humanize.Duration(time.Since(start)))
	if p.Keep && p.Note != nil {
		// Its size, once, for the teardown's account of the pool's disk.
		os.WriteFile(git.PoolSizeFile(sl.path), []byte(strconv.FormatInt(diskUsage(sl.path), 10)), 0o644)
	}
	return nil
}

// bind gives the slot the first pool worktree no other run holds, and takes its lock. A pool
// worktree left in a state git does not know (a run killed inside git worktree add) is removed
// before it is used.
func (p *Pool) bind(base string, sl *slot) error {
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	poolMu.Lock()
	defer poolMu.Unlock()
	for n := 1; ; n++ {
		f, ok, err := lockPool(base, n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		sl.n, sl.lock, sl.path = n, f, filepath.Join(base, poolName(n))
		now := time.Now()
		os.Chtimes(f.Name(), now, now)
		_, err = os.Stat(sl.path)
		sl.added = err == nil
		return nil
	}
}

// Start is Verify in the background.
func (p *Pool) Start(ctx context.Context, job Job) <-chan Outcome {
	ch := make(chan Outcome, 1)
	go func() { ch <- p.Verify(ctx, job) }()
	return ch
}

func (p *Pool) run(ctx context.Context, job Job, sl *slot) Outcome {
	o := Outcome{Job: job}
	if err := p.checkout(ctx, sl, job.Commit); err != nil {
		o.Err = fmt.Errorf("check out %.7s in a worktree for its verify: %w", job.Commit, err)
		return o
	}
	wt := sl.path
	if err := os.MkdirAll(p.LogDir, 0o755); err != nil {
		o.Err = err
		return o
	}
	o.Log = p.LogPath(job)
	started := time.Now()
	_, runErr := usercmd.Run(ctx, usercmd.Options{Dir: wt, Env: p.Env, Command: p.Command, Log: o.Log, Watch: job.Watch})
	if ctx.Err() != nil {
		o.Err = ctx.Err()
		return o
	}
	// A command that moved HEAD ran against another commit: its result is not this tree's. Its
	// worktree is not kept either (it may hold a branch the user needs elsewhere).
	if err := checkHead(ctx, wt, p.Repo.Git.Env, job.Commit); err != nil {
		sl.broken = true
		o.Err = err
		return o
	}
	var ee *usercmd.ExitError
	if runErr != nil && !errors.As(runErr, &ee) {
		o.Err = fmt.Errorf("run the verify command: %w", runErr)
		return o
	}
	o.Record = Record{Tree: job.Tree, Command: p.Command, Result: Pass, Seconds: time.Since(started).Seconds(),
		Host: p.Host, Time: p.Now().UTC().Truncate(time.Second), Commit: job.Commit.String(), Tail: Tail(o.Log, 20)}
	if runErr != nil {
		o.Record.Result = Fail
	}
	if err := p.cache.Save(context.WithoutCancel(ctx), o.Record); err != nil {
		o.Err = err
	}
	return o
}

// poolMu orders the binding of this process's slots (their locks are per process).
var poolMu sync.Mutex

// git worktree add reads the administrative directories of the other worktrees while it makes
// its own, and fails on one being made at the same moment ("failed to read .../commondir"): the
// pool's worktrees are added and removed one at a time, and an add that loses such a race with
// another process is tried again.
var worktreeMu sync.Mutex

func addWorktree(ctx context.Context, repo *git.Repo, path string, commit plumbing.Hash) error {
	worktreeMu.Lock()
	defer worktreeMu.Unlock()
	var err error
	for attempt := range 4 {
		if err = repo.AddWorktree(ctx, path, commit); err == nil || ctx.Err() != nil {
			return err
		}
		if strings.Contains(err.Error(), "already") {
			// registered, its directory gone: forget it, and add again
			_ = repo.PruneWorktrees(ctx)
		}
		os.RemoveAll(path)
		_ = repo.RemoveWorktree(ctx, path)
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	return err
}

// LogPath is where the log of job's run goes.
func (p *Pool) LogPath(job Job) string {
	name := job.Name
	if name == "" {
		name = job.Commit.String()[:7]
	}
	return filepath.Join(p.LogDir, name+".log")
}

// Tail is the last n lines of a log, secrets scrubbed, for a note or a stop message.
func Tail(logPath string, n int) string { return usercmd.Tail(logPath, n) }

// Prune removes the verify worktrees that runs which are no longer alive left behind (killed,
// crashed), then lets git forget worktrees whose directories are gone.
func Prune(ctx context.Context, repo *git.Repo) error {
	worktreeMu.Lock()
	defer worktreeMu.Unlock()
	base, err := repo.Worktrees(ctx)
	if err != nil {
		return err
	}
	paths, stale, err := repo.ListWorktrees(ctx, base)
	if err != nil {
		return err
	}
	for _, wt := range paths {
		if !leftOver(wt) {
			continue
		}
		if err := repo.RemoveWorktree(ctx, wt); err != nil {
			return fmt.Errorf("remove the verify worktree %s that an interrupted run left: %w", wt, err)
		}
	}
	// A pool worktree no run holds, whose directory git does not know (a run killed inside git
	// worktree add): removed, so that the next run adds it afresh.
	known := map[string]bool{}
	for _, p := range paths {
		known[filepath.Clean(p)] = true
	}
	for _, n := range poolNumbers(base) {
		p := filepath.Join(base, poolName(n))
		if _, err := os.Stat(p); err != nil || known[p] {
			continue
		}
		if f, ok, _ := lockPool(base, n); ok {
			os.RemoveAll(p)
			f.Close()
		}
	}
	// A run killed inside git worktree add leaves a directory git does not know.
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if p := filepath.Join(base, e.Name()); leftOver(p) {
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("remove %s that an interrupted verify left: %w", p, err)
			}
		}
	}
	// What is removed above was either unknown to git or removed through git (a leftover whose
	// directory was gone is pruned by RemoveWorktree): git has something to forget only when
	// the list said so.
	if !stale {
		return nil
	}
	return repo.PruneWorktrees(ctx)
}

// leftOver reports a verify worktree of a process that is gone. Other tools' worktrees (the
// canary's) and those of runs still going are not touched.
func leftOver(path string) bool {
	var pid, n int
	if _, err := fmt.Sscanf(filepath.Base(path), "verify-%d-%d", &pid, &n); err != nil {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	return !proc.Alive(pid)
}
