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

// Lock takes the toolkit's lock on the work tree: every target that changes the repository
// (fork:branch, fork:cherryPick, fork:rebaseAgain, fork:continue, fork:skip, fork:abort) holds
// it for the whole run, so that none of them moves HEAD under another. It is a flock on the
// lock file, which the kernel drops when its holder dies: a killed run never blocks the next
// one, whatever process later gets its pid. The file names the holder (pid and start) for the
// message; stale is set when it names a run that ended without clearing it (killed, crashed).
// The error is a *LockedError while a live process holds it.
func (r *Repo) Lock(ctx context.Context) (unlock func(), stale *StaleLock, err error) {
	sd, err := r.StateDir(ctx)
	if err != nil {
		return nil, nil, err
	}
	l, stale, err := acquire(sd.Lock())
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			return nil, nil, cli.Fail(err, fmt.Sprintf("wait for it to finish (or stop it: kill %d)", le.PID))
		}
		return nil, nil, err
	}
	return l.release, stale, nil
}

// LockHolder is the live process that holds the lock, or 0.
func (r *Repo) LockHolder(ctx context.Context) int {
	sd, err := r.StateDir(ctx)
	if err != nil {
		return 0
	}
	p := sd.Lock()
	f, err := os.Open(p)
	if err != nil {
		return 0
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return 0
	}
	pid, _ := readLock(p)
	return pid
}

type lock struct{ f *os.File }

func acquire(p string) (*lock, *StaleLock, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, nil, err
	}
	// Never removed: a process that opened the file before a removal would lock another inode.
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, since := readLock(p)
			return nil, nil, &LockedError{PID: pid, Since: since, Path: p}
		}
		return nil, nil, fmt.Errorf("lock %s: %w", p, err)
	}
	var stale *StaleLock
	// A holder clears the file when it lets go: a name left in it is of a run that did not.
	if pid, _ := readLock(p); pid > 0 && pid != os.Getpid() {
		stale = &StaleLock{PID: pid}
	}
	l := &lock{f}
	if err := l.write(fmt.Sprintf("%d %d\n", os.Getpid(), time.Now().Unix())); err != nil {
		l.release()
		return nil, nil, err
	}
	return l, stale, nil
}

func (l *lock) write(s string) error {
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err := l.f.WriteAt([]byte(s), 0)
	return err
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

func (l *lock) release() {
	_ = l.write("")
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
