package gomod

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/sync/errgroup"

	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// fetcher reads go.mod files of module versions through go list (which downloads only the
// .info and .mod of each, never the code), a batch per go command, batches in parallel.
type fetcher struct {
	g    gocmd.Runner
	jobs int
	// dir is the wrapper's directory, against which local-directory replaces are read.
	dir string

	mu    sync.Mutex
	cache map[module.Version]*modfile.File
	errs  map[module.Version]string
}

const fetchBatch = 50

func newFetcher(g gocmd.Runner, jobs int, dir string) *fetcher {
	return &fetcher{g: g, jobs: jobs, dir: dir, cache: map[module.Version]*modfile.File{}, errs: map[module.Version]string{}}
}

// fetch reads the go.mod files of ms (each a module version, or a local directory when
// Version is empty). Failures are kept per module, not returned: a module whose go.mod cannot
// be read is reported, and go itself says more when it needs that module.
func (f *fetcher) fetch(ctx context.Context, ms []module.Version) error {
	var remote []module.Version
	for _, m := range ms {
		f.mu.Lock()
		_, have := f.cache[m]
		_, failed := f.errs[m]
		f.mu.Unlock()
		if have || failed {
			continue
		}
		if m.Version == "" {
			f.readLocal(m)
			continue
		}
		remote = append(remote, m)
	}
	if len(remote) == 0 {
		return nil
	}
	dir, done, err := queryDir()
	if err != nil {
		return err
	}
	defer done()
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(f.jobs)
	for batch := range slices.Chunk(remote, fetchBatch) {
		eg.Go(func() error {
			qs := make([]string, len(batch))
			for i, m := range batch {
				qs[i] = m.Path + "@" + m.Version
			}
			ls, err := f.g.List(ctx, dir, qs...)
			if err != nil {
				return err
			}
			for i, l := range ls {
				m := batch[i]
				if l.Error != nil {
					f.fail(m, l.Error.Err)
					continue
				}
				data, err := os.ReadFile(l.GoMod)
				if err != nil {
					f.fail(m, err.Error())
					continue
				}
				f.parse(m, l.GoMod, data)
			}
			return nil
		})
	}
	return eg.Wait()
}

func (f *fetcher) readLocal(m module.Version) {
	dir := m.Path
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(f.dir, dir)
	}
	file := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(file)
	if err != nil {
		f.fail(m, err.Error())
		return
	}
	f.parse(m, file, data)
}

func (f *fetcher) parse(m module.Version, file string, data []byte) {
	// ParseLax would drop the replaces, which are what we read dependencies' go.mod files for;
	// it stays the fallback for a go.mod with directives newer than x/mod knows.
	mf, err := modfile.Parse(file, data, nil)
	if err != nil {
		if mf, err = modfile.ParseLax(file, data, nil); err != nil {
			f.fail(m, err.Error())
			return
		}
	}
	f.mu.Lock()
	f.cache[m] = mf
	f.mu.Unlock()
}

func (f *fetcher) fail(m module.Version, msg string) {
	f.mu.Lock()
	f.errs[m] = strings.TrimSpace(msg)
	f.mu.Unlock()
}

func (f *fetcher) get(m module.Version) (*modfile.File, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cache[m], f.errs[m]
}

// source is where go reads a required module from: our replace for it, else itself.
func source(mf *modfile.File, m module.Version) module.Version {
	var wild *modfile.Replace
	for _, r := range mf.Replace {
		if r.Old.Path != m.Path {
			continue
		}
		if r.Old.Version == m.Version {
			return r.New
		}
		if r.Old.Version == "" {
			wild = r
		}
	}
	if wild != nil {
		return wild.New
	}
	return m
}

