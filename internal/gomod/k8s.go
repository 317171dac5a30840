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
)

// k8sAPI is the module whose version in the installer's go.mod names the Kubernetes tag.
const k8sAPI = "k8s.io/api"

// k8sTag reads the Kubernetes tag from the installer fork's go.mod at the commit its branch
// resolved to, unless -k8s gave one or an earlier batch found it.
func (st *planState) k8sTag(f *fetcher, changes []Change, resolved map[Query]Resolved) error {
	if st.k8s.tag != "" {
		return nil
	}
	for _, c := range changes {
		if c.Kind != KindInstaller || c.Query == "" {
			continue
		}
		path, query, _ := strings.Cut(c.New, "@")
		r, ok := resolved[Query{path, query}]
		if !ok {
			continue
		}
		data, err := os.ReadFile(r.GoMod)
		if err != nil {
			return fmt.Errorf("cannot read the go.mod of %s@%s: %w", r.Path, r.Version, err)
		}
		mf, err := modfile.ParseLax(r.GoMod, data, nil)
		if err != nil {
			return fmt.Errorf("cannot parse the go.mod of %s@%s: %w", r.Path, r.Version, err)
		}
		for _, req := range mf.Require {
			if req.Mod.Path == k8sAPI {
				v := source(mf, req.Mod)
				if v.Path != k8sAPI {
					continue
				}
				st.k8s.tag = v.Version
				st.k8s.from = fmt.Sprintf("%s in the go.mod of %s@%s (%s)", k8sAPI, r.Path, r.Version, c.Query)
				return nil
			}
		}
	}
	return nil
}

// alignK8s resolves the k8s changes at the Kubernetes tag. A module without that tag, or one
// that a fork replaces, is left alone and listed.
func (st *planState) alignK8s(ctx context.Context, res resolver, gm *goModFile, changes []Change, resolved map[Query]Resolved) ([]Change, error) {
	var qs []Query
	for i := range changes {
		c := &changes[i]
		if c.Kind != KindK8s {
			continue
		}
		if st.k8s.tag == "" {
			st.leaveAlone(c, "no Kubernetes tag: the installer's go.mod names no "+k8sAPI+" (give -k8s=vX.Y.Z)")
			continue
		}
		if v, ok := replacedBy(gm.f, c.Module); ok && v.Path != c.Module {
			st.leaveAlone(c, "replaced by a fork: "+newString(v))
			continue
		}
		c.Query = st.k8s.tag
		qs = append(qs, Query{c.Module, st.k8s.tag})
	}
	if len(qs) == 0 {
		return slices.DeleteFunc(changes, func(c Change) bool { return c.Kind == KindK8s && c.Query == "" }), nil
	}
	got, err := res.resolveAll(ctx, qs)
	if err != nil {
		missing, rest := splitNotFound(err)
		if len(rest) > 0 {
			return nil, errors.Join(rest...)
		}
		for _, m := range missing {
			for i := range changes {
				if changes[i].Kind == KindK8s && changes[i].Module == m.Path {
					st.leaveAlone(&changes[i], "has no tag "+st.k8s.tag)
				}
			}
		}
	}
	for q, r := range got {
		resolved[q] = r
	}
	for i := range changes {
		c := &changes[i]
		if c.Kind == KindK8s && c.Query != "" {
			c.New = c.Module + "@" + c.Query
			st.k8s.aligned[c.Module] = true
		}
	}
	return slices.DeleteFunc(changes, func(c Change) bool { return c.Kind == KindK8s && c.Query == "" }), nil
}

func (st *planState) leaveAlone(c *Change, why string) {
	c.Query = ""
	if !slices.ContainsFunc(st.k8s.unaligned, func(u Unaligned) bool { return u.Module == c.Module }) {
		st.k8s.unaligned = append(st.k8s.unaligned, Unaligned{Module: c.Module, Why: why})
		slices.SortFunc(st.k8s.unaligned, func(a, b Unaligned) int {
			if a.Module < b.Module {
				return -1
			}
			if a.Module > b.Module {
				return 1
			}
			return 0
		})
	}
}

// aligned says whether an inherited replace must give way to a k8s alignment: a dependency's
// replace of a Kubernetes module with itself at another version does; a fork does not, and the
// module is then listed as left alone.
func (st *planState) aligned(rep *Report, in Inherited) bool {
	i := slices.IndexFunc(rep.Changes, func(c Change) bool { return c.Kind == KindK8s && c.Module == in.Old.Path })
	if i < 0 {
		return false
	}
	if in.New.Path == in.Old.Path {
		return true
	}
	c := rep.Changes[i]
	rep.Changes = slices.Delete(rep.Changes, i, i+1)
	delete(st.k8s.aligned, c.Module)
	st.leaveAlone(&c, fmt.Sprintf("replaced by a fork: %s (from the go.mod of %s)", newString(in.New), joinVersions(in.From)))
	return false
}

// replacedBy is go.mod's replacement for every version of path.
func replacedBy(mf *modfile.File, path string) (module.Version, bool) {
	for _, r := range mf.Replace {
		if r.Old.Path == path && r.Old.Version == "" {
			return r.New, true
		}
	}
	return module.Version{}, false
}
