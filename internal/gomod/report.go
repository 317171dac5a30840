package gomod

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"golang.org/x/mod/module"
)

// group is one heading of the report: the changes of some kinds.
type group struct {
	title string
	kinds []Kind
}

// groups are the report's headings, in order.
var groups = []group{
	{"followed", []Kind{KindFollow}},
	{"forked", []Kind{KindFork, KindInstaller}},
	{"pinned", []Kind{KindPin}},
	{"k8s-aligned", []Kind{KindK8s}},
	{"skipped", []Kind{KindSkip}},
	{"replaces dropped", []Kind{KindDropReplace}},
}

func (r *Report) changesOf(g group) []Change {
	var cs []Change
	for _, c := range r.Changes {
		for _, k := range g.kinds {
			if c.Kind == k {
				cs = append(cs, c)
			}
		}
	}
	return cs
}

func (g group) heading(r *Report) string {
	switch g.title {
	case "followed":
		return "followed (release-" + r.Release + ")"
	case "k8s-aligned":
		if r.K8sTag != "" {
			return "k8s-aligned (" + r.K8sTag + ")"
		}
	}
	return g.title
}

// versionText is a change's before → after for people.
func (c Change) versionText() string {
	switch {
	case c.Kind == KindSkip:
		if c.Why != "" {
			return "unchanged (" + c.Why + ")"
		}
		return "unchanged"
	case c.Kind == KindDropReplace && c.New == "":
		return c.Old + " → replace dropped"
	case !c.Changed():
		return c.New + " (unchanged)"
	}
	return c.Old + " → " + c.New
}

