// Package canary replays a fork branch's carry patches onto upstream's tip in memory (git
// merge-tree), to learn before a release which carries still apply. A worktree is made only to
// run -verify, or for a conflict that the rr-cache may resolve, so that rerere replays it.
package canary

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/proc"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rerere"
)

// Outcome is what became of one carry patch in the replay.
type Outcome string

const (
	// Clean: the patch applied as it is.
	Clean Outcome = "clean"
	// Rerere: the patch conflicted and a recorded resolution (rr-cache) resolved every file.
	Rerere Outcome = "resolved by rerere"
	// Conflict: a person must resolve it; the patch is left out of the rest of the replay.
	Conflict Outcome = "conflict"
	// Empty: the onto branch already has the change.
	Empty Outcome = "empty"
	// VerifyFailed: the patch applied, and the verify command failed on it.
	VerifyFailed Outcome = "verify failed"
	// Failed: git failed on the patch (Row.Error says how); it is left out of the rest of the
	// replay, and the other patches are still tried.
	Failed Outcome = "error"
)

// NeedsPerson reports whether an outcome waits for an engineer.
func (o Outcome) NeedsPerson() bool { return o == Conflict || o == VerifyFailed || o == Failed }

// Options say what to replay and onto what.
type Options struct {
	// Dir is a directory inside the installer fork clone.
	Dir string
	// Release is X.Y: the carries of <ForkRemote>/release-X.Y-azure over
	// <UpstreamRemote>/release-X.Y.
	Release release.Minor
	Remotes release.Remotes
	// Note, when set, receives lines for the log (stderr): why reads go through the git CLI.
	Note func(string)
	// Onto is where the carries are replayed; default <UpstreamRemote>/release-X.Y.
	Onto string
	// Verify, when not empty, is run (sh -c) in the worktree after each patch that applies.
	Verify string
	// Regen regenerates the assets commit's file before its verify (only with Verify).
	Regen string
	// Fetch fetches the upstream remote first; FetchStall gives that fetch (and -sync's) up
	// when it stalls this long (0: never).
	Fetch      bool
	FetchStall time.Duration
	// Sync merges the shared resolutions of the fork remote into the rr-cache first.
	Sync bool
	// Progress, when set, gets one line per patch as the replay goes.
	Progress io.Writer
	// Now is the clock of the report; default time.Now.
	Now func() time.Time
}

// Validate sets the defaults and checks the options.
func (o *Options) Validate() error {
	if o.Release == (release.Minor{}) {
		return errors.New("canary: the release X.Y is required")
	}
	o.Remotes = o.Remotes.OrDefault()
	if o.Onto == "" {
		o.Onto = o.Remotes.UpstreamBranch(o.Release)
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// UpstreamCommit is an upstream commit that touched a conflicting file since the last port.
type UpstreamCommit struct {
	Hash    string `json:"hash"`
	Subject string `json:"subject"`
}

// Row is one carry patch of the replay.
type Row struct {
	N       int     `json:"n"`
	Hash    string  `json:"hash"`
	Subject string  `json:"subject"`
	Kind    string  `json:"kind"`
	Outcome Outcome `json:"outcome"`
	// Files are the conflicting files (Conflict) or the files rerere resolved (Rerere).
	Files []string `json:"files,omitempty"`
	// Resolutions says where each rerere resolution came from (Rerere).
	Resolutions []rerere.Use `json:"resolutions,omitempty"`
	// Without are the earlier patches (their N) left out when this one was tried.
	Without []int `json:"without,omitempty"`
	// Overlaps are the left-out patches that change a file this one conflicts in: the conflict
	// may be there only because they are missing.
	Overlaps []int `json:"overlapsLeftOut,omitempty"`
	// Upstream are the upstream commits since the last port that touched the conflicting lines.
	Upstream []UpstreamCommit `json:"upstreamCommits,omitempty"`
	// VerifyTail is the end of the failed verify's output.
	VerifyTail string `json:"verifyTail,omitempty"`
	// Error is git's error on this patch (Failed).
	Error string `json:"error,omitempty"`
}

// Short is the abbreviated hash.
func (r Row) Short() string { return r.Hash[:min(7, len(r.Hash))] }

// Result is the whole replay.
type Result struct {
	Release string `json:"release"`
	Base    string `json:"base"`
	Tip     string `json:"tip"`
	Onto    string `json:"onto"`
	OntoAt  string `json:"ontoCommit"`
	Since   string `json:"since"`
	Verify  string `json:"verify,omitempty"`
	Fetched bool   `json:"fetched"`
	// Synced is what -sync merged, when it ran.
	Synced *rerere.SyncResult `json:"synced,omitempty"`
	At     time.Time          `json:"at"`
	Rows   []Row              `json:"patches"`
	// NeedsPerson is true when a patch conflicts or fails its verify (exit status 1).
	NeedsPerson bool `json:"needsPerson"`
}

// Count counts the rows with outcome o.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, row := range r.Rows {
		if row.Outcome == o {
			n++
		}
	}
	return n
}

