// Package carry finds and classifies the carry patches of an installer fork branch.
package carry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// AssetsPath is the generated file the assets commit adds; the commit is known by this path,
// not only by its subject.
const AssetsPath = "data/assets_vfsdata.go"

// Kind says what a carry patch is, in the runbook's words.
type Kind string

const (
	// KindAssets is the commit that adds data/assets_vfsdata.go: regenerated after picking.
	KindAssets Kind = "assets"
	// KindCarry is a CARRY: patch, meant to live in the fork until upstream takes it.
	KindCarry Kind = "carry"
	// KindHack is a HACK: patch, a local workaround.
	KindHack Kind = "hack"
	// KindOther is a commit whose subject has neither prefix; worth a second look.
	KindOther Kind = "other"
)

// Classify names the kind of a patch from its subject and the paths it changes.
func Classify(subject string, paths []string) Kind {
	for _, p := range paths {
		if p == AssetsPath {
			return KindAssets
		}
	}
	s := strings.ToUpper(strings.TrimSpace(subject))
	switch {
	case strings.HasPrefix(s, "CARRY:"):
		return KindCarry
	case strings.HasPrefix(s, "HACK:"):
		return KindHack
	}
	return KindOther
}

// Patch is one carry patch.
type Patch struct {
	git.Commit
	Kind  Kind
	Paths []string
	// Upstream is true when a patch with the same patch-id is already in Series.Compare.
	Upstream bool
}

// Series is the carry patches of a fork branch over its upstream branch.
type Series struct {
	Base, Tip string
	// Compare is the upstream branch checked for patches it already has; "" when not checked.
	Compare string
	Patches []Patch
}

// Options says which series to discover.
type Options struct {
	// Base is the upstream branch (upstream/release-X.Y), Tip the fork branch
	// (origin/release-X.Y-azure).
	Base, Tip string
	// Compare, when set, is an upstream branch whose patch-ids mark patches already upstream.
	Compare string
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.Base == "" || o.Tip == "" {
		return fmt.Errorf("carry: base and tip are required")
	}
	return nil
}

// Discover lists the carry patches of opts.Tip over opts.Base: merges left out, oldest first.
// With opts.Compare set, commits that Compare itself contains are left out (git cherry's rule).
func Discover(ctx context.Context, repo *git.Repo, opts Options) (*Series, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	// One git process lists the patches with their paths and patch-id marks: see git.LogCherry.
	commits, err := repo.LogCherry(ctx, opts.Base, opts.Tip, opts.Compare)
	if errors.Is(err, git.ErrUnknownRevision) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("list the carry patches of %s: %w", opts.Tip, err)
	}
	s := &Series{Base: opts.Base, Tip: opts.Tip, Compare: opts.Compare}
	for _, c := range commits {
		s.Patches = append(s.Patches, Patch{Commit: c.Commit, Kind: Classify(c.Subject, c.Paths), Paths: c.Paths, Upstream: c.Equivalent})
	}
	return s, nil
}

// Assets is the assets commit of the series, or nil.
func (s *Series) Assets() *Patch {
	for i := range s.Patches {
		if s.Patches[i].Kind == KindAssets {
			return &s.Patches[i]
		}
	}
	return nil
}

// PatchesOptions are fork:patches' arguments.
type PatchesOptions struct {
	// Dir is a directory in the installer fork's work tree.
	Dir     string
	Release release.Minor
	Remotes release.Remotes
	// Note, when set, receives lines for the log.
	Note func(string)
}

// Patches is fork:patches: the carry patches of origin/release-X.Y-azure over
// upstream/release-X.Y, marked against upstream/release-X.Y+1 when that branch exists.
func Patches(ctx context.Context, o PatchesOptions) (*Series, error) {
	rem := o.Remotes.OrDefault()
	repo, err := git.OpenWorkTree(ctx, o.Dir)
	if err != nil {
		return nil, err
	}
	if o.Note != nil {
		repo.OnCLIReads(func(why string) { o.Note("note: reading through the git CLI (" + why + ")") })
	}
	opts := Options{Base: rem.UpstreamBranch(o.Release), Tip: rem.ForkBranch(o.Release)}
	if next := rem.UpstreamBranch(o.Release.Next()); repo.Exists(ctx, next) {
		opts.Compare = next
	}
	if err := repo.RequireRefs(ctx, opts.Base, opts.Tip); err != nil {
		return nil, err
	}
	if err := repo.CheckHistory(ctx, rem.Fork, rem.Upstream); err != nil {
		return nil, err
	}
	return Discover(ctx, repo, opts)
}

// InCompare counts the patches that Compare already has.
func (s *Series) InCompare() int {
	n := 0
	for _, p := range s.Patches {
		if p.Upstream {
			n++
		}
	}
	return n
}
