package sequence

import (
	"fmt"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/humanize"
)

// Report renders the sequence as Markdown, ready to paste as a pull request body.
func Report(st *State) string {
	var b strings.Builder
	title := map[string]string{
		PlanCherryPick:  "Carry patches ported onto",
		PlanRebaseAgain: "Carry patches replayed onto the new upstream for",
	}[st.Plan]
	if title == "" {
		title = "Carry patches for"
	}
	fmt.Fprintf(&b, "## %s `%s`\n\n", title, st.Branch)
	switch {
	case st.Stop == StopAborted:
		b.WriteString("**Aborted**: the branch is back where it was.\n\n")
	case !st.Finished.IsZero():
		fmt.Fprintf(&b, "Finished in %s.\n\n", humanize.Duration(st.Finished.Sub(st.Started)))
	case st.Stop != "":
		fmt.Fprintf(&b, "**Stopped** at patch %d of %d: %s.\n\n", st.Position(st.Current), st.Active(), st.Stop)
	default:
		b.WriteString("**In progress.**\n\n")
	}
	b.WriteString("| # | patch | subject | result | new commit | verify |\n|---|---|---|---|---|---|\n")
	counts := map[Status]int{}
	for i, s := range st.Steps {
		counts[s.Status]++
		result := string(s.Status)
		if s.Status == Rerere || s.Status == Resolved {
			result += " (" + strings.Join(s.Conflicts, ", ") + ")"
		}
		if s.Amended {
			result += "; regenerated and amended"
		}
		if s.Note != "" {
			result += "; " + s.Note
		}
		if i == st.Current && st.Finished.IsZero() && s.Status == Pending && st.Stop != "" {
			result = "**stopped: " + string(st.Stop) + "**"
		}
		newc, verify := "", ""
		if s.Result != "" {
			newc = "`" + s.Result[:7] + "`"
		}
		if s.VerifySeconds > 0 {
			verify = humanize.Seconds(s.VerifySeconds)
		}
		verify = verifyCell(s.Verify, verify)
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %s | %s |\n", i+1, s.Short(), mdEscape(s.Subject), result, newc, verify)
	}
	b.WriteString("\n")
	var parts []string
	for _, s := range []Status{Clean, Resolved, Rerere, Dropped, Present, Empty, Skipped, Pending} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(&b, "%d patches: %s.\n\n", len(st.Steps), strings.Join(parts, ", "))
	if st.Verify != "" {
		fmt.Fprintf(&b, "Verified after each patch with `%s`.\n", st.Verify)
	} else {
		b.WriteString("No verify command was run.\n")
	}
	if st.Regen != "" {
		fmt.Fprintf(&b, "The assets commit was regenerated with `%s`.\n", st.Regen)
	}
	for _, c := range st.Changes {
		fmt.Fprintf(&b, "The %s command was changed at patch %d, from %s to %s.\n", c.What, c.At, mdCommand(c.From), mdCommand(c.To))
	}
	if bl := st.Baseline; bl != nil && bl.done() {
		if bl.Label != "" {
			fmt.Fprintf(&b, "**Upstream baseline**: %s.\n", bl.Label)
		} else {
			fmt.Fprintf(&b, "Upstream baseline `%s` (%s) passes this verify.\n", bl.Ref, bl.Commit[:7])
		}
	}
	if tip := st.Tip; tip != nil && tip.done() {
		switch {
		case tip.State == VerifyFailed && tip.Label != "":
			fmt.Fprintf(&b, "**%s before the port** (`%s`) fails this verify too; %s.\n", tip.Ref, tip.Commit[:7], tip.Label)
		case tip.State == VerifyFailed:
			fmt.Fprintf(&b, "**%s before the port** (`%s`) fails this verify.\n", tip.Ref, tip.Commit[:7])
		default:
			fmt.Fprintf(&b, "%s before the port (`%s`, with the Go bump) passes this verify.\n", tip.Ref, tip.Commit[:7])
		}
	}
	writeResolutions(&b, st)
	if len(st.RangeDiff) > 0 {
		b.WriteString("\n### Old series vs new (git range-diff)\n\n| old | | new | subject |\n|---|---|---|---|\n")
		words := map[string]string{"=": "unchanged", "!": "changed", "<": "dropped", ">": "added"}
		for _, r := range pairRewritten(st.RangeDiff) {
			word := words[r.Relation]
			if r.Relation == "!" && r.Old != "" && r.New != "" && r.Subject == "" {
				word = "changed (rewritten)"
			}
			subject := r.Subject
			if subject == "" {
				subject = r.rewritten
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(r.Old), word, code(r.New), mdEscape(subject))
		}
		b.WriteString("\n")
	}
	var lost []string
	for _, s := range st.Steps {
		for _, l := range s.Lost {
			lost = append(lost, fmt.Sprintf("- `%s` (%s... %s): `%s`", l.Path, s.Short(), mdEscape(s.Subject), strings.TrimSpace(l.Line)))
		}
	}
	if len(lost) > 0 {
		b.WriteString("\n### Warning: upstream lines removed by conflict resolutions\n\n" +
			"These lines were on the upstream side of a conflict, are gone after the resolution, and the carry patch itself does not remove them. Check that dropping them was meant.\n\n")
		b.WriteString(strings.Join(lost, "\n") + "\n\n")
	}
	if st.BackupRef != "" {
		fmt.Fprintf(&b, "The previous tip `%s` is kept at `%s`.\n", st.OrigHead[:7], st.BackupRef)
	}
	return b.String()
}

