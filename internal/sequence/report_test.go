package sequence

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aro-releasekit/releasekit/internal/git"
)

func hash(c byte) string { return strings.Repeat(string(c), 40) }

func sampleState() *State {
	return &State{
		Plan: "rebase-again", Release: "4.15", Branch: "release-4.15-azure",
		OrigHead: hash('a'), Onto: hash('b'), Verify: "./hack/build.sh", Regen: "cd hack/assets && go run ./assets.go",
		BackupRef: "refs/releasekit/backup/release-4.15-azure/20261124T000000Z",
		Steps: []Step{
			{Commit: hash('1'), Subject: "CARRY: one", Status: Clean, Result: hash('c'), VerifySeconds: 1.26},
			{Commit: hash('2'), Subject: "CARRY: two | pipes", Status: Resolved, Conflicts: []string{"x.tf"}, Result: hash('d'),
				Lost: []LostLine{{Path: "x.tf", Line: "  count = 1"}}},
			{Commit: hash('3'), Subject: "CARRY: typo", Status: Dropped},
			{Commit: hash('4'), Subject: "CARRY: HACK: commit data/assets_vfsdata.go", Assets: true, Status: Clean, Amended: true, Result: hash('e')},
			{Commit: hash('5'), Subject: "HACK: gone", Status: Empty},
		},
		Current: 5,
	}
}

func TestReport(t *testing.T) {
	st := sampleState()
	st.RangeDiff = []git.RangeDiffEntry{
		{Old: "1111111", New: "ccccccc", Relation: "=", Subject: "CARRY: one"},
		{Old: "2222222", Relation: "<", Subject: "CARRY: two | pipes"},
		{New: "ddddddd", Relation: ">", Subject: "CARRY: two | pipes"},
		{Old: "5555555", Relation: "<", Subject: "HACK: gone"},
	}
	r := Report(st)
	assert.Contains(t, r, "| 2 | `2222222` | CARRY: two \\| pipes | resolved by you (x.tf) | `ddddddd` |  |\n")
	assert.Contains(t, r, "| 1 | `1111111` | CARRY: one | clean | `ccccccc` | 1.3s |\n")
	assert.Contains(t, r, "| 4 | `4444444` | CARRY: HACK: commit data/assets_vfsdata.go | clean; regenerated and amended | `eeeeeee` |  |\n")
	assert.Contains(t, r, "5 patches: 2 clean, 1 resolved by you, 1 dropped (already upstream), 1 empty.")
	assert.Contains(t, r, "| `2222222` | changed (rewritten) | `ddddddd` | CARRY: two \\| pipes |\n")
	assert.Contains(t, r, "| `5555555` | dropped | — | HACK: gone |\n")
	assert.NotContains(t, r, "| added |", "a rewritten patch is one row, not dropped plus added")
	assert.Contains(t, r, "- `x.tf` (2222222... CARRY: two \\| pipes): `count = 1`")
	assert.Contains(t, r, "The previous tip `aaaaaaa` is kept at `refs/releasekit/backup/release-4.15-azure/20261124T000000Z`.")

	st.Current, st.Stop = 1, StopConflict
	st.Steps[1].Status, st.Steps[1].Result = Pending, ""
	assert.Contains(t, Report(st), "**Stopped** at patch 2 of 4: conflict.")
	assert.Contains(t, Report(st), "| **stopped: conflict** |")
}

func TestTodo(t *testing.T) {
	todo := Todo(sampleState())
	lines := strings.Split(todo, "\n")
	var cmds []string
	for _, l := range lines {
		if l != "" && !strings.HasPrefix(l, "#") {
			cmds = append(cmds, l)
		}
	}
	assert.Equal(t, []string{
		"pick 1111111 CARRY: one", "exec ./hack/build.sh",
		"pick 2222222 CARRY: two | pipes", "exec ./hack/build.sh",
		"edit 4444444 CARRY: HACK: commit data/assets_vfsdata.go", "exec ./hack/build.sh",
		"pick 5555555 HACK: gone", "exec ./hack/build.sh",
	}, cmds)
	assert.Contains(t, todo, "# dropped, already upstream: 3333333 CARRY: typo\n")
	assert.Contains(t, todo, "# At the edit stop of the assets commit run: cd hack/assets && go run ./assets.go\n")
}

func TestPositions(t *testing.T) {
	st := sampleState()
	assert.Equal(t, 4, st.Active())
	assert.Equal(t, 1, st.Position(0))
	assert.Equal(t, 3, st.Position(3), "the dropped patch does not count")
}
