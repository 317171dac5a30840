package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
)

// LockedError refuses a second run while another is working on the repository.
type LockedError struct {
	PID   int
	Since time.Time
	Path  string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another releasekit run (process %d, since %s) is working on this repository", e.PID, e.Since.Format(time.RFC3339))
}

// StaleLock is reported when a lock left by a process that is no longer running is taken over.
type StaleLock struct{ PID int }

// lockPath is where the lock lives in the git dir (per linked worktree, as the sequence state).
// It is under releasekit/sequence for the runs of earlier versions, which took it there.
const lockPath = "releasekit/sequence/lock"

// Lock takes the toolkit's lock on the work tree: every target that changes the repository
// (fork:branch, fork:cherryPick, fork:rebaseAgain, fork:continue, fork:skip, fork:abort) holds
// it for the whole run, so that none of them moves HEAD under another. stale is set when the
// lock of a process that is gone was taken over. The error is a *LockedError while a live
// process holds it.
func (r *Repo) Lock(ctx context.Context) (unlock func(), stale *StaleLock, err error) {
	base, err := r.GitPath(ctx, "releasekit")
	if err != nil {
		return nil, nil, err
	}
	l, stale, err := acquire(filepath.Join(base, "sequence"))
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			return nil, nil, cli.Fail(err, fmt.Sprintf("wait for it to finish; if process %d is not releasekit, remove %s", le.PID, le.Path))
		}
		return nil, nil, err
	}
	return l.release, stale, nil
}

// LockHolder is the live process that holds the lock, or 0.
func (r *Repo) LockHolder(ctx context.Context) int {
	base, err := r.GitPath(ctx, "releasekit")
	if err != nil {
		return 0
	}
	pid, _ := readLock(filepath.Join(base, lockPath[len("releasekit/"):]))
	if pid > 0 && alive(pid) {
		return pid
	}
	return 0
}

type lock struct{ path string }

func acquire(dir string) (*lock, *StaleLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	p := filepath.Join(dir, "lock")
	var stale *StaleLock
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%d %d\n", os.Getpid(), time.Now().Unix())
			cerr := f.Close()
			if werr != nil || cerr != nil {
				os.Remove(p)
				return nil, nil, errors.Join(werr, cerr)
			}
			return &lock{p}, stale, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, nil, err
		}
		pid, since := readLock(p)
		if pid > 0 && alive(pid) {
			return nil, nil, &LockedError{PID: pid, Since: since, Path: p}
		}
		// The holder is gone (killed, crashed): take the lock over and say so.
		stale = &StaleLock{PID: pid}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("could not take the lock %s", p)
}

func readLock(p string) (int, time.Time) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, time.Time{}
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, time.Time{}
	}
	pid, _ := strconv.Atoi(f[0])
	ts, _ := strconv.ParseInt(f[1], 10, 64)
	return pid, time.Unix(ts, 0)
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func (l *lock) release() { os.Remove(l.path) }
