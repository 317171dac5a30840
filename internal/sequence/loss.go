package sequence

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// LostLine is a line of the upstream side of a conflicted file that the engineer's resolution
// removed although the carry patch itself never removed it: maybe intended, maybe lost work.
type LostLine struct {
	Path string `json:"path"`
	Line string `json:"line"`
}

// lostLines compares, for each conflicted path, the file before the pick (base: upstream plus the
// patches before) with the resolution (result), discounting the lines the original patch removes.
func lostLines(ctx context.Context, repo *git.Repo, step *Step) ([]LostLine, error) {
	orig := plumbing.NewHash(step.Commit)
	parent, err := repo.Parent(ctx, orig)
	if err != nil {
		return nil, err
	}
	var lost []LostLine
	for _, path := range step.Conflicts {
		ours, err := readLines(ctx, repo, step.Base, path)
		if err != nil {
			return nil, err
		}
		result, err := readLines(ctx, repo, step.Result, path)
		if err != nil {
			return nil, err
		}
		before, err := readLines(ctx, repo, parent.String(), path)
		if err != nil {
			return nil, err
		}
		after, err := readLines(ctx, repo, step.Commit, path)
		if err != nil {
			return nil, err
		}
		kept := count(result)
		patchRemoved := count(before)
		for l, n := range count(after) {
			patchRemoved[l] -= n
		}
		for _, l := range ours {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if kept[l] > 0 {
				kept[l]--
				continue
			}
			if patchRemoved[l] > 0 {
				patchRemoved[l]--
				continue
			}
			lost = append(lost, LostLine{Path: path, Line: l})
		}
	}
	return lost, nil
}

func readLines(ctx context.Context, repo *git.Repo, rev, path string) ([]string, error) {
	b, err := repo.ReadFile(ctx, rev, path)
	if errors.Is(err, git.ErrPathNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("content-loss check: %w", err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n"), nil
}

func count(lines []string) map[string]int {
	m := map[string]int{}
	for _, l := range lines {
		m[l]++
	}
	return m
}
