// Package branch creates the fork's release branch from upstream and bumps the Go version the
// hack scripts carry when the release needs a newer one.
package branch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/assess"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// BumpSubject is the subject of the commit that bumps Go in the hack scripts, as ARO writes it.
const BumpSubject = "HACK: Bumping the Golang version in build and go-test scripts"

// ErrUpstreamBranchMissing is returned when upstream has no release-X.Y branch.
var ErrUpstreamBranchMissing = errors.New("upstream branch not found")

// ExistsError is a release branch that exists with commits releasekit did not make or on
// another upstream base; it is never moved or reset.
type ExistsError struct {
	Branch, Base string
	// Ahead counts its commits not in Base (merges left out), Behind Base's commits not in it.
	Ahead, Behind int
	// Remote is true when it is the fork remote that already has the branch.
	Remote string
}

func (e *ExistsError) Error() string {
	if e.Remote != "" {
		return fmt.Sprintf("%s already has %s", e.Remote, e.Branch)
	}
	return fmt.Sprintf("branch %s already exists with %d commits not in %s and lacks %d of its commits", e.Branch, e.Ahead, e.Base, e.Behind)
}

// Options says which branch to make.
type Options struct {
	// Dir is a directory in the installer fork's work tree.
	Dir     string
	Release release.Minor
	Remotes release.Remotes
	// UpstreamURL is used to add the upstream remote when the repository lacks it.
	UpstreamURL string
	DryRun      bool
	// FetchStall gives up the fetch of upstream when it stalls this long (0: never).
	FetchStall time.Duration
	// Progress, when set, receives git fetch's progress; Notify lines for the log.
	Progress io.Writer
	Notify   func(string)
}

// Validate checks the options and fills defaults.
func (o *Options) Validate() error {
	o.Remotes = o.Remotes.OrDefault()
	if o.Release == (release.Minor{}) {
		return errors.New("branch: release is required")
	}
	return nil
}

// StepKind is one kind of change fork:branch makes.
type StepKind string

const (
	StepAddRemote StepKind = "add remote"
	StepFetch     StepKind = "fetch"
	StepCreate    StepKind = "create"
	StepCheckout  StepKind = "check out"
	StepBumpGo    StepKind = "bump Go"
)

// Step is one change made, or with DryRun planned.
type Step struct {
	Kind StepKind
	// Remote and URL: add remote, fetch.
	Remote, URL string
	// Branch and From: create (from), check out.
	Branch, From string
	// Go is the version of a Go bump.
	Go string
	// Later marks a step that a dry run cannot plan exactly before the fetch it needs.
	Later bool
}

// String says the step in words. A URL's user and password are never shown.
func (s Step) String() string {
	switch s.Kind {
	case StepAddRemote:
		return fmt.Sprintf("add remote %s %s", s.Remote, redact.URL(s.URL))
	case StepFetch:
		return "fetch " + s.Remote
	case StepCreate:
		then := ""
		if s.Later {
			then = "then "
		}
		return fmt.Sprintf("%screate %s from %s", then, s.Branch, s.From)
	case StepCheckout:
		return "check out " + s.Branch
	case StepBumpGo:
		return fmt.Sprintf("bump Go in %s and %s to %s and commit %q", assess.BuildScriptPath, assess.TestScriptPath, s.Go, BumpSubject)
	}
	return string(s.Kind)
}

// Result says what was done, or with DryRun what would be.
type Result struct {
	Branch, Base string
	DryRun       bool
	// Steps are the changes made (or planned), in order; the fetch of a real run is not one.
	Steps []Step
	// Existed is true when the branch was already there at Base: nothing to do.
	Existed bool
	// Fetched is false when the upstream refs were not refreshed (dry run).
	Fetched bool
	Go      assess.GoVersions
	Bumped  bool
	// Assessment is upstream X.Y-1 → X.Y, when both upstream branches are there.
	Assessment *assess.Assessment
}

