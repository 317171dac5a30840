package sequence

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/verify"
)

// VerifyState is where a patch's verify stands, for fork:status.
type VerifyState string

const (
	VerifyQueued  VerifyState = "queued"
	VerifyRunning VerifyState = "running"
	VerifyPassed  VerifyState = "passed"
	VerifyCached  VerifyState = "cached"
	VerifyFailed  VerifyState = "failed"
)

// StepVerify is the verify of one patch (or of the upstream baseline).
type StepVerify struct {
	State VerifyState `json:"state"`
	// Commit and Tree are what was verified; the tree is the key of the result in the notes.
	Commit  string  `json:"commit,omitempty"`
	Tree    string  `json:"tree,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	// Host and Time say where and when a cached pass was recorded.
	Host string    `json:"host,omitempty"`
	Time time.Time `json:"time,omitzero"`
	Log  string    `json:"log,omitempty"`
	// Moved is where the command moved its worktree's HEAD (MovedBranch: the branch it
	// attached HEAD to): it verified another commit, so it counts as failed.
	Moved       string `json:"moved,omitempty"`
	MovedBranch string `json:"movedBranch,omitempty"`
}

// done reports whether the verify has a result.
func (v *StepVerify) done() bool {
	return v != nil && (v.State == VerifyPassed || v.State == VerifyCached || v.State == VerifyFailed)
}

func (v *StepVerify) passed() bool {
	return v != nil && (v.State == VerifyPassed || v.State == VerifyCached)
}

// Baseline is the verify of the bare upstream the patches go onto: when a patch fails and
// upstream fails too, the failure may not come from the patch.
type Baseline struct {
	// Ref is upstream/release-X.Y; StepVerify.Commit what it pointed at.
	Ref string `json:"ref"`
	StepVerify
	// Label is set when upstream fails the verify too.
	Label string `json:"label,omitempty"`
}

// Ahead is a commit a parallel run picked past a patch whose verify then failed. It is reused
// unchanged by fork:continue when its parent is still the commit before it.
type Ahead struct {
	Commit      string   `json:"commit"`
	Status      Status   `json:"status"`
	Conflicts   []string `json:"conflicts,omitempty"`
	RerereFiles []string `json:"rerere,omitempty"`
	Amended     bool     `json:"amended,omitempty"`
}

// pool is the verify pool of the sequence: logs next to the sequence's, results in the notes.
func (e *Engine) pool(st *State) *verify.Pool {
	if e.vpool == nil || e.vpool.Command != st.Verify {
		jobs := st.Jobs
		if jobs < 1 {
			jobs = 1
		}
		// One slot more than the patches use: the upstream baseline runs alongside them.
		e.vpool = &verify.Pool{Repo: e.repo, Command: st.Verify, Jobs: jobs + 1, Reverify: st.Reverify,
			LogDir: e.sd.SequenceLogs(), Host: e.opts.Host, Now: e.opts.Now,
			Warn: func(s string) { e.notify(Event{Kind: EventWarn, Msg: s}) }}
	}
	return e.vpool
}

// workTree is the tree of the work tree as the verify sees it: HEAD's, plus the tracked files
// changed since (the regenerated assets file, before its amend). The changes are staged into a
// copy of the index, so that the user's index is left alone.
func (e *Engine) workTree(ctx context.Context) (string, error) {
	dirty, err := e.repo.Dirty(ctx)
	if err != nil {
		return "", err
	}
	if len(dirty) == 0 {
		return e.repo.Git.Run(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{tree}")
	}
	index, err := e.repo.GitPath(ctx, "index")
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(index)
	if err != nil {
		return "", err
	}
	tmp := e.sd.SequenceVerifyIndex()
	defer os.Remove(tmp)
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return "", err
	}
	r := e.repo.Git
	r.Env = append(append([]string{}, r.Env...), "GIT_INDEX_FILE="+tmp)
	if _, err := r.Run(ctx, "add", "-u", "--", "."); err != nil {
		return "", err
	}
	return r.Run(ctx, "write-tree")
}

// cachedVerify looks the work tree up in the notes before a serial verify. A recorded pass
// skips the run.
func (e *Engine) cachedVerify(ctx context.Context, st *State, step *Step) (tree string, hit bool, err error) {
	if step.Assets {
		// Verified between its regenerate and its amend: the tree with the regenerated file.
		tree, err = e.workTree(ctx)
	} else {
		// Right after the pick (or the amend of a fix), the work tree is HEAD's.
		tree, err = e.repo.TreeOf(ctx, "HEAD")
	}
	if err != nil {
		return "", false, err
	}
	rec, ok, err := e.pool(st).Lookup(ctx, tree)
	if err != nil || !ok {
		step.Verify = &StepVerify{State: VerifyRunning, Tree: tree}
		return tree, false, err
	}
	step.Verify = &StepVerify{State: VerifyCached, Tree: tree, Host: rec.Host, Time: rec.Time, Seconds: rec.Seconds}
	e.event(st, EventStep, step, PhaseVerify, cachedMsg(rec))
	return tree, true, nil
}

func cachedMsg(rec verify.Record) string {
	return fmt.Sprintf("passed on %s at %s (cached)", rec.Host, rec.Time.Format(time.RFC3339))
}

// recordVerify keeps a serial verify's result in the notes.
func (e *Engine) recordVerify(ctx context.Context, st *State, step *Step, tree string, passed bool, seconds float64, logPath string) {
	head, _ := e.repo.Head(ctx)
	rec := verify.Record{Tree: tree, Command: st.Verify, Result: verify.Fail, Seconds: seconds, Host: e.host(),
		Time: e.now().UTC().Truncate(time.Second), Commit: head.String(), Tail: verify.Tail(logPath, 20)}
	state := VerifyFailed
	if passed {
		rec.Result, state = verify.Pass, VerifyPassed
	}
	step.Verify = &StepVerify{State: state, Tree: tree, Commit: head.String(), Seconds: seconds, Log: logPath}
	if err := e.pool(st).Cache().Save(context.WithoutCancel(ctx), rec); err != nil {
		e.notify(Event{Kind: EventWarn, Msg: err.Error()})
	}
}

func (e *Engine) host() string {
	if e.opts.Host != "" {
		return e.opts.Host
	}
	h, _ := os.Hostname()
	if h == "" {
		h = "unknown"
	}
	return h
}

func (e *Engine) now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now()
	}
	return time.Now()
}

// baselineLabel verifies the upstream baseline if that has not been done (in a worktree; a
// recorded result is reused) and returns the stop message's label when upstream fails too.
func (e *Engine) baselineLabel(ctx context.Context, st *State) string {
	b := st.Baseline
	if b == nil || st.Verify == "" {
		return ""
	}
	if !b.done() {
		tree, err := e.repo.TreeOf(ctx, b.Commit)
		if err != nil {
			return ""
		}
		pool := e.pool(st)
		o := pool.Verify(ctx, verify.Job{Commit: plumbing.NewHash(b.Commit), Tree: tree, Name: "baseline-verify"})
		if !e.parallel(st) {
			pool.Close(context.WithoutCancel(ctx))
		}
		if o.Err != nil {
			e.notify(Event{Kind: EventWarn, Msg: "verify of the upstream baseline: " + o.Err.Error()})
			return ""
		}
		e.setBaseline(st, o)
	}
	return b.Label
}

func (e *Engine) setBaseline(st *State, o verify.Outcome) {
	b := st.Baseline
	b.StepVerify = StepVerify{State: VerifyPassed, Commit: b.Commit, Tree: o.Job.Tree, Seconds: o.Record.Seconds, Log: o.Log}
	switch {
	case o.Cached:
		b.State, b.Host, b.Time = VerifyCached, o.Record.Host, o.Record.Time
	case !o.Record.Passed():
		b.State = VerifyFailed
	}
	if b.State == VerifyFailed {
		log := b.Log
		if log == "" {
			log = "recorded in " + verify.NotesRef
		}
		b.Label = fmt.Sprintf("upstream %s fails this verify too (log %s): the failure may not come from this patch",
			strings.TrimPrefix(b.Ref, strings.SplitN(b.Ref, "/", 2)[0]+"/"), log)
	}
}
