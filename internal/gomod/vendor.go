// Package gomod points the installer wrapper's modules at an OpenShift release and keeps its
// go.mod buildable: rule-driven replaces, replaces inherited from dependencies, a fix loop for
// placeholder-version chains, then go mod tidy and go mod vendor.
package gomod

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/aro-releasekit/releasekit/internal/release"
)

// Options configure Vendor.
type Options struct {
	// Dir is the wrapper repository (its go.mod is there).
	Dir string
	// Release is the OpenShift minor to point the modules at.
	Release release.Minor
	// Rules are the module rules; nil reads RulesFile in Dir over the defaults.
	Rules *Rules
	// DryRun resolves and plans, and writes nothing.
	DryRun bool
	// Jobs bounds how many go commands run at once (default 16). They mostly wait on the
	// network, so more than the number of CPUs pays.
	Jobs int
	// Retries is how often a transient resolution failure is retried (default 3, negative
	// for none), waiting RetryDelay (default 500ms) and doubling it each time.
	Retries    int
	RetryDelay time.Duration
	// MaxFixes bounds the fix loop (default 10).
	MaxFixes int
	// Env is added to the environment of every go command.
	Env []string
	// NoInherit leaves out replace inheritance, so that the fix loop alone meets go's
	// errors (to see what go says without it).
	NoInherit bool
	// Progress, when set, is told about each long step.
	Progress func(string)
}