type rangeRow struct {
	git.RangeDiffEntry
	rewritten string
}

// pairRewritten joins an old patch git range-diff could not match ("<") with the new patch of
// the same subject (">"): a patch rewritten by a conflict resolution, not one dropped and another added.
func pairRewritten(entries []git.RangeDiffEntry) []rangeRow {
	added := map[string]int{}
	for i, e := range entries {
		if e.Relation == ">" {
			added[e.Subject] = i
		}
	}
	used := map[int]bool{}
	var rows []rangeRow
	for _, e := range entries {
		if e.Relation == "<" {
			if j, ok := added[e.Subject]; ok && !used[j] {
				used[j] = true
				rows = append(rows, rangeRow{RangeDiffEntry: git.RangeDiffEntry{Old: e.Old, New: entries[j].New, Relation: "!"}, rewritten: e.Subject})
				continue
			}
		}
		rows = append(rows, rangeRow{RangeDiffEntry: e})
	}
	var out []rangeRow
	for _, r := range rows {
		if r.Relation == ">" {
			if j, ok := added[r.Subject]; ok && used[j] && entries[j].New == r.New {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

func code(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// writeResolutions says where each resolution that rerere replayed came from: your own rr-cache,
// or the one shared on the fork remote (fork:sync), with its share commit.
func writeResolutions(b *strings.Builder, st *State) {
	first := true
	for i, s := range st.Steps {
		for _, u := range s.Resolutions {
			if first {
				b.WriteString("\n### Recorded resolutions replayed by rerere\n\n| # | file | from |\n|---|---|---|\n")
				first = false
			}
			what := u.File
			if what == "" {
				what = "entry " + u.Entry[:min(8, len(u.Entry))]
			}
			from := "your rr-cache"
			if u.Shared {
				from = "shared cache `" + u.Commit[:min(7, len(u.Commit))] + "` (refs/releasekit/rerere)"
			}
			fmt.Fprintf(b, "| %d | `%s` | %s |\n", i+1, mdEscape(what), from)
		}
	}
}

// verifyCell is a patch's verify in the report: how long a pass took, where a recorded pass
// comes from, or the state of one not passed (queued, running, failed).
func verifyCell(v *StepVerify, took string) string {
	if v == nil {
		return took
	}
	switch v.State {
	case VerifyCached:
		return "cached (passed on " + v.Host + ")"
	case VerifyPassed, VerifyFailed:
		if took == "" && v.Seconds > 0 {
			took = humanize.Seconds(v.Seconds)
		}
		if v.State == VerifyPassed {
			// A duration alone is a pass, as the report always had it.
			return took
		}
		return strings.TrimSpace(string(v.State) + " " + took)
	}
	return string(v.State)
}

func mdCommand(cmd string) string {
	if cmd == "" {
		return "none"
	}
	return "`" + cmd + "`"
}
