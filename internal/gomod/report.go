package gomod

import (
	"fmt"
	"strings"

	"golang.org/x/mod/module"
)

// Markdown renders the report as a pull-request body.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Wrapper modules → OpenShift %s\n\n", r.Release)
	if r.DryRun {
		b.WriteString("_Dry run: nothing was written._\n\n")
	}
	fmt.Fprintf(&b, "Module rules: %s.\n\n", r.Rules)
	b.WriteString("| module | rule | branch | before | after |\n|---|---|---|---|---|\n")
	for _, c := range r.Changes {
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
		s[i] = "`" + m.String() + "`"
	}
	return strings.Join(s, ", ")
}