// WriteText prints the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	head := "wrapper:vendor " + r.Release
	if r.DryRun {
		head += " (dry run: nothing written)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nrules: %s\n", head, r.Rules)
	if r.K8sTag != "" {
		fmt.Fprintf(&b, "kubernetes: %s, from %s\n", r.K8sTag, r.K8sFrom)
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, g := range groups {
		cs := r.changesOf(g)
		if len(cs) == 0 && (g.title != "k8s-aligned" || len(r.Unaligned) == 0) {
			continue
		}
		fmt.Fprintf(tw, "\n%s:\n", g.heading(r))
		for _, c := range cs {
			branch := c.Query
			if branch == "" {
				branch = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Module, c.Kind, branch, c.versionText())
		}
		if g.title == "k8s-aligned" {
			for _, u := range r.Unaligned {
				fmt.Fprintf(tw, "  %s\tleft alone\t-\t%s\n", u.Module, u.Why)
			}
		}
	}
	tw.Flush()
	if len(r.NotBranched) > 0 {
		fmt.Fprintf(&b, "\nnot branched for %s (left to go mod):\n", r.Release)
		for _, u := range r.NotBranched {
			fmt.Fprintf(&b, "  %s %s (no %s)\n", u.Module, u.Version, u.Branch)
			if len(u.RequiredBy) > 0 {
				fmt.Fprintf(&b, "      required by %s\n", strings.Join(u.RequiredBy, ", "))
			}
		}
	}
	if len(r.Inherited) > 0 {
		b.WriteString("\nreplaces inherited from dependencies:\n")
		for _, in := range r.Inherited {
			fmt.Fprintf(&b, "  %s => %s\n", oldString(in.Old), newString(in.New))
			fmt.Fprintf(&b, "      from the go.mod of %s\n", joinVersions(in.From))
			if in.Previous != nil {
				fmt.Fprintf(&b, "      was => %s\n", newString(*in.Previous))
			}
		}
	}
	if len(r.Fixes) > 0 {
		b.WriteString("\nfixes for chains go reported:\n")
		for _, f := range r.Fixes {
			fmt.Fprintf(&b, "  %s => %s (from the go.mod of %s)\n", oldString(f.Replace.Old), newString(f.Replace.New), f.From)
			fmt.Fprintf(&b, "      go said: %s\n", strings.ReplaceAll(f.Chain.String(), "\n\t", "\n               "))
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\nwarnings:\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "  %s\n", w)
		}
	}
	if r.Failed {
		b.WriteString("\nnothing written: go.mod, go.sum and vendor/ are as they were\n")
	} else if r.DryRun {
		b.WriteString("\nnext: run without -dryrun to write go.mod and go.sum and vendor (the dry run tidied a scratch copy)\n")
	} else {
		var done []string
		if r.GoModChanged {
			done = append(done, "go.mod updated")
		} else {
			done = append(done, "go.mod unchanged")
		}
		if r.Tidied {
			done = append(done, "go mod tidy ok")
		}
		if r.Vendored {
			done = append(done, "go mod vendor ok")
		}
		if r.Generated != "" {
			done = append(done, r.Generated+" run")
		}
		fmt.Fprintf(&b, "\n%s\n", strings.Join(done, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown renders the report as a pull-request body.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Wrapper modules → OpenShift %s\n\n", r.Release)
	if r.DryRun {
		b.WriteString("_Dry run: nothing was written._\n\n")
	}
	fmt.Fprintf(&b, "Module rules: %s.\n", r.Rules)
	if r.K8sTag != "" {
		fmt.Fprintf(&b, "Kubernetes modules: `%s`, from %s.\n", r.K8sTag, r.K8sFrom)
	}
	for _, g := range groups {
		cs := r.changesOf(g)
		if len(cs) == 0 && (g.title != "k8s-aligned" || len(r.Unaligned) == 0) {
			continue
		}
		title := g.heading(r)
		fmt.Fprintf(&b, "\n### %s%s\n\n", strings.ToUpper(title[:1]), title[1:])
		b.WriteString("| module | rule | branch | before | after |\n|---|---|---|---|---|\n")
		for _, c := range cs {
			branch, after := c.Query, c.New
			if branch == "" {
				branch = "–"
			}
			switch {
			case c.Kind == KindSkip:
				after = "unchanged"
				if c.Why != "" {
					after += " (" + c.Why + ")"
				}
			case !c.Changed():
				after = "unchanged"
			case c.Kind == KindDropReplace && after == "":
				after = "replace dropped"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", c.Module, c.Kind, branch, code(c.Old), code(after))
		}
		if g.title == "k8s-aligned" {
			for _, u := range r.Unaligned {
				fmt.Fprintf(&b, "| `%s` | left alone | – | | %s |\n", u.Module, u.Why)
			}
		}
	}
	if len(r.NotBranched) > 0 {
		fmt.Fprintf(&b, "\n### Not branched for %s (left to go mod)\n\n", r.Release)
		for _, u := range r.NotBranched {
			fmt.Fprintf(&b, "- `%s` at `%s` (no `%s`)", u.Module, u.Version, u.Branch)
			if len(u.RequiredBy) > 0 {
				fmt.Fprintf(&b, ", required by %s", codeStrings(u.RequiredBy))
			}
			b.WriteString("\n")
		}
	}
	if len(r.Inherited) > 0 {
		b.WriteString("\n### Replaces inherited from dependencies\n\nGo does not apply the replaces of dependencies; these are copied from their go.mod files.\n\n")
		for _, in := range r.Inherited {
			fmt.Fprintf(&b, "- `%s => %s` from %s", oldString(in.Old), newString(in.New), codeList(in.From))
			if in.Previous != nil {
				fmt.Fprintf(&b, " (was `%s`)", newString(*in.Previous))
			}
			b.WriteString("\n")
		}
	}
	if len(r.Fixes) > 0 {
		b.WriteString("\n### Replace chains repaired\n")
		for _, f := range r.Fixes {
			fmt.Fprintf(&b, "\n- `%s => %s` from the go.mod of `%s`, because go said:\n\n  ```\n  go: %s\n  ```\n",
				oldString(f.Replace.Old), newString(f.Replace.New), f.From, strings.ReplaceAll(f.Chain.String(), "\n", "\n  "))
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n### Warnings\n\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	if r.Generated != "" {
		fmt.Fprintf(&b, "\nGenerated with `%s`.\n", r.Generated)
	}
	return b.String()
}

func code(s string) string {
	if s == "" || s == "unchanged" || strings.HasPrefix(s, "unchanged (") || s == "replace dropped" {
		return s
	}
	return "`" + s + "`"
}

func codeList(ms []module.Version) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return codeStrings(s)
}

func codeStrings(ss []string) string {
	s := make([]string, len(ss))
	for i, m := range ss {
		s[i] = "`" + m + "`"
	}
	return strings.Join(s, ", ")
}