// Validate checks the options and sets defaults.
func (o *Options) Validate() error {
	if o.Dir == "" {
		return errors.New("no wrapper directory given")
	}
	if o.Release == (release.Minor{}) {
		return errors.New("no release given")
	}
	if o.Jobs == 0 {
		o.Jobs = 16
	}
	if o.Jobs < 1 || o.Jobs > 256 {
		return fmt.Errorf("jobs %d: want 1 to 256", o.Jobs)
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = 500 * time.Millisecond
	}
	if o.MaxFixes == 0 {
		o.MaxFixes = 10
	}
	if o.Rules != nil {
		if err := o.Rules.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// Change is what a rule did to one module.
type Change struct {
	Module string `json:"module"`
	Kind   Kind   `json:"kind"`
	// Query is the branch (or revision) followed; empty for skip and drop-replace.
	Query string `json:"query,omitempty"`
	// Old is what the wrapper built the module from before: its replacement, else the
	// required version.
	Old string `json:"old,omitempty"`
	// New is the replacement now, empty when dropped or skipped.
	New string `json:"new,omitempty"`
	Why string `json:"why,omitempty"`
}

// Changed says whether the module's source moved.
func (c Change) Changed() bool { return c.Old != c.New && c.Kind != KindSkip }

// Fix is a replace the fix loop added because go failed with a chain.
type Fix struct {
	Chain   Chain          `json:"chain"`
	From    module.Version `json:"from"`
	Replace Inherited      `json:"replace"`
}

// Report is what a run did (or, dry, would do).
type Report struct {
	Release   string      `json:"release"`
	DryRun    bool        `json:"dryRun"`
	Rules     string      `json:"rules"`
	Changes   []Change    `json:"changes"`
	Inherited []Inherited `json:"inherited"`
	Fixes     []Fix       `json:"fixes"`
	Warnings  []string    `json:"warnings"`
	// GoModChanged says whether go.mod was written (by us or by go mod tidy).
	GoModChanged bool `json:"goModChanged"`
	Tidied       bool `json:"tidied"`
	Vendored     bool `json:"vendored"`
}

// Vendor points the wrapper at opts.Release: it resolves every rule's branch, edits the
// replaces, carries over the replaces of dependencies, then runs go mod tidy (and go mod
// vendor when the repository vendors), repairing placeholder chains as go reports them.
// Nothing is written when resolution, rules or inheritance fail.
func Vendor(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	gm, err := readGoMod(opts.Dir)
	if err != nil {
		return nil, err
	}
	rules := opts.Rules
	if rules == nil {
		r, err := LoadRules(opts.Dir, "")
		if err != nil {
			return nil, err
		}
		rules = &r
	}
	rep := &Report{Release: opts.Release.String(), DryRun: opts.DryRun, Rules: rules.Source}
	if rep.Rules == "" {
		rep.Rules = "defaults"
	} else if rel, err := filepath.Rel(opts.Dir, rep.Rules); err == nil && !strings.HasPrefix(rel, "..") {
		rep.Rules = filepath.ToSlash(rel) + " over the defaults"
	}
	g := goCmd{env: opts.Env}
	f := newFetcher(g, opts.Jobs, opts.Dir)
	orig := gm.data
	planned := map[string]bool{}

	// go mod tidy can add requirements that the rules cover (a new github.com/openshift module
	// the installer brings in): those get their rule in another round, so that the next run
	// finds nothing to do.
	for round := 1; ; round++ {
		if round > 1 {
			if gm, err = readGoMod(opts.Dir); err != nil {
				return rep, err
			}
		}
		changes, queries, managed := plan(gm.f, *rules, opts.Release)
		if round > 1 {
			changes, queries = unplanned(changes, planned)
			if !slices.ContainsFunc(changes, func(c Change) bool { return c.Kind != KindSkip }) || round > 3 {
				rep.Changes = append(rep.Changes, changes...)
				break
			}
			opts.progress("go mod tidy added modules the rules cover: another round")
		}
		st := &planState{rules: *rules, changes: changes, queries: queries, managed: managed, planned: planned}
		gr, err := prepare(ctx, g, f, &opts, gm, rep, st)
		if err != nil {
			if round == 1 {
				return nil, err
			}
			return rep, fmt.Errorf("after go mod tidy, which already updated go.mod: %w", err)
		}
		if opts.DryRun {
			return rep, nil
		}
		if _, err := gm.write(); err != nil {
			return rep, err
		}
		vendors := exists(filepath.Join(opts.Dir, "vendor", "modules.txt"))
		err = tidyAndVendor(ctx, g, f, &opts, rep, managed, vendors)
		final, rerr := readGoMod(opts.Dir)
		if rerr == nil {
			rep.GoModChanged = string(final.data) != string(orig)
		}
		if err != nil {
			return rep, err
		}
		if rerr != nil {
			return rep, rerr
		}
		rep.Warnings = slices.DeleteFunc(rep.Warnings, func(w string) bool { return strings.HasPrefix(w, k8sPrefix) })
		rep.Warnings = append(rep.Warnings, k8sSkew(final.f, gr)...)
	}
	return rep, nil
}

// unplanned keeps the changes (and their queries) for modules no earlier round planned.
func unplanned(changes []Change, planned map[string]bool) ([]Change, []Query) {
	var keep []Change
	var qs []Query
	seen := map[Query]bool{}
	for _, c := range changes {
		if planned[c.Module] {
			continue
		}
		keep = append(keep, c)
		if c.Query != "" {
			path, query, _ := strings.Cut(c.New, "@")
			if q := (Query{path, query}); !seen[q] {
				seen[q] = true
				qs = append(qs, q)
			}
		}
	}
	return keep, qs
}

// planState is one round's plan and what earlier rounds planned.
type planState struct {
	rules   Rules
	changes []Change
	queries []Query
	managed func(string) bool
	planned map[string]bool
}

// apply resolves changes' queries and edits gm (in memory).
func (st *planState) apply(ctx context.Context, g goCmd, f *fetcher, opts *Options, gm *goModFile, rep *Report, changes []Change, queries []Query) error {
	for _, c := range changes {
		st.planned[c.Module] = true
	}
	opts.progress("resolving %d module branches (%d at a time)", len(queries), opts.Jobs)
	res := resolver{g: g, jobs: opts.Jobs, retries: opts.Retries, retryDelay: opts.RetryDelay, progress: opts.Progress}
	resolved, err := res.resolveAll(ctx, queries)
	if err != nil {
		return err
	}
	if err := applyChanges(gm.f, changes, resolved); err != nil {
		return err
	}
	rep.Changes = append(rep.Changes, changes...)
	// Resolution already read the go.mod of every module it resolved.
	for _, r := range resolved {
		if data, err := os.ReadFile(r.GoMod); err == nil {
			f.parse(module.Version{Path: r.Path, Version: r.Version}, r.GoMod, data)
		}
	}
	return nil
}

// prepare resolves the planned changes, applies them to gm (in memory), and carries over the
// replaces of dependencies until the graph stops moving. It returns the graph.
func prepare(ctx context.Context, g goCmd, f *fetcher, opts *Options, gm *goModFile, rep *Report, st *planState) (*graph, error) {
	if err := st.apply(ctx, g, f, opts, gm, rep, st.changes, st.queries); err != nil {
		return nil, err
	}
	var gr *graph
	var err error
	for round := 1; ; round++ {
		opts.progress("reading the module graph (round %d)", round)
		if gr, err = walk(ctx, f, gm.f); err != nil {
			return nil, err
		}
		moved := false
		// A rule written for a module the wrapper does not name yet (a pin, a fork) acts once
		// the new release brings the module into the graph.
		var paths []string
		for p := range gr.selected {
			if !st.planned[p] {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		if more, qs := planPaths(gm.f, st.rules, opts.Release, paths, true); len(more) > 0 {
			if err := st.apply(ctx, g, f, opts, gm, rep, more, qs); err != nil {
				return nil, err
			}
			moved = true
		}
		if opts.NoInherit {
			if moved && round < 10 {
				continue
			}
			break
		}
		found, local, err := inherit(gr, gm.f, st.managed)
		if err != nil {
			return nil, err
		}
		for _, l := range local {
			rep.Warnings = appendNew(rep.Warnings, "cannot inherit: "+l)
		}
		for _, in := range found {
			if !in.Changed() {
				continue
			}
			if err := gm.f.AddReplace(in.Old.Path, in.Old.Version, in.New.Path, in.New.Version); err != nil {
				return nil, fmt.Errorf("cannot add replace for %s: %w", in.Old.Path, err)
			}
			rep.Inherited = append(rep.Inherited, in)
			moved = true
		}
		if !moved || round >= 10 {
			break
		}
	}
	for m, why := range gr.unread {
		rep.Warnings = appendNew(rep.Warnings, fmt.Sprintf("cannot read the go.mod of %s: %s", m, why))
	}
	slices.Sort(rep.Warnings)
	return gr, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// plan lists what each rule does to the modules the wrapper's go.mod names, and the queries
// to resolve. managed says which module paths the rules own (inheritance leaves them alone).
func plan(mf *modfile.File, rules Rules, rel release.Minor) ([]Change, []Query, func(string) bool) {
	named := map[string]bool{}
	var paths []string
	for _, r := range mf.Require {
		if !named[r.Mod.Path] {
			named[r.Mod.Path] = true
			paths = append(paths, r.Mod.Path)
		}
	}
	for _, r := range mf.Replace {
		if !named[r.Old.Path] {
			named[r.Old.Path] = true
			paths = append(paths, r.Old.Path)
		}
	}
	slices.Sort(paths)
	ownedPaths := map[string]bool{}
	for _, r := range rules.Rules {
		ownedPaths[r.Module] = true
	}
	changes, queries := planPaths(mf, rules, rel, paths, false)
	for _, c := range changes {
		ownedPaths[c.Module] = true
	}
	return changes, queries, func(p string) bool { return ownedPaths[p] }
}

// planPaths plans the rules for paths. explicitOnly leaves out the follow prefixes and the
// rules that only act on what go.mod names (skip, drop-replace): it plans the modules the
// build graph brings in.
func planPaths(mf *modfile.File, rules Rules, rel release.Minor, paths []string, explicitOnly bool) ([]Change, []Query) {
	var changes []Change
	var queries []Query
	seen := map[Query]bool{}
	for _, p := range paths {
		r, ok := rules.lookup(p)
		if !ok {
			continue
		}
		if explicitOnly && (!slices.ContainsFunc(rules.Rules, func(x Rule) bool { return x.Module == p }) || r.Kind == KindSkip || r.Kind == KindDropReplace) {
			continue
		}
		if r.Kind == KindFollow && !explicitOnly && !required(mf, p) {
			// Follow is for what the wrapper requires; a lone replace is someone's choice.
			continue
		}
		c := Change{Module: p, Kind: r.Kind, Old: current(mf, p), Why: r.Why}
		var q Query
		switch r.Kind {
		case KindSkip:
			c.New = c.Old
		case KindDropReplace:
		case KindFollow:
			q = Query{p, rel.UpstreamBranch()}
		case KindFork:
			q = Query{r.target(p), rel.UpstreamBranch()}
		case KindInstaller:
			if r.Source == "upstream" {
				q = Query{p, rel.UpstreamBranch()}
			} else {
				q = Query{r.target(p), rel.ForkBranch()}
			}
		case KindPin:
			if semver.IsValid(r.Version) {
				c.New = r.target(p) + " " + r.Version
			} else {
				q = Query{r.target(p), r.Version}
			}
		}
		if q.Path != "" {
			c.Query = q.Query
			c.New = q.Path + "@" + q.Query // filled in once resolved
			if !seen[q] {
				seen[q] = true
				queries = append(queries, q)
			}
		}
		changes = append(changes, c)
	}
	return changes, queries
}

func required(mf *modfile.File, p string) bool {
	return slices.ContainsFunc(mf.Require, func(r *modfile.Require) bool { return r.Mod.Path == p })
}

// current is what the wrapper builds p from: its replacement, else its required version.
func current(mf *modfile.File, p string) string {
	for _, r := range mf.Replace {
		if r.Old.Path == p {
			if r.New.Path == p {
				return r.New.Version
			}
			return newString(r.New)
		}
	}
	for _, r := range mf.Require {
		if r.Mod.Path == p {
			return r.Mod.Version
		}
	}
	return ""
}

// applyChanges edits the replaces the plan calls for, with the resolved versions.
func applyChanges(mf *modfile.File, changes []Change, resolved map[Query]Resolved) error {
	for i := range changes {
		c := &changes[i]
		var to module.Version
		switch c.Kind {
		case KindSkip:
			continue
		case KindDropReplace:
			for _, r := range slices.Clone(mf.Replace) {
				if r.Old.Path == c.Module {
					if err := mf.DropReplace(r.Old.Path, r.Old.Version); err != nil {
						return fmt.Errorf("cannot drop replace of %s: %w", c.Module, err)
					}
				}
			}
			c.New = current(mf, c.Module)
			continue
		default:
			if c.Query != "" {
				path, query, _ := strings.Cut(c.New, "@")
				r, ok := resolved[Query{path, query}]
				if !ok {
					return fmt.Errorf("internal error: %s@%s was not resolved", path, query)
				}
				to = module.Version{Path: path, Version: r.Version}
			} else {
				path, v, _ := strings.Cut(c.New, " ")
				to = module.Version{Path: path, Version: v}
			}
		}
		if err := mf.AddReplace(c.Module, "", to.Path, to.Version); err != nil {
			return fmt.Errorf("cannot replace %s: %w", c.Module, err)
		}
		if to.Path == c.Module {
			c.New = to.Version
		} else {
			c.New = newString(to)
		}
	}
	return nil
}
