// Package canary replays a fork branch's carry patches onto upstream's tip in a temporary
// worktree, to learn before a release which carries still apply.
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
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
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
)

// NeedsPerson reports whether an outcome waits for an engineer.
func (o Outcome) NeedsPerson() bool { return o == Conflict || o == VerifyFailed }

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
	for _, o := range []Outcome{Clean, Rerere, Empty, Conflict, VerifyFailed} {
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

// Run replays the carry patches in a temporary detached worktree and removes it. It never
// stops on a patch and never touches the user's branch, index, work tree, stash or sequence
// state. The error wraps ErrNeedsPerson (exit status 1) when a patch needs an engineer.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, cli.Usage(err)
	}
	repo, err := git.Open(ctx, opts.Dir)
	if err != nil {
		return nil, cli.Fail(err)
	}
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
		if err != nil {
			return nil, cli.Fail(fmt.Errorf("canary: patch %d (%s %s): %w", i+1, p.Short(), p.Subject, err))
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

// replay is the temporary worktree and what the replay has left out so far.
type replay struct {
	repo, wt *git.Repo
	path     string
	cache    *rerere.Cache
	opts     Options
	// since..onto are the upstream commits since the last port.
	since, onto string
	leftOut     []int
	paths       map[int][]string
}

func newReplay(ctx context.Context, repo *git.Repo, onto plumbing.Hash, opts Options) (*replay, error) {
	base, err := repo.Worktrees(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, err
	}
	removeStale(ctx, repo, base)
	// A directory of its own, so two canaries (or a canary and a parallel verify) never meet;
	// the pid in its name tells a later canary whether its owner is still running.
	path, err := os.MkdirTemp(base, fmt.Sprintf("canary-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	if err := repo.AddWorktree(ctx, path, onto); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("create the canary worktree: %w", err)
	}
	// Every step in the worktree is a git command: a Repo without go-git's view of the object
	// store, which it would reopen after each write (a third of the canary's time). rerere is
	// on for this worktree's git only: the user's configuration is not changed.
	wt := &git.Repo{Dir: path, Git: git.Runner{Dir: path, Env: git.ConfigEnv(nil, git.RerereConfig...)}}
	rp := &replay{repo: repo, wt: wt, path: path, opts: opts, paths: map[int][]string{}}
	if rp.cache, err = rerere.Open(ctx, repo); err != nil {
		rp.close()
		return nil, err
	}
	return rp, nil
}

// removeStale removes the worktrees of canaries that were killed before they could clean up:
// those whose process is gone.
func removeStale(ctx context.Context, repo *git.Repo, base string) {
	paths, err := repo.ListWorktrees(ctx, base)
	if err != nil {
		return
	}
	for _, p := range paths {
		m := staleRE.FindStringSubmatch(filepath.Base(p))
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
			continue
		}
		if repo.RemoveWorktree(ctx, p) != nil {
			os.RemoveAll(p)
			repo.PruneWorktrees(ctx)
		}
	}
}

var staleRE = regexp.MustCompile(`^canary-([0-9]+)-`)

// close removes the worktree even when the run was cancelled.
func (rp *replay) close() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(context.Background()), time.Minute)
	defer cancel()
	if rp.wt != nil {
		rp.wt.Close()
	}
	if err := rp.repo.RemoveWorktree(ctx, rp.path); err != nil {
		os.RemoveAll(rp.path)
		rp.repo.PruneWorktrees(ctx)
	}
}

func (rp *replay) pick(ctx context.Context, n int, p carry.Patch) (Row, error) {
	row := Row{N: n, Hash: p.Hash.String(), Subject: p.Subject, Kind: string(p.Kind), Without: slices.Clone(rp.leftOut)}
	rp.paths[n] = p.Paths
	before := rp.cache.Snapshot()
	o, err := rp.wt.CherryPick(ctx, p.Hash)
	if err != nil {
		return row, err
	}
	switch {
	case o.Committed:
		row.Outcome = Clean
	case len(o.Conflicts) > 0:
		row.Outcome = Conflict
		row.Files = o.Conflicts
		for _, l := range rp.leftOut {
			if overlaps(rp.paths[l], o.Conflicts) {
				row.Overlaps = append(row.Overlaps, l)
			}
		}
		rp.leftOut = append(rp.leftOut, n)
		if row.Upstream, err = rp.upstreamTouches(ctx, o.Conflicts); err != nil {
			return row, err
		}
		// Forget the preimages this conflict recorded (nobody will resolve it here), then
		// drop the pick.
		if _, err := rp.wt.Git.Run(ctx, "rerere", "clear"); err != nil {
			return row, err
		}
		return row, rp.reset(ctx)
	case o.Empty:
		row.Outcome = Empty
		return row, rp.reset(ctx)
	default:
		row.Outcome = Rerere
		row.Files = o.Rerere
		row.Resolutions = rp.cache.Used(before, o.Rerere)
		if err := rp.wt.CommitAs(ctx, p.Hash); err != nil {
			return row, err
		}
	}
	if rp.opts.Verify == "" {
		return row, nil
	}
	if p.Kind == carry.KindAssets && rp.opts.Regen != "" {
		if tail, err := shell(ctx, rp.path, rp.opts.Regen); err != nil {
			row.Outcome, row.VerifyTail = VerifyFailed, "regenerate: "+tail
			return row, nil
		}
		if err := rp.wt.Amend(ctx, carry.AssetsPath); err != nil {
			return row, err
		}
	}
	if tail, err := shell(ctx, rp.path, rp.opts.Verify); err != nil {
		if ctx.Err() != nil {
			return row, ctx.Err()
		}
		row.Outcome, row.VerifyTail = VerifyFailed, tail
		// The patch stays: the later ones are tried on top of it, as a port would.
		_, err = rp.wt.Git.Run(ctx, "reset", "-q", "--hard", "HEAD")
		return row, err
	}
	return row, nil
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
func (rp *replay) upstreamTouches(ctx context.Context, files []string) ([]UpstreamCommit, error) {
	var args []string
	for _, f := range files {
		data, err := os.ReadFile(rp.wt.WorkPath(f))
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
		// -L follows the lines from the worktree's HEAD (onto and the patches replayed so far)
		// back; only the upstream commits among them count.
		out, err := rp.wt.Git.Output(ctx, append([]string{"log", "--no-merges", "--format=%x00%H%x1f%s"}, append(args, "HEAD", "^"+rp.since)...)...)
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