// Summary is one line: how many patches of each outcome.
func (r *Result) Summary() string {
	var parts []string
	for _, o := range []Outcome{Clean, Rerere, Empty, Conflict, VerifyFailed, Failed} {
		if n := r.Count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		parts = []string{"nothing to replay"}
	}
	return fmt.Sprintf("%d patches onto %s: %s", len(r.Rows), r.Onto, strings.Join(parts, ", "))
}

// ErrNeedsPerson is returned by Run with the result when a patch conflicts or fails its verify.
var ErrNeedsPerson = errors.New("a person will be needed")

// Run replays the carry patches in memory (and in a temporary detached worktree when it needs
// one, removed at the end). It never stops on a patch and never touches the user's branch,
// index, work tree, stash or sequence state. The error wraps ErrNeedsPerson (exit status 1)
// when a patch needs an engineer; a git error on one patch is that patch's row. Once the
// replay has started, the result is returned with any error, with the rows done so far.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, cli.Usage(err)
	}
	repo, err := git.Open(ctx, opts.Dir)
	if err != nil {
		return nil, cli.Fail(err)
	}
	defer repo.Close()
	if opts.Note != nil {
		repo.OnCLIReads(func(why string) { opts.Note("note: reading through the git CLI (" + why + ")") })
	}
	res := &Result{Release: opts.Release.String(), Onto: opts.Onto, Verify: opts.Verify, At: opts.Now().UTC()}
	if opts.Fetch {
		if err := repo.Fetch(ctx, opts.Remotes.Upstream, git.FetchOptions{Stall: opts.FetchStall}); err != nil {
			return nil, cli.Fail(fmt.Errorf("fetch %s: %w", opts.Remotes.Upstream, err),
				"check the remote (RELEASEKIT_UPSTREAM_REMOTE) and the stall timeout (RELEASEKIT_FETCH_TIMEOUT), or run without -fetch on what you have")
		}
		res.Fetched = true
	}
	if opts.Sync {
		if res.Synced, err = rerere.Sync(ctx, rerere.SyncOptions{Dir: opts.Dir, Remote: opts.Remotes.Fork, Stall: opts.FetchStall}); err != nil {
			return nil, err
		}
	}
	res.Base = opts.Remotes.UpstreamBranch(opts.Release)
	res.Tip = opts.Remotes.ForkBranch(opts.Release)
	for _, ref := range []string{res.Base, res.Tip, opts.Onto} {
		if !repo.Exists(ctx, ref) {
			remote, _, _ := strings.Cut(ref, "/")
			return nil, cli.Fail(fmt.Errorf("%w %s", git.ErrUnknownRevision, ref),
				fmt.Sprintf("fetch it with \"git fetch %s\" (or run with -fetch), or check the remote names (RELEASEKIT_FORK_REMOTE, RELEASEKIT_UPSTREAM_REMOTE) and -onto", remote))
		}
	}
	series, err := carry.Discover(ctx, repo, carry.Options{Base: res.Base, Tip: res.Tip})
	if err != nil {
		return nil, cli.Fail(err)
	}
	onto, err := repo.Resolve(ctx, opts.Onto)
	if err != nil {
		return nil, cli.Fail(err)
	}
	res.OntoAt = onto.String()
	tip, err := repo.Resolve(ctx, res.Tip)
	if err != nil {
		return nil, cli.Fail(err)
	}
	since, err := repo.Git.Run(ctx, "merge-base", tip.String(), onto.String())
	if err != nil {
		return nil, cli.Fail(fmt.Errorf("find where %s and %s meet: %w", res.Tip, opts.Onto, err))
	}
	res.Since = since

	rp, err := newReplay(ctx, repo, onto, opts)
	if err != nil {
		return nil, cli.Fail(err)
	}
	defer rp.close()
	rp.since, rp.onto = since, onto.String()
	for i, p := range series.Patches {
		row, err := rp.pick(ctx, i+1, p)
		if err != nil && ctx.Err() != nil {
			// Interrupted: the rows so far are the result (the report is still written).
			res.Rows = append(res.Rows, row)
			rp.close()
			return res, cli.Fail(fmt.Errorf("canary: interrupted at patch %d (%s %s): %w", i+1, p.Short(), p.Subject, ctx.Err()))
		}
		if err != nil {
			// One patch's git error is that patch's result; the others are still tried.
			row = rp.failed(ctx, row, err)
		}
		res.Rows = append(res.Rows, row)
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "[%d/%d] %s\n", i+1, len(series.Patches), row.Outcome)
		}
	}
	for _, row := range res.Rows {
		if row.Outcome.NeedsPerson() {
			res.NeedsPerson = true
		}
	}
	if res.NeedsPerson {
		var who []string
		for _, row := range res.Rows {
			if row.Outcome.NeedsPerson() {
				who = append(who, fmt.Sprintf("#%d %s (%s)", row.N, row.Short(), row.Outcome))
			}
		}
		return res, cli.Fail(fmt.Errorf("%w: %s", ErrNeedsPerson, strings.Join(who, ", ")))
	}
	return res, nil
}

