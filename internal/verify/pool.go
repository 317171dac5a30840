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
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/usercmd"
)

// ErrJobs is a -jobs value that is not a positive number.
var ErrJobs = errors.New("jobs must be a whole number of 1 or more")

// ParseJobs reads a -jobs flag or RELEASEKIT_VERIFY_JOBS value; empty means 1.
func ParseJobs(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, cli.Usage(fmt.Errorf("%w, not %q", ErrJobs, s),
			"give -jobs=N or RELEASEKIT_VERIFY_JOBS=N with N of 1 or more (1 verifies one patch at a time)")
	}
	return n, nil
}

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
// records each result in the notes. Close removes the worktrees.
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

	once  sync.Once
	slots chan *slot
	all   []*slot
	seq   atomic.Int64
	cache *Cache
}

// slot is one of the pool's Jobs places to verify in: a worktree made for its first job and
// moved to each next job's commit (only the files that differ are written, where a new
// worktree of the installer writes all 157,000), until Close removes it.
type slot struct {
	path  string
	added bool
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
	return p.run(ctx, job, sl)
}

// Close removes the pool's worktrees. Call it when no verify runs any more.
func (p *Pool) Close(ctx context.Context) {
	p.init()
	for _, sl := range p.all {
		if !sl.added {
			continue
		}
		worktreeMu.Lock()
		err := p.Repo.RemoveWorktree(ctx, sl.path)
		worktreeMu.Unlock()
		if err != nil {
			p.warn(fmt.Sprintf("could not remove the verify worktree %s: %v (the next run prunes it)", sl.path, err))
			continue
		}
		sl.added = false
	}
}

// checkout puts job's commit in the slot's worktree, exactly as a new worktree would have it:
// tracked files at the commit, nothing else (the last verify's build outputs are removed).
func (p *Pool) checkout(ctx context.Context, sl *slot, commit plumbing.Hash) error {
	if sl.added {
		w := git.Runner{Dir: sl.path, Env: p.Repo.Git.Env}
		_, err := w.Run(ctx, "checkout", "-q", "-f", "--detach", commit.String(), "--")
		if err == nil {
			_, err = w.Run(ctx, "clean", "-ffdxq")
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		// A worktree in a state git cannot move from (removed by hand, say): make a new one.
		worktreeMu.Lock()
		_ = p.Repo.RemoveWorktree(ctx, sl.path)
		worktreeMu.Unlock()
		sl.added = false
	}
	base, err := p.Repo.Worktrees(ctx)
	if err != nil {
		return err
	}
	sl.path = filepath.Join(base, fmt.Sprintf("verify-%d-%d", os.Getpid(), p.seq.Add(1)))
	if err := addWorktree(ctx, p.Repo, sl.path, commit); err != nil {
		return err
	}
	sl.added = true
	return nil
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
	// A command that moved HEAD ran against another commit: its result is not this tree's.
	if err := checkHead(ctx, wt, p.Repo.Git.Env, job.Commit); err != nil {
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
		os.RemoveAll(path)
		_ = repo.PruneWorktrees(ctx)
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
	paths, err := repo.ListWorktrees(ctx, base)
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
	// A run killed inside git worktree add leaves a directory git does not know.
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if p := filepath.Join(base, e.Name()); leftOver(p) {
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("remove %s that an interrupted verify left: %w", p, err)
			}
		}
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
	err := syscall.Kill(pid, 0)
	return err != nil && !errors.Is(err, syscall.EPERM)
}