// graph is the wrapper's requirement graph as the go.mod files tell it: every module path with
// the highest version anything requires (minimal version selection), and the go.mod of each.
type graph struct {
	main     string
	selected map[string]string
	// depth is how far from the wrapper each module path was first met: 1 for what the
	// wrapper's go.mod requires.
	depth map[string]int
	// mods holds the go.mod read for each selected module version, keyed by the required
	// version (its replacement's go.mod when we replace it).
	mods map[module.Version]*modfile.File
	// unread are module versions whose go.mod could not be read, with go's reason.
	unread map[module.Version]string
}

// walk builds the graph from the wrapper's go.mod as edited so far.
func walk(ctx context.Context, f *fetcher, mf *modfile.File) (*graph, error) {
	g := &graph{selected: map[string]string{}, depth: map[string]int{}, mods: map[module.Version]*modfile.File{}, unread: map[module.Version]string{}}
	if mf.Module != nil {
		g.main = mf.Module.Mod.Path
	}
	add := func(reqs []*modfile.Require, depth int) {
		for _, r := range reqs {
			if r.Mod.Path == g.main {
				continue
			}
			if cur, ok := g.selected[r.Mod.Path]; !ok || semver.Compare(r.Mod.Version, cur) > 0 {
				g.selected[r.Mod.Path] = r.Mod.Version
			}
			if d, ok := g.depth[r.Mod.Path]; !ok || depth < d {
				g.depth[r.Mod.Path] = depth
			}
		}
	}
	add(mf.Require, 1)
	visited := map[module.Version]bool{}
	for {
		var need []module.Version
		srcs := map[module.Version]module.Version{}
		for p, v := range g.selected {
			m := module.Version{Path: p, Version: v}
			if visited[m] {
				continue
			}
			visited[m] = true
			src := source(mf, m)
			if src.Version == Placeholder {
				// Names no commit: only a replace can give it a go.mod.
				continue
			}
			srcs[m] = src
			need = append(need, src)
		}
		if len(need) == 0 {
			g.depths(mf)
			return g, nil
		}
		if err := f.fetch(ctx, need); err != nil {
			return nil, err
		}
		for m, src := range srcs {
			dep, why := f.get(src)
			if dep == nil {
				g.unread[m] = why
				continue
			}
			g.mods[m] = dep
			add(dep.Require, g.depth[m.Path]+1)
		}
	}
}

// depths sets how far each module is from the wrapper, breadth first from what the wrapper
// requires directly: after go mod tidy the wrapper's go.mod lists every module of the build
// (the "// indirect" ones too), and those are as far as the dependencies that bring them.
func (g *graph) depths(mf *modfile.File) {
	g.depth = map[string]int{}
	var queue []string
	for _, r := range mf.Require {
		if !r.Indirect && r.Mod.Path != g.main {
			if _, ok := g.depth[r.Mod.Path]; !ok {
				g.depth[r.Mod.Path] = 1
				queue = append(queue, r.Mod.Path)
			}
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		dep := g.mods[module.Version{Path: p, Version: g.selected[p]}]
		if dep == nil {
			continue
		}
		for _, r := range dep.Require {
			if _, ok := g.depth[r.Mod.Path]; !ok && r.Mod.Path != g.main {
				g.depth[r.Mod.Path] = g.depth[p] + 1
				queue = append(queue, r.Mod.Path)
			}
		}
	}
	for p := range g.selected {
		if _, ok := g.depth[p]; !ok {
			g.depth[p] = len(g.selected) + 1 // only the wrapper's "// indirect" lines name it
		}
	}
}

// moduleOf is the selected module that provides a package: the longest module path that is
// the package path or a prefix of it.
func (g *graph) moduleOf(pkg string) (module.Version, bool) {
	best := ""
	for p := range g.selected {
		if (pkg == p || strings.HasPrefix(pkg, p+"/")) && len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return module.Version{}, false
	}
	return module.Version{Path: best, Version: g.selected[best]}, true
}

// Inherited is a replace carried into the wrapper's go.mod from the go.mod of a dependency.
type Inherited struct {
	Old module.Version `json:"old"`
	New module.Version `json:"new"`
	// From are the dependencies (at their selected versions) whose go.mod has the replace.
	From []module.Version `json:"from"`
	// Previous is the wrapper's replace before, if it had one.
	Previous *module.Version `json:"previous,omitempty"`
}

// Changed says whether the wrapper's go.mod gains or changes a replace.
func (in Inherited) Changed() bool { return in.Previous == nil || *in.Previous != in.New }

// ConflictError is a module that two dependencies replace differently: which one the wrapper
// wants is a person's call.
type ConflictError struct {
	Module  string
	Choices []Inherited
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dependencies replace %s differently:", e.Module)
	for _, c := range e.Choices {
		fmt.Fprintf(&b, "\n\t%s replace %s => %s", joinVersions(c.From), oldString(c.Old), newString(c.New))
	}
	return b.String()
}

func joinVersions(ms []module.Version) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}