// replay is the replay's HEAD (onto and the patches applied so far, commits that no ref points
// at), what it has left out so far, and the worktree it makes only when it needs one: to run
// -verify, or to let rerere replay a recorded resolution of a conflict found in memory.
type replay struct {
	repo *git.Repo
	// head is the replay's HEAD as a commit, headTree its tree once the pending picks are
	// applied: the commits of clean picks are made only when something needs them (git log -L
	// for a conflict, the worktree).
	head     plumbing.Hash
	headTree plumbing.Hash
	pending  []pendingPick
	cache    *rerere.Cache
	opts     Options
	// wt is the worktree at path, nil until needed.
	wt   *git.Repo
	path string
	// stopped is a cherry-pick stopped in the worktree: its rerere preimages are cleared and
	// the pick dropped on every way out.
	stopped bool
	// since..onto are the upstream commits since the last port.
	since, onto string
	leftOut     []int
	paths       map[int][]string
	closed      bool
}

func newReplay(ctx context.Context, repo *git.Repo, onto plumbing.Hash, opts Options) (*replay, error) {
	rp := &replay{repo: repo, head: onto, opts: opts, paths: map[int][]string{}}
	if err := rp.setHead(ctx, onto); err != nil {
		return nil, err
	}
	// The worktrees (and rerere preimages) of canaries that were killed go first.
	if err := Prune(ctx, repo); err != nil {
		return nil, err
	}
	var err error
	if rp.cache, err = rerere.Open(ctx, repo); err != nil {
		return nil, err
	}
	return rp, nil
}

