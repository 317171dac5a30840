package git

import (
	"context"
	"path/filepath"
	"strconv"
)

// The toolkit's files in a repository's git dir, all declared here (as git's sequencer declares
// its files in one place): nothing else builds a path under `git rev-parse --git-path releasekit`.
// The layout is an on-disk contract: runs of earlier versions left files at these paths, and the
// next run must find them.
const (
	stateDirName = "releasekit" // the toolkit's directory in the git dir

	// Per work tree (git-path releasekit, under .git/worktrees/NAME in a linked worktree):
	sequenceDir     = "sequence"             // a port's state; written by sequence.Engine (fork:cherryPick, fork:rebaseAgain, fork:continue, fork:skip, fork:abort)
	sequenceState   = "state.json"           // sequence/state.json: the port in progress; sequence.Engine
	sequenceLast    = "last.json"            // sequence/last.json: the state of the last finished or aborted port; sequence.Engine
	sequenceLogs    = "logs"                 // sequence/logs/: one log per step and verify of a port; sequence.Engine
	sequenceIndex   = "verify-index"         // sequence/verify-index: scratch copy of the index for a verify; sequence.Engine
	lockName        = "lock"                 // sequence/lock: the repository lock every changing target holds (there since earlier versions); Repo.Lock
	verifyDir       = "verify"               // verify/: fork:verify's own files; verify.Run
	verifyLogs      = "logs"                 // verify/logs/: one log per verify of fork:verify; verify.Pool
	worktreesDir    = "worktrees"            // worktrees/: temporary and pooled worktrees; verify.Pool, canary
	poolPrefix      = "pool-"                // worktrees/pool-N (+ .lock, .size): the pooled verify worktrees; verify.Pool
	verifyPrefix    = "verify-"              // worktrees/verify-PID-N: a one-shot verify worktree; verify.Pool
	canaryPrefix    = "canary-"              // worktrees/canary-PID-*: a canary's worktree; canary
	reportPrefix    = "report-"              // report-PLAN-X.Y.md: a port's Markdown report; sequence (read by fork:pr, release:status)
	assessPrefix    = "assess-"              // assess-X.Y.md: fork:assess's report; assess
	canaryRecord    = "canary-"              // canary-X.Y.json: the last fork:canary's result; commands (read by release:status)
	rhcosRecord     = "rhcos-"               // rhcos-X.Y.json: the last rhcos:publish's result; commands (read by release:status)
	prPushes        = "pr-pushes.json"       // pr-pushes.json: the commit last pushed per remote and branch; pr
	wrapperBackup   = "wrapper-backup"       // wrapper-backup/: go.mod, go.sum and vendor/ of a wrapper:vendor run; gomod
	wrapperManifest = "manifest.json"        // wrapper-backup/manifest.json: the backup's last file, what existed before; gomod
	wrapperDiscard  = ".discarded"           // wrapper-backup.discarded/: a backup being removed; gomod
	wrapperGenLog   = "wrapper-generate.log" // wrapper-generate.log: the output of the wrapper's go generate; gomod

	// Shared by all work trees (releasekit in `git rev-parse --git-common-dir`):
	notesLock    = "notes.lock"         // notes.lock: the notes lock across processes; Repo (notes)
	rerereShared = "rerere-shared.json" // rerere-shared.json: the rerere entries already shared; rerere
)

// StateDir is the toolkit's directory in a repository's git dir, and every path under it.
type StateDir struct {
	// Base is `git rev-parse --git-path releasekit`: per work tree, as git's own sequencer state.
	Base string
	// Common is releasekit in `git rev-parse --git-common-dir`: shared by the linked worktrees
	// (Base itself in the main work tree).
	Common string
}

// StateDir resolves the toolkit's directory of r's work tree (no git call once GitPath has run).
func (r *Repo) StateDir(ctx context.Context) (StateDir, error) {
	base, err := r.GitPath(ctx, stateDirName)
	if err != nil {
		return StateDir{}, err
	}
	return StateDir{Base: base, Common: filepath.Join(r.commonDir, stateDirName)}, nil
}

// StateDirIn is the toolkit's directory kept in dir itself (gomod outside a git checkout).
func StateDirIn(dir string) StateDir {
	d := filepath.Join(dir, "."+stateDirName)
	return StateDir{Base: d, Common: d}
}

// StateDirOfCommon is the shared part of the toolkit's directory, for a git common dir.
func StateDirOfCommon(commonDir string) StateDir {
	return StateDir{Common: filepath.Join(commonDir, stateDirName)}
}

