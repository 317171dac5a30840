package gomod

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// GuardError is the pin guard refusing a run under -strict.
type GuardError struct {
	Warnings []string
}

func (e *GuardError) Error() string {
	return "the pin guard refused the new go.mod (-strict):\n\t" + strings.Join(e.Warnings, "\n\t")
}

// effective is what go.mod builds path from: its replacement, else the required version.
func effective(mf *modfile.File, path string) (module.Version, bool) {
	for _, r := range mf.Require {
		if r.Mod.Path == path {
			return source(mf, r.Mod), true
		}
	}
	return module.Version{}, false
}

// pinGuard compares the new go.mod with the old one and warns about what an unconstrained go
// mod tidy or a wrong rule does silently (openshift/release#82967): a direct requirement that
// goes back in version, a replace that disappears without a drop-replace rule, and a version
// that moves from a release tag to a pre-release or an older pseudo-version.
func pinGuard(old, new *modfile.File, changes []Change) []string {
	var warns []string
	seen := map[string]bool{}
	for _, r := range old.Require {
		p := r.Mod.Path
		if seen[p] {
			continue
		}
		seen[p] = true
		was, _ := effective(old, p)
		now, ok := effective(new, p)
		if !ok || was.Path != now.Path || was.Version == now.Version || !semver.IsValid(was.Version) || !semver.IsValid(now.Version) {
			continue
		}
		released := semver.Prerelease(was.Version) == "" && !module.IsPseudoVersion(was.Version)
		back := semver.Compare(now.Version, was.Version) < 0
		switch {
		case released && module.IsPseudoVersion(now.Version) && back:
			warns = append(warns, fmt.Sprintf("%s moves from the release %s to an older pseudo-version %s", p, was.Version, now.Version))
		case released && semver.Prerelease(now.Version) != "" && !module.IsPseudoVersion(now.Version):
			warns = append(warns, fmt.Sprintf("%s moves from the release %s to the pre-release %s", p, was.Version, now.Version))
		case !r.Indirect && back:
			warns = append(warns, fmt.Sprintf("%s goes back from %s to %s (a direct requirement)", p, was.Version, now.Version))
		}
	}
	dropped := map[string]bool{}
	for _, c := range changes {
		if c.Kind == KindDropReplace {
			dropped[c.Module] = true
		}
	}
	for _, r := range old.Replace {
		if dropped[r.Old.Path] {
			continue
		}
		if !slices.ContainsFunc(new.Replace, func(n *modfile.Replace) bool { return n.Old.Path == r.Old.Path }) {
			warns = append(warns, fmt.Sprintf("the replace of %s (=> %s) disappears, and no drop-replace rule asks for it", oldString(r.Old), newString(r.New)))
		}
	}
	return warns
}

// unbranched fills in where go mod left the modules without a release branch, and who
// requires them.
func unbranched(rep *Report, mf *modfile.File, gr *graph) {
	for i := range rep.NotBranched {
		u := &rep.NotBranched[i]
		u.Version, u.RequiredBy = "", nil
		if v, ok := effective(mf, u.Module); ok {
			u.Version = v.Version
			if v.Path != u.Module {
				u.Version = newString(v)
			}
		} else {
			u.Version = "no longer required"
		}
		for _, r := range mf.Require {
			if r.Mod.Path == u.Module && !r.Indirect {
				u.RequiredBy = append(u.RequiredBy, gr.main)
			}
		}
		for m, dep := range gr.mods {
			if gr.selected[m.Path] != m.Version {
				continue
			}
			for _, r := range dep.Require {
				if r.Mod.Path == u.Module {
					u.RequiredBy = append(u.RequiredBy, m.String())
				}
			}
		}
		slices.Sort(u.RequiredBy)
		u.RequiredBy = slices.Compact(u.RequiredBy)
	}
	slices.SortFunc(rep.NotBranched, func(a, b Unbranched) int { return strings.Compare(a.Module, b.Module) })
}
