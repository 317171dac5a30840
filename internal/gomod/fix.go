package gomod

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// StepError is go mod tidy or go mod vendor failing for a reason the fix loop does not handle.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("go mod %s failed: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// UnfixableError is a placeholder chain the fix loop cannot repair.
type UnfixableError struct {
	Step   string
	Chain  Chain
	Reason string
}

func (e *UnfixableError) Error() string {
	return fmt.Sprintf("go mod %s failed:\n\t%s\n%s; %s", e.Step, strings.ReplaceAll(e.Chain.String(), "\n", "\n\t"), e.Chain.Explain(), e.Reason)
}

// tidyAndVendor runs go mod tidy (then go mod vendor when the repository vendors); when go
// fails with placeholder chains, it adds the replace each chain's requirer has and tries again.
func tidyAndVendor(ctx context.Context, g gocmd.Runner, f *fetcher, opts *Options, rep *Report, dir string, managed func(string) bool, vendors bool) error {
	for {
		step := "tidy"
		opts.progress("go mod tidy")
		_, err := g.Run(ctx, dir, nil, "mod", "tidy")
		if err == nil {
			rep.Tidied = true
			if !vendors {
				return nil
			}
			step = "vendor"
			opts.progress("go mod vendor")
			if _, err = g.Run(ctx, dir, nil, "mod", "vendor"); err == nil {
				rep.Vendored = true
				return nil
			}
		}
		var ge *gocmd.Error
		if !errors.As(err, &ge) || ctx.Err() != nil {
			return &StepError{Step: step, Err: err}
		}
		chains := ParseChains(ge.Stderr)
		if len(chains) == 0 {
			return &StepError{Step: step, Err: err}
		}
		gm, err := readGoMod(dir)
		if err != nil {
			return err
		}
		added := 0
		for _, c := range chains {
			if len(rep.Fixes) >= opts.MaxFixes {
				return &UnfixableError{Step: step, Chain: c, Reason: fmt.Sprintf("gave up after %d fixes", opts.MaxFixes)}
			}
			fix, err := findFix(ctx, f, gm.f, c, managed)
			if err != nil {
				if u := (*UnfixableError)(nil); errors.As(err, &u) {
					u.Step = step
				}
				return err
			}
			if slices.ContainsFunc(rep.Fixes, func(x Fix) bool { return x.Replace.Old == fix.Replace.Old && x.Replace.New == fix.Replace.New }) {
				continue
			}
			if err := gm.f.AddReplace(fix.Replace.Old.Path, fix.Replace.Old.Version, fix.Replace.New.Path, fix.Replace.New.Version); err != nil {
				return fmt.Errorf("cannot add replace for %s: %w", fix.Replace.Old.Path, err)
			}
			opts.progress("fix: replace %s => %s (from the go.mod of %s)", fix.Replace.Old.Path, newString(fix.Replace.New), fix.From)
			rep.Fixes = append(rep.Fixes, fix)
			added++
		}
		if added == 0 {
			return &UnfixableError{Step: step, Chain: chains[0], Reason: "the replace the requirer's go.mod has is already in go.mod, and go still fails"}
		}
		if _, err := gm.write(); err != nil {
			return err
		}
		rep.GoModChanged = true
	}
}

// findFix finds the replace for a chain's failing module in the go.mod of the module before it.
func findFix(ctx context.Context, f *fetcher, mf *modfile.File, c Chain, managed func(string) bool) (Fix, error) {
	step, ok := c.Requirer()
	if !ok {
		return Fix{}, &UnfixableError{Chain: c, Reason: fmt.Sprintf("add a replace for %s to go.mod by hand, or require a real version", c.Failing.Path)}
	}
	if managed(c.Failing.Path) {
		return Fix{}, &UnfixableError{Chain: c, Reason: fmt.Sprintf("a module rule manages %s: fix the rule", c.Failing.Path)}
	}
	req := module.Version{Path: step.Path, Version: step.Version}
	if step.Package || step.Version == "" {
		gr, err := walk(ctx, f, mf)
		if err != nil {
			return Fix{}, err
		}
		m, ok := gr.moduleOf(step.Path)
		if !ok {
			return Fix{}, &UnfixableError{Chain: c, Reason: fmt.Sprintf("no module in the graph provides %s", step.Path)}
		}
		req = m
	}
	src := source(mf, req)
	if err := f.fetch(ctx, []module.Version{src}); err != nil {
		return Fix{}, err
	}
	dep, why := f.get(src)
	if dep == nil {
		return Fix{}, &UnfixableError{Chain: c, Reason: fmt.Sprintf("cannot read the go.mod of %s: %s", src, why)}
	}
	for _, r := range dep.Replace {
		if r.Old.Path != c.Failing.Path || (r.Old.Version != "" && r.Old.Version != Placeholder) {
			continue
		}
		if r.New.Version == "" {
			return Fix{}, &UnfixableError{Chain: c, Reason: fmt.Sprintf("the go.mod of %s replaces it with the local directory %s, which cannot be carried over: add a replace by hand", src, r.New.Path)}
		}
		in := Inherited{Old: r.Old, New: r.New, From: []module.Version{req}}
		for _, own := range mf.Replace {
			if own.Old.Path == r.Old.Path && own.Old.Version == r.Old.Version {
				prev := own.New
				in.Previous = &prev
			}
		}
		return Fix{Chain: c, From: req, Replace: in}, nil
	}
	return Fix{}, &UnfixableError{Chain: c, Reason: fmt.Sprintf("the go.mod of %s has no replace for it either: find the commit %s really needs and add a replace for it to go.mod by hand", src, c.Failing.Path)}
}

const k8sPrefix = "kubernetes minor differs from the installer's: "

// k8sSkew warns about Kubernetes modules whose minor version the wrapper now builds differs
// from the one the installer's go.mod builds with (client-go and friends move in lock step).
func k8sSkew(mf *modfile.File, gr *graph) []string {
	var inst *modfile.File
	for m, dep := range gr.mods {
		if m.Path == "github.com/openshift/installer" && gr.selected[m.Path] == m.Version {
			inst = dep
		}
	}
	if inst == nil {
		return nil
	}
	theirs := map[string]string{}
	for _, r := range inst.Require {
		theirs[r.Mod.Path] = source(inst, r.Mod).Version
	}
	var warns []string
	for _, r := range mf.Require {
		if !strings.HasPrefix(r.Mod.Path, "k8s.io/") {
			continue
		}
		ours := source(mf, r.Mod).Version
		t, ok := theirs[r.Mod.Path]
		if !ok || !semver.IsValid(ours) || !semver.IsValid(t) || ours == Placeholder || t == Placeholder {
			continue
		}
		if semver.MajorMinor(ours) != semver.MajorMinor(t) {
			warns = append(warns, fmt.Sprintf("%s%s: the wrapper builds %s, the installer's go.mod %s", k8sPrefix, r.Mod.Path, ours, t))
		}
	}
	return warns
}
