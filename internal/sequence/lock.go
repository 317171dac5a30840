package sequence

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// lock is held for the whole of a command that changes the repository.
type lock struct{ path string }

// StaleLock is reported when a lock left by a process that is no longer running is taken over.
type StaleLock struct{ PID int }

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
