// Package branch creates the fork's release branch from upstream and bumps the Go version the
// hack scripts carry when the release needs a newer one.
package branch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aro-releasekit/releasekit/internal/assess"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// BumpSubject is the subject of the commit that bumps Go in the hack scripts, as ARO writes it.
const BumpSubject = "HACK: Bumping the Golang version in build and go-test scripts"

// ErrUpstreamBranchMissing is returned when upstream has no release-X.Y branch.
var ErrUpstreamBranchMissing = errors.New("upstream branch not found")

// DirtyError refuses to work on a tree with uncommitted changes.
type DirtyError struct{ Paths []string }

func (e *DirtyError) Error() string {
	return fmt.Sprintf("the work tree has uncommitted changes (%d paths, first %s)", len(e.Paths), e.Paths[0])
}

// InProgressError refuses to work while git is in the middle of another operation.
type InProgressError struct{ What string }

func (e *InProgressError) Error() string { return "a " + e.What + " is in progress in this repository" }

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
	Release                    release.Minor
	UpstreamRemote, ForkRemote string
	// UpstreamURL is used to add UpstreamRemote when the repository lacks it.
	UpstreamURL string
	DryRun      bool
	// Progress, when set, receives git fetch's progress.
	Progress io.Writer
}

// Validate checks the options and fills defaults.
func (o *Options) Validate() error {
	if o.UpstreamRemote == "" {
		o.UpstreamRemote = "upstream"
	}
	if o.ForkRemote == "" {
		o.ForkRemote = "origin"
	}
	if o.Release == (release.Minor{}) {
		return errors.New("branch: release is required")
	}
	return nil
}

// Result says what was done, or with DryRun what would be.
type Result struct {
	Branch, Base string
	// Steps are the changes made (or planned), in order, in words.
	Steps []string
	// Existed is true when the branch was already there at Base: nothing to do.
	Existed bool
	// Fetched is false when the upstream refs were not refreshed (dry run).
	Fetched bool
	Go      assess.GoVersions
	Bumped  bool
}

// Create makes release-X.Y-azure from upstream/release-X.Y and checks it out.
func Create(ctx context.Context, repo *git.Repo, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Branch: o.Release.ForkBranch(), Base: o.UpstreamRemote + "/" + o.Release.UpstreamBranch()}
	if what := repo.InProgress(); what != "" {
		return nil, &InProgressError{What: what}
	}
	dirty, err := repo.Dirty(ctx)
	if err != nil {
		return nil, err
	}
	if len(dirty) > 0 {
		return nil, &DirtyError{Paths: dirty}
	}

	url, err := repo.RemoteURL(ctx, o.UpstreamRemote)
	if err != nil {
		return nil, err
	}
	if url == "" {
		if o.UpstreamURL == "" {
			return nil, fmt.Errorf("remote %q not found and no URL to add it with", o.UpstreamRemote)
		}
		res.Steps = append(res.Steps, fmt.Sprintf("add remote %s %s", o.UpstreamRemote, o.UpstreamURL))
		if o.DryRun {
			res.Steps = append(res.Steps, "fetch "+o.UpstreamRemote, "then create "+res.Branch+" from "+res.Base)
			return res, nil
		}
		if err := repo.AddRemote(ctx, o.UpstreamRemote, o.UpstreamURL); err != nil {
			return nil, err
		}
	}
	if !o.DryRun {
		if err := repo.Fetch(ctx, o.UpstreamRemote, o.Progress); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", o.UpstreamRemote, err)
		}
		res.Fetched = true
		res.Steps = append(res.Steps, "fetched "+o.UpstreamRemote)
	}
	if !repo.Exists(ctx, res.Base) {
		return nil, fmt.Errorf("%w: %s (fetched from %s): has upstream branched %s yet?", ErrUpstreamBranchMissing, res.Base, o.UpstreamRemote, o.Release)
	}

	local := "refs/heads/" + res.Branch
	if repo.Exists(ctx, local) {
		if err := checkExisting(ctx, repo, res, local); err != nil {
			return nil, err
		}
		res.Existed = true
	} else {
		if remote := o.ForkRemote + "/" + res.Branch; repo.Exists(ctx, remote) {
			return nil, &ExistsError{Branch: res.Branch, Base: res.Base, Remote: o.ForkRemote}
		}
		res.Steps = append(res.Steps, fmt.Sprintf("create %s from %s", res.Branch, res.Base))
		if !o.DryRun {
			if err := repo.CreateBranch(ctx, res.Branch, res.Base); err != nil {
				return nil, err
			}
		}
	}
	if cur, err := repo.CurrentBranch(ctx); err != nil {
		return nil, err
	} else if cur != res.Branch {
		res.Steps = append(res.Steps, "check out "+res.Branch)
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
		return &ExistsError{Branch: res.Branch, Base: res.Base, Ahead: ahead, Behind: behind}
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
	res.Steps = append(res.Steps, fmt.Sprintf("bump Go in %s and %s to %s and commit %q", assess.BuildScriptPath, assess.TestScriptPath, v.Required, BumpSubject))
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
		full := filepath.Join(repo.Dir, filepath.FromSlash(p))
		st, err := os.Stat(full)
		if err != nil {
			return err
		}
		if err := os.WriteFile(full, b, st.Mode().Perm()); err != nil {
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