func oldString(m module.Version) string {
	if m.Version == "" {
		return m.Path
	}
	return m.Path + " " + m.Version
}

func newString(m module.Version) string { return oldString(m) }

// inherit finds the replaces the wrapper must carry over: for each module in the graph that
// our rules do not manage, a replace of it in the go.mod of a selected module that requires
// it. The modules closest to the wrapper win, as each module's own build obeys only its own
// replaces (the installer has already settled what its providers replace); two of them that
// disagree are a conflict. Replaces that point at a local directory cannot be carried over and
// are listed in local.
//
// aligned names the modules a k8s rule aligns: a dependency's replace of one with itself at
// another version gives way to the alignment (and is no conflict); a fork still counts.
func inherit(g *graph, mf *modfile.File, managed, aligned func(string) bool) (found []Inherited, local []string, err error) {
	type cand struct {
		old, new module.Version
		from     module.Version
		depth    int
	}
	byPath := map[string][]cand{}
	own := map[string]module.Version{}
	ownLocal := map[string]bool{}
	for _, r := range mf.Replace {
		if r.New.Version == "" {
			ownLocal[r.Old.Path] = true
		}
		if r.Old.Version == "" {
			own[r.Old.Path] = r.New
		}
	}
	for m, dep := range g.mods {
		if g.selected[m.Path] != m.Version {
			continue
		}
		for _, r := range dep.Replace {
			o := r.Old.Path
			sel, inGraph := g.selected[o]
			if !inGraph || o == g.main || o == m.Path || managed(o) || ownLocal[o] {
				continue
			}
			if r.Old.Version != "" && r.Old.Version != sel {
				continue
			}
			if !slices.ContainsFunc(dep.Require, func(q *modfile.Require) bool { return q.Mod.Path == o }) {
				continue // a replace of what the module does not require changes nothing
			}
			if r.New.Path == o && aligned(o) {
				continue
			}
			if r.New.Version == "" {
				local = append(local, fmt.Sprintf("%s replaces %s with the local directory %s", m, o, r.New.Path))
				continue
			}
			byPath[o] = append(byPath[o], cand{r.Old, r.New, m, g.depth[m.Path]})
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		cs := byPath[p]
		closest := slices.MinFunc(cs, func(a, b cand) int { return a.depth - b.depth }).depth
		type key struct{ old, new module.Version }
		from := map[key][]module.Version{}
		for _, c := range cs {
			if c.depth == closest {
				k := key{c.old, c.new}
				from[k] = append(from[k], c.from)
			}
		}
		var choices []Inherited
		for k, f := range from {
			slices.SortFunc(f, func(a, b module.Version) int { return strings.Compare(a.String(), b.String()) })
			in := Inherited{Old: k.old, New: k.new, From: f}
			if prev, ok := own[p]; ok {
				in.Previous = &prev
			}
			choices = append(choices, in)
		}
		if len(choices) > 1 {
			slices.SortFunc(choices, func(a, b Inherited) int { return strings.Compare(a.New.String(), b.New.String()) })
			return nil, nil, &ConflictError{Module: p, Choices: choices}
		}
		found = append(found, choices[0])
	}
	slices.Sort(local)
	return found, slices.Compact(local), nil
}
