package gomod

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/aro-releasekit/releasekit/internal/gocmd"
	"github.com/aro-releasekit/releasekit/internal/release"
)

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
	k8s     *k8sState
}

// k8sState is the Kubernetes tag the k8s rules align to, once known, and the modules left alone.
type k8sState struct {
	tag, from string
	unaligned []Unaligned
	// aligned are the modules replaced at the tag.
	aligned map[string]bool
}

// apply resolves changes' queries and edits gm (in memory). A module that only a follow
// prefix named and whose branch does not exist is left to go mod (an error with -strict); k8s
// changes are resolved once the installer's Kubernetes tag is known.
func (st *planState) apply(ctx context.Context, g gocmd.Runner, f *fetcher, opts *Options, gm *goModFile, rep *Report, changes []Change, queries []Query) error {
	for _, c := range changes {
		st.planned[c.Module] = true
	}
	opts.progress("resolving %d module branches (%d at a time)", len(queries), opts.Jobs)
	res := resolver{g: g, jobs: opts.Jobs, retries: opts.Retries, retryDelay: opts.RetryDelay, progress: opts.Progress}
	resolved, err := res.resolveAll(ctx, queries)
	if err != nil {
		missing, rest := splitNotFound(err)
		var unbranched []Query
		for _, q := range missing {
			if !opts.Strict && onlyFollowed(changes, q) {
				unbranched = append(unbranched, q.Query)
				continue
			}
			rest = append(rest, q.err)
		}
		if len(rest) > 0 {
			return errors.Join(rest...)
		}
		for _, q := range unbranched {
			opts.progress("%s has no branch %s: left to go mod", q.Path, q.Query)
			rep.NotBranched = append(rep.NotBranched, Unbranched{Module: q.Path, Branch: q.Query})
			changes = slices.DeleteFunc(changes, func(c Change) bool { return c.Module == q.Path && c.Kind == KindFollow })
		}
	}
	if err := st.k8sTag(f, changes, resolved); err != nil {
		return err
	}
	changes, err = st.alignK8s(ctx, res, gm, changes, resolved)
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

// missingQuery is a query whose revision does not exist, with its error.
type missingQuery struct {
	Query
	err error
}

// splitNotFound sorts resolution errors into missing revisions and the rest.
func splitNotFound(err error) ([]missingQuery, []error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var missing []missingQuery
	var rest []error
	for _, e := range errs {
		var re *ResolveError
		if errors.As(e, &re) && errors.Is(e, ErrRevisionNotFound) {
			missing = append(missing, missingQuery{Query{re.Path, re.Query}, e})
			continue
		}
		rest = append(rest, e)
	}
	return missing, rest
}

// onlyFollowed says whether every change that asked q comes from a follow prefix.
func onlyFollowed(changes []Change, q missingQuery) bool {
	any := false
	for _, c := range changes {
		if c.Query == q.Query.Query && strings.HasPrefix(c.New, q.Path+"@") {
			if c.Kind != KindFollow || c.explicit {
				return false
			}
			any = true
		}
	}
	return any
}

// prepare resolves the planned changes, applies them to gm (in memory), and carries over the
// replaces of dependencies until the graph stops moving. It returns the graph.
func prepare(ctx context.Context, g gocmd.Runner, f *fetcher, opts *Options, gm *goModFile, rep *Report, st *planState) (*graph, error) {
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
		// A rule written for a module the wrapper does not name yet (a pin, a fork, a k8s
		// alignment) acts once the new release brings the module into the graph.
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
		found, local, err := inherit(gr, gm.f, st.managed, func(p string) bool { return st.k8s.aligned[p] })
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
			if st.aligned(rep, in) {
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
	changes, queries := planPaths(mf, rules, rel, paths, false)
	ownedPaths := map[string]bool{}
	for _, c := range changes {
		// A k8s alignment gives way to a fork that a dependency replaces the module with.
		if c.Kind != KindK8s {
			ownedPaths[c.Module] = true
		}
	}
	return changes, queries, func(p string) bool {
		if ownedPaths[p] {
			return true
		}
		r, ok := rules.lookup(p)
		return ok && r.Module == p && !r.fromFollow && r.Prefix == "" && r.Kind != KindK8s
	}
}

// planPaths plans the rules for paths. graphOnly plans the modules the build graph brings in
// and go.mod does not name yet: only module rules that replace (pin, fork, installer) and k8s
// rules act there; follow prefixes, prefix forks and pins wait until go mod tidy requires the
// module.
func planPaths(mf *modfile.File, rules Rules, rel release.Minor, paths []string, graphOnly bool) ([]Change, []Query) {
	var changes []Change
	var queries []Query
	seen := map[Query]bool{}
	for _, p := range paths {
		r, ok := rules.lookup(p)
		if !ok {
			continue
		}
		if graphOnly && r.Kind != KindK8s && (r.Prefix != "" || r.Kind == KindSkip || r.Kind == KindDropReplace) {
			continue
		}
		if (r.Kind == KindFollow || r.Kind == KindFork || r.Kind == KindPin) && r.Prefix != "" && !graphOnly && !required(mf, p) {
			// A prefix is for what the wrapper requires; a lone replace is someone's choice.
			continue
		}
		c := Change{Module: p, Kind: r.Kind, Old: current(mf, p), Why: r.Why, explicit: r.explicit()}
		if r.Prefix != "" && !r.fromFollow {
			c.Prefix = r.Prefix
		}
		var q Query
		switch r.Kind {
		case KindSkip:
			c.New = c.Old
		case KindDropReplace:
		case KindK8s:
			// The tag is known once the installer is resolved (alignK8s).
			c.New = c.Old
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
		case KindK8s:
			if c.Query == "" {
				continue // left alone
			}
			r, ok := resolved[Query{c.Module, c.Query}]
			if !ok {
				return fmt.Errorf("internal error: %s@%s was not resolved", c.Module, c.Query)
			}
			to = module.Version{Path: c.Module, Version: r.Version}
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
