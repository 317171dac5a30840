package cli

import (
	"slices"
	"strings"
)

// didYouMean is the hint after a misspelt target, flag or option: the candidates closest to
// name, each with prefix (see closest); none when none is close.
func didYouMean(name string, candidates []string, prefix string) []string {
	var best []string
	for _, i := range closest(name, candidates) {
		if !slices.Contains(best, prefix+candidates[i]) {
			best = append(best, prefix+candidates[i])
		}
	}
	return meant(best)
}

// meant is the hint that names what the user may have meant; none for no names.
func meant(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	return []string{"did you mean " + strings.Join(names, " or ") + "?"}
}

// closest returns the indexes of the candidates nearest to name, case aside: at most two edits
// away (a letter added, dropped or changed, or two neighbours swapped) and fewer than half of
// name's letters, so that a short or unrelated word suggests nothing. Equally near candidates
// all come back, in their order.
func closest(name string, candidates []string) []int {
	name = strings.ToLower(name)
	limit := min(2, (len(name)-1)/2)
	var best []int
	bestD := limit
	for i, c := range candidates {
		d := editDistance(name, strings.ToLower(c))
		switch {
		case d > bestD:
		case d < bestD || best == nil:
			best, bestD = []int{i}, d
		case d == bestD:
			best = append(best, i)
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b (bytes): the Levenshtein
// distance with a swap of two neighbouring letters counted as one edit, the commonest typo.
func editDistance(a, b string) int {
	// d[i][j] is the distance of a[:i] and b[:j]; three rows are enough.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
