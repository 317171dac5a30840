package git

import (
	"context"
	"regexp"
	"strings"
	"sync"
)

// RangeDiffEntry is one line of `git range-diff`: a patch of the old series, of the new, or both.
type RangeDiffEntry struct {
	// Old and New are the short hashes ("" when the patch is only on one side).
	Old string `json:"old"`
	New string `json:"new"`
	// Relation is git's: "=" unchanged, "!" changed, "<" only in the old series, ">" only in the new.
	Relation string `json:"relation"`
	Subject  string `json:"subject"`
}

var rangeDiffRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(?:\d+|-):\s+([0-9a-f]+|-+) ([=!<>]) \s*(?:\d+|-):\s+([0-9a-f]+|-+) (.*)$`)
})

// RangeDiff compares the series oldBase..oldTip with newBase..newTip as `git range-diff` does.
func (r *Repo) RangeDiff(ctx context.Context, oldBase, oldTip, newBase, newTip string) ([]RangeDiffEntry, error) {
	for _, rev := range []string{oldBase, oldTip, newBase, newTip} {
		if err := checkRev(rev); err != nil {
			return nil, err
		}
	}
	out, err := r.Git.Run(ctx, "range-diff", "--no-color", "--no-patch", oldBase+".."+oldTip, newBase+".."+newTip)
	if err != nil {
		return nil, err
	}
	var entries []RangeDiffEntry
	for _, line := range strings.Split(out, "\n") {
		m := rangeDiffRE().FindStringSubmatch(line)
		if m == nil {
			continue
		}
		e := RangeDiffEntry{Old: m[1], Relation: m[2], New: m[3], Subject: m[4]}
		if strings.Trim(e.Old, "-") == "" {
			e.Old = ""
		}
		if strings.Trim(e.New, "-") == "" {
			e.New = ""
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// MergeBase is the best common ancestor of a and b.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	for _, rev := range []string{a, b} {
		if err := checkRev(rev); err != nil {
			return "", err
		}
	}
	return r.Git.Run(ctx, "merge-base", a, b)
}

// IsAncestor reports whether a is an ancestor of b (or b itself). Unlike a date-ordered walk it
// is exact whatever the commit dates say.
func (r *Repo) IsAncestor(ctx context.Context, a, b string) (bool, error) {
	for _, rev := range []string{a, b} {
		if err := checkRev(rev); err != nil {
			return false, err
		}
	}
	err := r.Git.Exec(ctx, Exec{}, "merge-base", "--is-ancestor", a, b)
	if err == nil {
		return true, nil
	}
	if ExitCode(err) == 1 {
		return false, nil
	}
	return false, err
}