// Run is fork:branch: it makes release-X.Y-azure from upstream/release-X.Y, checks it out,
// bumps Go in the hack scripts when the release needs it, and assesses upstream X.Y-1 → X.Y.
// It holds the repository's lock, and refuses while a sequence is in progress.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	repo, err := git.OpenWorkTree(ctx, o.Dir)
	if err != nil {
		return nil, err
	}
	if !o.DryRun {
		unlock, _, err := repo.Lock(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	eng, err := sequence.New(ctx, repo, sequence.Options{})
	if err != nil {
		return nil, err
	}
	if err := eng.Idle(); err != nil {
		return nil, err
	}
	res, err := Create(ctx, repo, o)
	if err != nil {
		return nil, err
	}
	if !res.Fetched && len(res.Steps) > 0 && res.Steps[0].Kind == StepAddRemote {
		return res, nil // dry run without the upstream refs: nothing to assess yet
	}
	prev, err := o.Release.Previous()
	if err != nil || !repo.Exists(ctx, o.Remotes.UpstreamBranch(prev)) {
		return res, nil
	}
	if err := repo.CheckHistory(ctx, o.Remotes.Fork, o.Remotes.Upstream); err != nil {
		return nil, err
	}
	res.Assessment, err = assess.Assess(ctx, repo, o.Remotes.UpstreamBranch(prev), res.Base)
	return res, err
}

// Create makes release-X.Y-azure from upstream/release-X.Y and checks it out.
func Create(ctx context.Context, repo *git.Repo, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Branch: o.Release.ForkBranch(), Base: o.Remotes.UpstreamBranch(o.Release), DryRun: o.DryRun}
	if err := repo.Ready(ctx); err != nil {
		return nil, err
	}

	url, err := repo.RemoteURL(ctx, o.Remotes.Upstream)
	if err != nil {
		return nil, err
	}
	if url == "" {
		if o.UpstreamURL == "" {
			return nil, cli.Fail(fmt.Errorf("remote %q not found and no URL to add it with", o.Remotes.Upstream), "set RELEASEKIT_UPSTREAM_URL")
		}
		res.Steps = append(res.Steps, Step{Kind: StepAddRemote, Remote: o.Remotes.Upstream, URL: o.UpstreamURL})
		if o.DryRun {
			res.Steps = append(res.Steps, Step{Kind: StepFetch, Remote: o.Remotes.Upstream},
				Step{Kind: StepCreate, Branch: res.Branch, From: res.Base, Later: true})
			return res, nil
		}
		if err := repo.AddRemote(ctx, o.Remotes.Upstream, o.UpstreamURL); err != nil {
			return nil, err
		}
	}
	if !o.DryRun {
		if o.Notify != nil {
			o.Notify("fetching " + o.Remotes.Upstream + " ...")
		}
		if err := repo.Fetch(ctx, o.Remotes.Upstream, git.FetchOptions{Progress: o.Progress, Stall: o.FetchStall}); err != nil {
			return nil, sequence.FetchError(o.Remotes.Upstream, err)
		}
		res.Fetched = true
	}
	if !repo.Exists(ctx, res.Base) {
		return nil, cli.Fail(fmt.Errorf("%w: %s (fetched from %s): has upstream branched %s yet?", ErrUpstreamBranchMissing, res.Base, o.Remotes.Upstream, o.Release),
			"check the release number and RELEASEKIT_UPSTREAM_REMOTE")
	}

	local := "refs/heads/" + res.Branch
	if repo.Exists(ctx, local) {
		if err := checkExisting(ctx, repo, res, local); err != nil {
			return nil, err
		}
		res.Existed = true
	} else {
		if remote := o.Remotes.ForkBranch(o.Release); repo.Exists(ctx, remote) {
			return nil, cli.Fail(&ExistsError{Branch: res.Branch, Base: res.Base, Remote: o.Remotes.Fork},
				fmt.Sprintf("work on it instead: git checkout -b %s %s", res.Branch, remote))
		}
		res.Steps = append(res.Steps, Step{Kind: StepCreate, Branch: res.Branch, From: res.Base})
		if !o.DryRun {
			if err := repo.CreateBranch(ctx, res.Branch, res.Base); err != nil {
				return nil, err
			}
		}
	}
	if cur, err := repo.CurrentBranch(ctx); err != nil {
		return nil, err
	} else if cur != res.Branch {
		res.Steps = append(res.Steps, Step{Kind: StepCheckout, Branch: res.Branch})
		if !o.DryRun {
			if err := repo.Checkout(ctx, res.Branch); err != nil {
				return nil, err
			}
		}
	}
	return res, bumpGo(ctx, repo, res, o.DryRun)
}

