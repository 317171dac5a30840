package verify

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// fork:verify records nothing for a command that moves HEAD in its worktree: it ran against
// another commit. Moved back, attached to a branch, or reset: each is an error naming it, and
// the worktree is not kept for the next run.
func TestVerifyThatMovesHeadRecordsNothing(t *testing.T) {
	for name, command := range map[string]string{
		"reset":          "git reset -q --hard HEAD~1",
		"branch":         "git checkout -q -b mine-$$",
		"reset and fail": "git reset -q --hard HEAD~1; exit 1",
	} {
		t.Run(name, func(t *testing.T) {
			dir, _ := fork(t, 2)
			o := opts(dir, command)
			o.Jobs = 2
			_, err := Run(context.Background(), o)
			require.Error(t, err)
			var moved *MovedError
			require.ErrorAs(t, err, &moved)
			assert.Contains(t, err.Error(), "moved HEAD in its worktree")
			notes, _ := gitOut(dir, "notes", "--ref="+NotesRef, "list")
			assert.Empty(t, notes, "nothing is recorded")
			// Every verify moved its worktree's HEAD: none is kept in the pool (it might hold a
			// branch, and git refuses to check a branch out twice).
			list, err := gitOut(dir, "worktree", "list")
			require.NoError(t, err)
			assert.Len(t, strings.Split(list, "\n"), 1, "%s", list)
		})
	}
}

func gitOut(dir string, args ...string) (string, error) {
	out, err := gitCmd(dir, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func gitCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd
}

// checkHead names where a verify left HEAD in its worktree, as git says it: detached elsewhere,
// attached to a branch (short name) at the commit or elsewhere, or on an unborn branch. A
// worktree left alone costs no git process.
func TestCheckHeadNamesWhereHeadWent(t *testing.T) {
	dir, commits := fork(t, 2)
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	defer repo.Close()
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	commit, parent := commits[1], commits[0]
	sh(t, dir, "branch", "other", parent)
	for i, c := range []struct {
		name string
		move []string // git commands run in the worktree
		want *MovedError
	}{
		{name: "left alone"},
		{name: "away and back", move: []string{"reset -q --hard HEAD~1", "reset -q --hard " + commit}},
		{name: "detached elsewhere", move: []string{"checkout -q --detach HEAD~1"},
			want: &MovedError{Commit: commit, Head: parent}},
		{name: "a new branch here", move: []string{"checkout -q -b mine"},
			want: &MovedError{Commit: commit, Head: commit, Branch: "mine"}},
		{name: "a branch elsewhere", move: []string{"switch -q other"},
			want: &MovedError{Commit: commit, Head: parent, Branch: "other"}},
		{name: "a branch with a slash", move: []string{"checkout -q -b team/x"},
			want: &MovedError{Commit: commit, Head: commit, Branch: "team/x"}},
		{name: "an unborn branch", move: []string{"checkout -q --orphan fresh"},
			want: &MovedError{Commit: commit, Head: "unknown"}},
	} {
		wt := filepath.Join(base, fmt.Sprintf("check-%d", i))
		require.NoError(t, repo.AddWorktree(ctx, wt, plumbing.NewHash(commit)))
		for _, m := range c.move {
			sh(t, wt, strings.Fields(m)...)
		}
		var env []string
		started := gittest.Started(t, &env)
		err := checkHead(ctx, wt, env, plumbing.NewHash(commit))
		if c.want == nil {
			assert.NoError(t, err, c.name)
			assert.Empty(t, started(), "%s: HEAD where it was is read without git", c.name)
			continue
		}
		var moved *MovedError
		require.ErrorAs(t, err, &moved, c.name)
		assert.Equal(t, c.want, moved, c.name)
	}
}