// worktree puts the replay's HEAD in the worktree, making the worktree the first time: a
// checkout of the differences only after that.
func (rp *replay) worktree(ctx context.Context) (*git.Repo, error) {
	if _, err := rp.headCommit(ctx); err != nil {
		return nil, err
	}
	if rp.wt != nil {
		at, err := rp.wt.Git.Run(ctx, "rev-parse", "HEAD")
		if err != nil {
			return nil, err
		}
		if at != rp.head.String() {
			if _, err := rp.wt.Git.Run(ctx, "checkout", "-q", "-f", "--detach", rp.head.String(), "--"); err != nil {
				return nil, err
			}
		}
		return rp.wt, rp.wt.Reopen()
	}
	base, err := rp.repo.Worktrees(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, err
	}
	// A directory of its own, so two canaries (or a canary and a parallel verify) never meet;
	// the pid in its name tells a later canary whether its owner is still running.
	path, err := os.MkdirTemp(base, git.CanaryWorktreePattern(os.Getpid()))
	if err != nil {
		return nil, err
	}
	// From here the worktree may be registered (an add interrupted half-way): close removes it.
	rp.path = path
	if err := rp.repo.AddWorktree(ctx, path, rp.head); err != nil {
		return nil, fmt.Errorf("create the canary worktree: %w", err)
	}
	// Every step in the worktree is a git command: a Repo without go-git's view of the object
	// store, which it would reopen after each write. rerere is on for this worktree's git only:
	// the user's configuration is not changed.
	rp.wt = &git.Repo{Dir: path, Git: git.Runner{Dir: path, Env: git.ConfigEnv(nil, git.RerereConfig...)}}
	return rp.wt, nil
}

// Prune removes the worktrees of canaries that were killed before they could clean up (those
// whose process is gone, kill -9), with the rerere preimages their stopped picks recorded. The
// next canary, the sequence targets and fork:gc call it, so that none stays for long.
func Prune(ctx context.Context, repo *git.Repo) error {
	base, err := repo.Worktrees(ctx)
	if err != nil {
		return err
	}
	removeStale(ctx, repo, base)
	return nil
}