// checkExisting accepts an existing branch only when it is exactly the upstream base, or the
// base plus releasekit's own Go bump commit.
func checkExisting(ctx context.Context, repo *git.Repo, res *Result, local string) error {
	behind, err := repo.Count(ctx, local, res.Base)
	if err != nil {
		return err
	}
	extra, err := repo.Log(ctx, res.Base, local)
	if err != nil {
		return err
	}
	ahead, err := repo.Count(ctx, res.Base, local)
	if err != nil {
		return err
	}
	ours := ahead == 0 || (ahead == 1 && len(extra) == 1 && extra[0].Subject == BumpSubject)
	// The ancestry test is exact; the counts above only word the error.
	onBase, err := repo.IsAncestor(ctx, res.Base, local)
	if err != nil {
		return err
	}
	if !onBase || !ours {
		m := strings.TrimSuffix(strings.TrimPrefix(res.Branch, "release-"), "-azure")
		return cli.Fail(&ExistsError{Branch: res.Branch, Base: res.Base, Ahead: ahead, Behind: behind},
			"releasekit never moves or resets a branch",
			fmt.Sprintf("to port the carry patches onto it run %q; to replay it onto a newer upstream run %q", cli.Cmd("fork:cherryPick", m), cli.Cmd("fork:rebaseAgain", m)),
			"to start over, rename it yourself: git branch -m "+res.Branch+" "+res.Branch+"-old")
	}
	return nil
}

func bumpGo(ctx context.Context, repo *git.Repo, res *Result, dryRun bool) error {
	// Read from the branch (or, in a dry run of a new branch, from its base).
	rev := "refs/heads/" + res.Branch
	if !repo.Exists(ctx, rev) {
		rev = res.Base
	}
	v, err := assess.ReadGoVersionsAt(ctx, repo, rev)
	if err != nil {
		return err
	}
	res.Go = v
	if !v.NeedsBump() {
		return nil
	}
	res.Steps = append(res.Steps, Step{Kind: StepBumpGo, Go: v.Required})
	res.Bumped = true
	if dryRun {
		return nil
	}
	build, err := repo.ReadFile(ctx, rev, assess.BuildScriptPath)
	if err != nil {
		return err
	}
	test, err := repo.ReadFile(ctx, rev, assess.TestScriptPath)
	if err != nil {
		return err
	}
	nb, nt := assess.BumpScripts(build, test, v.Required)
	for p, b := range map[string][]byte{assess.BuildScriptPath: nb, assess.TestScriptPath: nt} {
		if err := fsutil.WriteFile(repo.WorkPath(p), b, 0o755); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("%s\n\nupstream %s needs Go %s (go.mod %s, CI builder image %s); the scripts carried %s.\n",
		BumpSubject, res.Base, v.Required, v.GoMod, orNone(v.Builder), orNone(v.BuildScript))
	if err := repo.CommitFiles(ctx, msg, assess.BuildScriptPath, assess.TestScriptPath); err != nil {
		return fmt.Errorf("commit the Go bump: %w", err)
	}
	res.Go, err = assess.ReadGoVersionsAt(ctx, repo, "HEAD")
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
