package canary

import (
	"fmt"
	"strings"
)

// Detail is what a row's outcome column says beyond the outcome: the files, the patches it ran
// without, the source of a rerere resolution.
func (r Row) Detail() string {
	var parts []string
	if len(r.Files) > 0 && r.Outcome == Conflict {
		parts = append(parts, "in "+strings.Join(r.Files, ", "))
	}
	for _, u := range r.Resolutions {
		what := u.File
		if what == "" {
			what = u.Entry[:min(8, len(u.Entry))]
		}
		parts = append(parts, what+" from "+u.Source())
	}
	if len(r.Resolutions) == 0 && r.Outcome == Rerere && len(r.Files) > 0 {
		parts = append(parts, strings.Join(r.Files, ", "))
	}
	if len(r.Overlaps) > 0 {
		parts = append(parts, "touches the files of left-out "+nums(r.Overlaps))
	}
	if len(r.Without) > 0 {
		parts = append(parts, "tried without "+nums(r.Without))
	}
	if r.Outcome == Failed {
		parts = append(parts, strings.Join(strings.Fields(r.Error), " "))
	}
	if r.Outcome == Empty {
		parts = append(parts, "already in the onto branch")
	}
	return strings.Join(parts, "; ")
}

func nums(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprintf("#%d", n)
	}
	return strings.Join(s, ", ")
}

// Markdown renders the replay as a report for an issue or a chat post.
func (r *Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Canary: carry patches of `%s` onto `%s`\n\n", r.Tip, r.Onto)
	fmt.Fprintf(&b, "Onto `%s` at %s", short(r.OntoAt), r.At.Format("2006-01-02 15:04 MST"))
	if r.Fetched {
		b.WriteString(", fetched just before")
	}
	b.WriteString(".\n\n")
	if r.NeedsPerson {
		b.WriteString("**A person will be needed**: ")
		var who []string
		for _, row := range r.Rows {
			if row.Outcome.NeedsPerson() {
				who = append(who, fmt.Sprintf("#%d (%s)", row.N, row.Outcome))
			}
		}
		b.WriteString(strings.Join(who, ", ") + ".\n\n")
	} else {
		b.WriteString("Every patch applies, cleanly or through recorded resolutions.\n\n")
	}
	b.WriteString("| # | patch | subject | result | details |\n|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %s |\n", row.N, row.Short(), mdEscape(row.Subject), row.Outcome, mdEscape(row.Detail()))
	}
	fmt.Fprintf(&b, "\n%s.\n", r.Summary())
	if r.Verify != "" {
		fmt.Fprintf(&b, "Verified after each patch that applied with `%s`.\n", r.Verify)
	}
	for _, row := range r.Rows {
		if row.Outcome != Conflict && row.Outcome != VerifyFailed && row.Outcome != Failed {
			continue
		}
		fmt.Fprintf(&b, "\n### #%d `%s` %s: %s\n\n", row.N, row.Short(), mdEscape(row.Subject), row.Outcome)
		if row.Outcome == Failed {
			fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(row.Error, "```", "'''"))
			continue
		}
		if row.Outcome == VerifyFailed {
			fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(row.VerifyTail, "```", "'''"))
			continue
		}
		fmt.Fprintf(&b, "Conflicts in %s.", "`"+strings.Join(row.Files, "`, `")+"`")
		if len(row.Overlaps) > 0 {
			fmt.Fprintf(&b, " It may conflict only because %s %s left out: resolve that first.", nums(row.Overlaps), map[bool]string{true: "was", false: "were"}[len(row.Overlaps) == 1])
		}
		b.WriteString("\n\n")
		if len(row.Upstream) == 0 {
			fmt.Fprintf(&b, "No upstream commit since the last port (`%s`) touched the conflicting lines.\n", short(r.Since))
			continue
		}
		fmt.Fprintf(&b, "Upstream commits since the last port (`%s`) that touched the conflicting lines:\n\n", short(r.Since))
		for _, c := range row.Upstream {
			fmt.Fprintf(&b, "- `%s` %s\n", short(c.Hash), mdEscape(c.Subject))
		}
	}
	return b.String()
}

func short(h string) string { return h[:min(7, len(h))] }

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