// Sequence is the directory of a port's state.
func (s StateDir) Sequence() string { return filepath.Join(s.Base, sequenceDir) }

// SequenceState is the state of the port in progress.
func (s StateDir) SequenceState() string { return filepath.Join(s.Sequence(), sequenceState) }

// SequenceLast is the state of the last port that ended.
func (s StateDir) SequenceLast() string { return filepath.Join(s.Sequence(), sequenceLast) }

// SequenceLogs is the directory of a port's step and verify logs.
func (s StateDir) SequenceLogs() string { return filepath.Join(s.Sequence(), sequenceLogs) }

// SequenceVerifyIndex is the scratch index of a port's verify.
func (s StateDir) SequenceVerifyIndex() string { return filepath.Join(s.Sequence(), sequenceIndex) }

// Lock is the repository lock's file (Repo.Lock).
func (s StateDir) Lock() string { return filepath.Join(s.Sequence(), lockName) }

// VerifyLogs is the directory of fork:verify's logs.
func (s StateDir) VerifyLogs() string { return filepath.Join(s.Base, verifyDir, verifyLogs) }

// Worktrees is the directory of the toolkit's temporary and pooled worktrees.
func (s StateDir) Worktrees() string { return filepath.Join(s.Base, worktreesDir) }

// PoolWorktreeName is the name of pooled verify worktree n under Worktrees; its lock and size
// files add ".lock" and ".size".
func PoolWorktreeName(n int) string { return poolPrefix + strconv.Itoa(n) }

// PoolLockName is the name of pooled verify worktree n's lock (a flock while a run uses it).
func PoolLockName(n int) string { return PoolWorktreeName(n) + ".lock" }

// PoolSizeFile is the file next to pooled verify worktree path that keeps its measured size.
func PoolSizeFile(path string) string { return path + ".size" }

// VerifyWorktreeName is the name of one-shot verify worktree n of process pid under Worktrees.
func VerifyWorktreeName(pid, n int) string {
	return verifyPrefix + strconv.Itoa(pid) + "-" + strconv.Itoa(n)
}

// CanaryWorktreePattern is the os.MkdirTemp pattern of process pid's canary worktree.
func CanaryWorktreePattern(pid int) string { return canaryPrefix + strconv.Itoa(pid) + "-" }

// Report is the path of a report of the toolkit named name (ReportName, AssessName).
func (s StateDir) Report(name string) string { return filepath.Join(s.Base, name) }

// ReportName names the report of a port (plan cherry-pick or rebase-again) of release X.Y.
func ReportName(plan, release string) string { return reportPrefix + plan + "-" + release + ".md" }

// AssessName names fork:assess's report of release X.Y.
func AssessName(release string) string { return assessPrefix + release + ".md" }

// PortReports is the filepath.Glob pattern of the reports of every port of release X.Y.
func (s StateDir) PortReports(release string) string {
	return filepath.Join(s.Base, ReportName("*", release))
}

// CanaryRecord is the last fork:canary's result for release X.Y.
func (s StateDir) CanaryRecord(release string) string {
	return filepath.Join(s.Base, canaryRecord+release+".json")
}

// RHCOSRecord is the last rhcos:publish's result for release X.Y.
func (s StateDir) RHCOSRecord(release string) string {
	return filepath.Join(s.Base, rhcosRecord+release+".json")
}

// PRPushes is the record of the commits the toolkit pushed.
func (s StateDir) PRPushes() string { return filepath.Join(s.Base, prPushes) }

// WrapperBackup is the backup of a wrapper:vendor run.
func (s StateDir) WrapperBackup() string { return filepath.Join(s.Base, wrapperBackup) }

// WrapperBackupManifest is the last file written into the backup.
func (s StateDir) WrapperBackupManifest() string {
	return filepath.Join(s.WrapperBackup(), wrapperManifest)
}

// WrapperBackupDiscarded is where a backup goes, in one rename, to be removed.
func (s StateDir) WrapperBackupDiscarded() string { return s.WrapperBackup() + wrapperDiscard }

// WrapperGenerateLog is the log of the wrapper's go generate.
func (s StateDir) WrapperGenerateLog() string { return filepath.Join(s.Base, wrapperGenLog) }

// NotesLock is the notes lock's file, shared by the linked worktrees.
func (s StateDir) NotesLock() string { return filepath.Join(s.Common, notesLock) }

// RerereShared is the record of the rerere entries already shared, next to the shared rr-cache.
func (s StateDir) RerereShared() string { return filepath.Join(s.Common, rerereShared) }
