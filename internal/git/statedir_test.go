package git

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// declared is every path StateDir declares, for release 4.15 and pool worktree 1.
type declared struct {
	name, path string
	dir        bool // a directory other paths may be under
	shared     bool // under Common, not Base
}

func allDeclared(sd StateDir) []declared {
	wt := sd.Worktrees()
	pool := filepath.Join(wt, PoolWorktreeName(1))
	return []declared{
		{"sequence", sd.Sequence(), true, false},
		{"sequence state", sd.SequenceState(), false, false},
		{"sequence last", sd.SequenceLast(), false, false},
		{"sequence logs", sd.SequenceLogs(), true, false},
		{"sequence verify index", sd.SequenceVerifyIndex(), false, false},
		{"lock", sd.Lock(), false, false},
		{"verify logs", sd.VerifyLogs(), true, false},
		{"worktrees", wt, true, false},
		{"pool worktree", pool, true, false},
		{"pool lock", filepath.Join(wt, PoolLockName(1)), false, false},
		{"pool size", PoolSizeFile(pool), false, false},
		{"verify worktree", filepath.Join(wt, VerifyWorktreeName(7, 1)), true, false},
		{"canary worktree", filepath.Join(wt, CanaryWorktreePattern(7)+"123"), true, false},
		{"cherry-pick report", sd.Report(ReportName("cherry-pick", "4.15")), false, false},
		{"rebase-again report", sd.Report(ReportName("rebase-again", "4.15")), false, false},
		{"assess report", sd.Report(AssessName("4.15")), false, false},
		{"canary record", sd.CanaryRecord("4.15"), false, false},
		{"rhcos record", sd.RHCOSRecord("4.15"), false, false},
		{"pr pushes", sd.PRPushes(), false, false},
		{"wrapper backup", sd.WrapperBackup(), true, false},
		{"wrapper manifest", sd.WrapperBackupManifest(), false, false},
		{"wrapper backup discarded", sd.WrapperBackupDiscarded(), true, false},
		{"wrapper generate log", sd.WrapperGenerateLog(), false, false},
		{"notes lock", sd.NotesLock(), false, true},
		{"rerere shared", sd.RerereShared(), false, true},
	}
}

func under(p, dir string) bool { return strings.HasPrefix(p, dir+string(filepath.Separator)) }

// checkDeclared: every path is under its base, no two are the same, and none is under a path
// that is a file.
func checkDeclared(t *testing.T, sd StateDir) {
	t.Helper()
	ps := allDeclared(sd)
	seen := map[string]string{}
	for _, d := range ps {
		base := sd.Base
		if d.shared {
			base = sd.Common
		}
		assert.True(t, under(d.path, base), "%s: %s is not under %s", d.name, d.path, base)
		if other, ok := seen[d.path]; ok {
			t.Errorf("%s and %s are both %s", d.name, other, d.path)
		}
		seen[d.path] = d.name
	}
	for _, f := range ps {
		if f.dir {
			continue
		}
		for _, d := range ps {
			assert.False(t, under(d.path, f.path), "%s (%s) is under the file %s (%s)", d.name, d.path, f.name, f.path)
		}
	}
	// A report glob finds the port reports and nothing else declared.
	for _, d := range ps {
		ok, err := filepath.Match(sd.PortReports("4.15"), d.path)
		require.NoError(t, err)
		assert.Equal(t, strings.HasSuffix(d.name, " report") && d.name != "assess report", ok, "%s: %s", d.name, d.path)
	}
}

// TestStateDir: the declared paths do not collide, stay under the toolkit's directory, and are
// where earlier versions put them (the on-disk contract), in the main work tree and in a linked one.
func TestStateDir(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := oneCommit(t)
	r, err := OpenWorkTree(ctx, dir)
	require.NoError(t, err)
	defer r.Close()
	sd, err := r.StateDir(ctx)
	require.NoError(t, err)
	gitDir := filepath.Join(dir, ".git")
	assert.Equal(t, StateDir{Base: filepath.Join(gitDir, "releasekit"), Common: filepath.Join(gitDir, "releasekit")}, sd)
	checkDeclared(t, sd)
	rk := filepath.Join(gitDir, "releasekit")
	for p, want := range map[string]string{
		sd.SequenceState():       "sequence/state.json",
		sd.SequenceLast():        "sequence/last.json",
		sd.SequenceLogs():        "sequence/logs",
		sd.SequenceVerifyIndex(): "sequence/verify-index",
		sd.Lock():                "sequence/lock",
		sd.VerifyLogs():          "verify/logs",
		sd.Worktrees():           "worktrees",
		sd.Report(ReportName("cherry-pick", "4.15")): "report-cherry-pick-4.15.md",
		sd.Report(AssessName("4.15")):                "assess-4.15.md",
		sd.CanaryRecord("4.15"):                      "canary-4.15.json",
		sd.RHCOSRecord("4.15"):                       "rhcos-4.15.json",
		sd.PRPushes():                                "pr-pushes.json",
		sd.WrapperBackup():                           "wrapper-backup",
		sd.WrapperBackupManifest():                   "wrapper-backup/manifest.json",
		sd.WrapperBackupDiscarded():                  "wrapper-backup.discarded",
		sd.WrapperGenerateLog():                      "wrapper-generate.log",
		sd.NotesLock():                               "notes.lock",
		sd.RerereShared():                            "rerere-shared.json",
	} {
		assert.Equal(t, filepath.Join(rk, filepath.FromSlash(want)), p)
	}
	assert.Equal(t, "pool-3", PoolWorktreeName(3))
	assert.Equal(t, "pool-3.lock", PoolLockName(3))
	assert.Equal(t, "verify-12-3", VerifyWorktreeName(12, 3))
	assert.Equal(t, "canary-12-", CanaryWorktreePattern(12))
	assert.Equal(t, filepath.Join(dir, ".releasekit", "wrapper-backup"), StateDirIn(dir).WrapperBackup())

	// A linked worktree has its own state and lock; the notes lock and the rerere record are
	// shared with the main work tree.
	linked := filepath.Join(t.TempDir(), "linked")
	run(t, dir, nil, "worktree", "add", "-q", "--detach", linked)
	lr, err := OpenWorkTree(ctx, linked)
	require.NoError(t, err)
	defer lr.Close()
	lsd, err := lr.StateDir(ctx)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(gitDir, "worktrees", "linked", "releasekit"), lsd.Base)
	assert.Equal(t, sd.Common, lsd.Common)
	assert.Equal(t, sd.NotesLock(), lsd.NotesLock())
	assert.NotEqual(t, sd.Lock(), lsd.Lock())
	checkDeclared(t, lsd)
}
