package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
)

// The repository-state errors: what stops a target from changing the work tree. Every target
// that changes the repository checks them through Ready, and they carry their hints.

// DirtyError is a work tree with changes to tracked files in the way.
type DirtyError struct {
	Paths []string
	// What says which changes, when not plain uncommitted ones.
	What string
}

func (e *DirtyError) Error() string {
	what := e.What
	if what == "" {
		what = "the work tree has uncommitted changes"
	}
	const shown = 5
	paths := e.Paths
	more := ""
	if len(paths) > shown {
		more = fmt.Sprintf(" and %d more", len(paths)-shown)
		paths = paths[:shown]
	}
	return fmt.Sprintf("%s: %s%s", what, strings.Join(paths, ", "), more)
}

// OperationError is git in the middle of another operation (a cherry-pick, merge, rebase,
// revert, am or bisect) started outside the toolkit.
type OperationError struct{ What string }

func (e *OperationError) Error() string {
	return "a git " + e.What + " is in progress in this repository"
}

// Hint is the command that finishes or abandons the operation.
func (e *OperationError) Hint() string {
	switch e.What {
	case "bisect":
		return `end it first with "git bisect reset"`
	case "rebase or am":
		return `finish it ("git rebase --continue" or "git am --continue") or abandon it ("git rebase --abort" or "git am --abort") first`
	}
	return fmt.Sprintf(`finish it ("git %s --continue") or abandon it ("git %s --abort") first`, e.What, e.What)
}

// BusyError is git's index.lock: another git is running, or one was killed and left it.
type BusyError struct{ Path string }

func (e *BusyError) Error() string {
	return "another git process seems to be running in this repository (" + e.Path + " exists)"
}

// ErrShallow is a shallow clone: its history stops short, so carry patches, counts and merge
// bases read from it are wrong.
var ErrShallow = errors.New("the repository is a shallow clone: its history is cut short")

// Ready checks that the repository can be changed: no index.lock, no git operation in progress,
// no uncommitted changes to tracked files. The errors carry the hints that get the user going.
func (r *Repo) Ready(ctx context.Context) error {
	if err := r.NotBusy(ctx); err != nil {
		return err
	}
	if what := r.InProgress(); what != "" {
		e := &OperationError{What: what}
		return cli.Fail(e, e.Hint())
	}
	dirty, err := r.Dirty(ctx)
	if err != nil {
		return err
	}
	if len(dirty) > 0 {
		return cli.Fail(&DirtyError{Paths: dirty}, "commit or stash your changes (git stash), or discard them, then run the target again")
	}
	return nil
}

// NotBusy fails with a BusyError when git's index.lock exists.
func (r *Repo) NotBusy(ctx context.Context) error {
	if p, locked := r.Locked(ctx); locked {
		return cli.Fail(&BusyError{Path: p}, "if no git is running, remove "+p+" and run the target again")
	}
	return nil
}

// CheckHistory fails with ErrShallow in a shallow clone, with the command that completes it.
func (r *Repo) CheckHistory(ctx context.Context, remotes ...string) error {
	p, err := r.GitPath(ctx, "shallow")
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err != nil {
		return nil
	}
	if len(remotes) == 0 {
		return cli.Fail(ErrShallow, "fetch the whole history first: git fetch --unshallow")
	}
	// The first remote's complete history usually completes the others' too, and
	// "git fetch --unshallow" refuses a repository that is no longer shallow.
	hint := "fetch the whole history first: git fetch --unshallow " + remotes[0]
	for _, rem := range remotes[1:] {
		hint += fmt.Sprintf(" && git fetch %s (and \"git fetch --unshallow %s\" if the clone is still shallow)", rem, rem)
	}
	return cli.Fail(ErrShallow, hint)
}

// RequireRefs fails on the first of refs (remote-tracking refs, remote/branch) that does not
// resolve, with the fetch of its own remote as the hint.
func (r *Repo) RequireRefs(ctx context.Context, refs ...string) error {
	for _, ref := range refs {
		if !r.Exists(ctx, ref) {
			remote, _, _ := strings.Cut(ref, "/")
			return cli.Fail(fmt.Errorf("%w %s", ErrUnknownRevision, ref),
				fmt.Sprintf("fetch it with \"git fetch %s\", or check the remote names (RELEASEKIT_FORK_REMOTE, RELEASEKIT_UPSTREAM_REMOTE)", remote))
		}
	}
	return nil
}

// OpenWorkTree opens the repository a target changes, the one whose work tree holds dir; outside
// one, the error says where to run the target.
func OpenWorkTree(ctx context.Context, dir string) (*Repo, error) {
	if dir == "" {
		dir = "."
	}
	repo, err := Open(ctx, dir)
	if errors.Is(err, ErrNotRepository) {
		hint := "cd into your clone of the installer fork"
		if strings.Contains(cli.Program(), "mage") && !strings.Contains(cli.Program(), " -w ") {
			hint += ", or pass -w DIR to mage"
		}
		return nil, cli.Fail(err, hint)
	}
	return repo, err
}

// WriteReport writes a report of the toolkit under the repository's git dir (StateDir.Report:
// ReportName, AssessName), where it stays out of the work tree, and returns its path.
func (r *Repo) WriteReport(ctx context.Context, name, body string) (string, error) {
	sd, err := r.StateDir(ctx)
	if err != nil {
		return "", err
	}
	p := sd.Report(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	return p, fsutil.WriteFile(p, []byte(body), 0o644)
}