// removeStale removes the worktrees of canaries whose process is gone.
func removeStale(ctx context.Context, repo *git.Repo, base string) {
	paths, stale, err := repo.ListWorktrees(ctx, base)
	if err != nil {
		return
	}
	for _, p := range paths {
		m := staleRE().FindStringSubmatch(filepath.Base(p))
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || proc.Alive(pid) {
			continue
		}
		removeWorktree(ctx, repo, p)
	}
	// A canary killed inside git worktree add leaves a directory git may not know.
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		m := staleRE().FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid != os.Getpid() && !proc.Alive(pid) {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	// Git has something to forget only when the list said so: what is removed above went
	// through git, or was a directory git did not know.
	if stale {
		repo.PruneWorktrees(ctx)
	}
}

var staleRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^canary-([0-9]+)-`) })

// removeWorktree forgets the rerere preimages of a pick stopped in the worktree at path, then
// removes it.
func removeWorktree(ctx context.Context, repo *git.Repo, path string) {
	if _, err := os.Stat(path); err == nil {
		w := git.Runner{Dir: path, Env: git.ConfigEnv(nil, git.RerereConfig...)}
		w.Run(ctx, "rerere", "clear")
	}
	if repo.RemoveWorktree(ctx, path) != nil {
		os.RemoveAll(path)
		repo.PruneWorktrees(ctx)
	}
}

// close removes the worktree, if one was made, even when the run was cancelled, and the rerere
// preimages of a pick stopped in it.
func (rp *replay) close() {
	if rp.closed {
		return
	}
	rp.closed = true
	if rp.path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(context.Background()), time.Minute)
	defer cancel()
	if rp.wt != nil {
		rp.wt.Close()
	}
	removeWorktree(ctx, rp.repo, rp.path)
}

// failed turns a git error on one patch into that patch's row: the patch is left out, and a
// pick stopped in the worktree is dropped.
func (rp *replay) failed(ctx context.Context, row Row, err error) Row {
	row.Outcome, row.Error = Failed, err.Error()
	row.Files, row.Resolutions, row.Upstream, row.VerifyTail = nil, nil, nil, ""
	if !slices.Contains(rp.leftOut, row.N) {
		rp.leftOut = append(rp.leftOut, row.N)
	}
	if rp.wt != nil {
		if rp.stopped {
			rp.wt.Git.Run(ctx, "rerere", "clear")
			rp.stopped = false
		}
		if h, err := rp.headCommit(ctx); err == nil {
			rp.wt.Git.Run(ctx, "reset", "-q", "--hard", h.String())
		}
		rp.wt.Reopen()
	}
	return row
}

func (rp *replay) pick(ctx context.Context, n int, p carry.Patch) (Row, error) {
	row := Row{N: n, Hash: p.Hash.String(), Subject: p.Subject, Kind: string(p.Kind), Without: slices.Clone(rp.leftOut)}
	rp.paths[n] = p.Paths
	mem, err := rp.repo.PickTree(ctx, p.Hash, rp.headTree)
	if err != nil {
		return row, err
	}
	switch {
	case mem.Empty():
		row.Outcome = Empty
		return row, nil
	case mem.Clean():
		rp.headTree = plumbing.NewHash(mem.Tree)
		rp.pending = append(rp.pending, pendingPick{patch: p.Hash, tree: rp.headTree})
		row.Outcome = Clean
	default:
		replay, err := rp.mayReplay(ctx, mem)
		if alwaysWorktree {
			replay = true
		}
		if err != nil {
			return row, err
		}
		if replay {
			// rerere may have a resolution: pick in the worktree, where it replays.
			done, err := rp.pickInWorktree(ctx, &row, p)
			if err != nil || done {
				return row, err
			}
			break
		}
		read := func(f string) ([]byte, error) { return rp.repo.ReadBlob(ctx, mem.Tree, f) }
		return row, rp.conflict(ctx, &row, mem.Paths(), read)
	}
	if rp.opts.Verify == "" {
		return row, nil
	}
	wt, err := rp.worktree(ctx)
	if err != nil {
		return row, err
	}
	if p.Kind == carry.KindAssets && rp.opts.Regen != "" {
		if tail, err := shell(ctx, rp.path, rp.opts.Regen); err != nil {
			if ctx.Err() != nil {
				return row, ctx.Err()
			}
			row.Outcome, row.VerifyTail = VerifyFailed, "regenerate: "+tail
			return row, nil
		}
		if err := wt.Amend(ctx, carry.AssetsPath); err != nil {
			return row, err
		}
		if err := rp.moved(ctx); err != nil {
			return row, err
		}
	}
	if tail, err := shell(ctx, rp.path, rp.opts.Verify); err != nil {
		if ctx.Err() != nil {
			return row, ctx.Err()
		}
		row.Outcome, row.VerifyTail = VerifyFailed, tail
		// The patch stays: the later ones are tried on top of it, as a port would.
		_, err = wt.Git.Run(ctx, "reset", "-q", "--hard", "HEAD")
		return row, err
	}
	return row, nil
}

// alwaysWorktree sends every conflict to the worktree, as the canary did before it picked in
// memory: the differential test compares both.
var alwaysWorktree bool

// mayReplay reports whether rerere could resolve a conflict found in memory: the rr-cache
// (shared resolutions included) has a resolution for the rerere id of a conflicted file, or a
// conflict between two files has no id that can be computed here and the cache is not empty.
func (rp *replay) mayReplay(ctx context.Context, mem *git.TreePick) (bool, error) {
	entries, err := rp.cache.Entries()
	if err != nil || len(entries) == 0 {
		return false, err
	}
	ids, err := rp.repo.RerereIDs(ctx, mem)
	if err != nil {
		return false, err
	}
	for _, c := range mem.Conflicts {
		if !c.BothSides() {
			continue
		}
		id, ok := ids[c.Path]
		if !ok {
			return true, nil
		}
		for _, e := range entries {
			if e.ID == id {
				return true, nil
			}
		}
	}
	return false, nil
}

// pickInWorktree cherry-picks p in the worktree, with rerere on. done is true when the row is
// complete (a conflict rerere did not resolve, or an empty pick); otherwise the patch is applied
// and HEAD moved.
func (rp *replay) pickInWorktree(ctx context.Context, row *Row, p carry.Patch) (done bool, err error) {
	wt, err := rp.worktree(ctx)
	if err != nil {
		return true, err
	}
	before := rp.cache.Snapshot()
	rp.stopped = true
	o, err := wt.CherryPick(ctx, p.Hash)
	if err != nil {
		return true, err
	}
	switch {
	case o.Committed:
		rp.stopped = false
		row.Outcome = Clean
	case len(o.Conflicts) > 0:
		read := func(f string) ([]byte, error) { return os.ReadFile(wt.WorkPath(f)) }
		if err := rp.conflict(ctx, row, o.Conflicts, read); err != nil {
			return true, err
		}
		// Forget the preimages this conflict recorded (nobody will resolve it here), then
		// drop the pick.
		if _, err := wt.Git.Run(ctx, "rerere", "clear"); err != nil {
			return true, err
		}
		rp.stopped = false
		return true, rp.reset(ctx)
	case o.Empty:
		row.Outcome = Empty
		rp.stopped = false
		return true, rp.reset(ctx)
	default:
		row.Outcome = Rerere
		row.Files = o.Rerere
		row.Resolutions = rp.cache.Used(before, o.Rerere)
		if err := wt.CommitAs(ctx, p.Hash); err != nil {
			return true, err
		}
		rp.stopped = false
	}
	return false, rp.moved(ctx)
}

// pendingPick is a clean pick whose commit is not made yet.
type pendingPick struct{ patch, tree plumbing.Hash }

// headCommit makes the commits of the pending picks, each with its patch's message and
// authorship, and returns the replay's HEAD.
func (rp *replay) headCommit(ctx context.Context) (plumbing.Hash, error) {
	for len(rp.pending) > 0 {
		pp := rp.pending[0]
		h, err := rp.repo.CommitTreeAs(ctx, pp.tree.String(), rp.head, pp.patch)
		if err != nil {
			return rp.head, err
		}
		rp.head, rp.pending = h, rp.pending[1:]
	}
	return rp.head, nil
}

// setHead makes h the replay's HEAD.
func (rp *replay) setHead(ctx context.Context, h plumbing.Hash) error {
	tree, err := rp.repo.Git.Run(ctx, "rev-parse", "--verify", h.String()+"^{tree}")
	if err != nil {
		return err
	}
	rp.head, rp.headTree, rp.pending = h, plumbing.NewHash(tree), nil
	return nil
}

// moved takes the worktree's HEAD, where a commit was made, as the replay's.
func (rp *replay) moved(ctx context.Context) error {
	h, err := rp.wt.Head(ctx)
	if err != nil {
		return err
	}
	return rp.setHead(ctx, h)
}

// conflict fills a conflict's row: the files, the left-out patches it overlaps, the upstream
// commits that touched its lines (read gives a conflicted file as the conflict leaves it).
func (rp *replay) conflict(ctx context.Context, row *Row, files []string, read func(string) ([]byte, error)) error {
	row.Outcome = Conflict
	row.Files = files
	for _, l := range rp.leftOut {
		if overlaps(rp.paths[l], files) {
			row.Overlaps = append(row.Overlaps, l)
		}
	}
	rp.leftOut = append(rp.leftOut, row.N)
	var err error
	row.Upstream, err = rp.upstreamTouches(ctx, files, read)
	return err
}

func (rp *replay) reset(ctx context.Context) error {
	_, err := rp.wt.Git.Run(ctx, "reset", "-q", "--hard", "HEAD")
	if rerr := rp.wt.Reopen(); err == nil {
		err = rerr
	}
	return err
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// upstreamTouches lists the upstream commits of since..onto that changed the conflicting lines
// (git log -L over the ranges the onto side holds in each conflict), newest first; when no
// range can be traced, the commits that changed the conflicting files.
func (rp *replay) upstreamTouches(ctx context.Context, files []string, read func(string) ([]byte, error)) ([]UpstreamCommit, error) {
	var args []string
	for _, f := range files {
		data, err := read(f)
		if err != nil {
			continue
		}
		for _, r := range oursRanges(data) {
			args = append(args, fmt.Sprintf("-L%d,%d:%s", r[0], r[1], f))
		}
	}
	if len(args) > 0 {
		inRange, err := rp.upstreamCommits(ctx, files)
		if err != nil {
			return nil, err
		}
		// -L follows the lines from the replay's HEAD (onto and the patches replayed so far)
		// back; only the upstream commits among them count.
		if _, err := rp.headCommit(ctx); err != nil {
			return nil, err
		}
		out, err := rp.repo.Git.Output(ctx, append([]string{"log", "--no-merges", "--format=%x00%H%x1f%s"}, append(args, rp.head.String(), "^"+rp.since)...)...)
		if err == nil {
			var cs []UpstreamCommit
			for _, line := range strings.Split(string(out), "\n") {
				rest, ok := strings.CutPrefix(line, "\x00")
				if !ok {
					continue
				}
				if h, subj, ok := strings.Cut(rest, "\x1f"); ok && inRange[h] {
					cs = append(cs, UpstreamCommit{Hash: h, Subject: subj})
				}
			}
			return cs, nil
		}
	}
	cs, err := rp.upstreamList(ctx, files)
	return cs, err
}

// upstreamCommits is the set of upstream commits since the last port that touched files.
func (rp *replay) upstreamCommits(ctx context.Context, files []string) (map[string]bool, error) {
	cs, err := rp.upstreamList(ctx, files)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, c := range cs {
		set[c.Hash] = true
	}
	return set, nil
}

// upstreamList lists the upstream commits of since..onto that changed files, newest first.
func (rp *replay) upstreamList(ctx context.Context, files []string) ([]UpstreamCommit, error) {
	args := append([]string{"log", "--no-merges", "--format=%H%x1f%s", rp.since + ".." + rp.onto, "--"}, files...)
	out, err := rp.repo.Git.Run(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("list the upstream commits that touched %s: %w", strings.Join(files, ", "), err)
	}
	var cs []UpstreamCommit
	for _, line := range strings.Split(out, "\n") {
		if h, s, ok := strings.Cut(line, "\x1f"); ok {
			cs = append(cs, UpstreamCommit{Hash: h, Subject: s})
		}
	}
	return cs, nil
}

// oursRanges are the 1-based line ranges, in HEAD's version of a conflicted file, of the HEAD
// side of each conflict (between "<<<<<<<" and "|||||||" or "======="). A conflict whose HEAD
// side is empty has no range.
func oursRanges(data []byte) [][2]int {
	var ranges [][2]int
	line := 0 // lines of HEAD's version seen so far
	state := 0
	start := 0
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case state == 0 && strings.HasPrefix(l, "<<<<<<< "):
			state, start = 1, line+1
		case state == 1 && (strings.HasPrefix(l, "||||||| ") || l == "|||||||" || l == "======="):
			if line >= start {
				ranges = append(ranges, [2]int{start, line})
			}
			state = 2
		case state == 2 && (strings.HasPrefix(l, ">>>>>>> ") || l == ">>>>>>>"):
			state = 0
		case state == 2:
			// the base or the patch's side: not in HEAD
		default:
			line++
		}
	}
	return ranges
}
