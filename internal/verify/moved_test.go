package verify

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fork:verify records nothing for a command that moves HEAD in its worktree: it ran against
// another commit. Moved back, attached to a branch, or reset: each is an error naming it.
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
