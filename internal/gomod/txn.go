package gomod

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/mod/modfile"

	"github.com/aro-releasekit/releasekit/internal/fsutil"
)

// tx keeps go.mod, go.sum and vendor/ as they were before a run, so that a failed run puts
// them back byte for byte: go.mod and go.sum are copied, vendor/ is moved aside (go mod vendor
// writes a new one from the module cache). The backup lives in the git dir, so that a killed
// run is recovered by the next one.
type tx struct {
	dir, backup string
	hadSum      bool
	vendorMoved bool
	// recovered says what was put back from a run that was killed.
	recovered string
}

// backupDir is where a run keeps what it may have to put back.
func backupDir(dir string) string {
	dotgit := filepath.Join(dir, ".git")
	if st, err := os.Stat(dotgit); err == nil && st.IsDir() {
		return filepath.Join(dotgit, "releasekit", "wrapper-backup")
	}
	if b, err := os.ReadFile(dotgit); err == nil {
		if gd, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: "); ok {
			if !filepath.IsAbs(gd) {
				gd = filepath.Join(dir, gd)
			}
			return filepath.Join(gd, "releasekit", "wrapper-backup")
		}
	}
	return filepath.Join(dir, ".releasekit-wrapper-backup")
}

// BusyError refuses a run while another one works on the same repository.
type BusyError struct {
	PID int
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("another wrapper:vendor run (process %d) is working on this repository", e.PID)
}

// busy says which live process holds the repository's backup, if one does.
func busy(backup string) error {
	b, err := os.ReadFile(filepath.Join(backup, "pid"))
	if err != nil {
		return nil
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || pid == os.Getpid() {
		return nil
	}
	if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
		return &BusyError{PID: pid}
	}
	return nil
}

// begin takes the repository for a run: the backup directory is its lock (with the pid of
// the run in it), and what a killed run left there is put back first.
func begin(dir string) (*tx, error) {
	t := &tx{dir: dir, backup: backupDir(dir)}
	if err := busy(t.backup); err != nil {
		return nil, err
	}
	if exists(filepath.Join(t.backup, "go.mod")) {
		// A run was killed: what it backed up is the last consistent state.
		t.hadSum = exists(filepath.Join(t.backup, "go.sum"))
		t.vendorMoved = exists(filepath.Join(t.backup, "vendor"))
		if err := t.rollback(); err != nil {
			return nil, fmt.Errorf("cannot put back go.mod, go.sum and vendor/ from an interrupted run (kept in %s): %w", t.backup, err)
		}
		t.recovered = "an earlier run was interrupted: go.mod, go.sum and vendor/ were put back as they were before it"
		t.hadSum, t.vendorMoved = false, false
	} else if err := os.RemoveAll(t.backup); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(t.backup), 0o777); err != nil {
		return nil, fmt.Errorf("cannot keep a backup of go.mod: %w", err)
	}
	if err := os.Mkdir(t.backup, 0o777); errors.Is(err, fs.ErrExist) {
		return nil, &BusyError{} // another run took it just now
	} else if err != nil {
		return nil, fmt.Errorf("cannot keep a backup of go.mod: %w", err)
	}
	if err := os.WriteFile(filepath.Join(t.backup, "pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o666); err != nil {
		return nil, t.abandon(err)
	}
	if err := copyFile(filepath.Join(dir, "go.sum"), filepath.Join(t.backup, "go.sum")); err == nil {
		t.hadSum = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, t.abandon(fmt.Errorf("cannot keep a backup of go.sum: %w", err))
	}
	if exists(filepath.Join(dir, "vendor")) {
		if err := os.Rename(filepath.Join(dir, "vendor"), filepath.Join(t.backup, "vendor")); err != nil {
			return nil, t.abandon(fmt.Errorf("cannot move vendor/ aside while the run goes on: %w", err))
		}
		t.vendorMoved = true
	}
	// go.mod last: its presence in the backup marks a backup that is complete.
	if err := copyFile(filepath.Join(dir, "go.mod"), filepath.Join(t.backup, "go.mod")); err != nil {
		return nil, t.abandon(fmt.Errorf("cannot keep a backup of go.mod: %w", err))
	}
	return t, nil
}

// abandon undoes a begin that failed halfway.
func (t *tx) abandon(err error) error {
	if t.vendorMoved {
		if rerr := os.Rename(filepath.Join(t.backup, "vendor"), filepath.Join(t.dir, "vendor")); rerr != nil {
			return fmt.Errorf("%w; vendor/ is in %s: move it back", err, t.backup)
		}
	}
	os.RemoveAll(t.backup)
	return err
}

// rollback puts go.mod, go.sum and vendor/ back as they were.
func (t *tx) rollback() error {
	data, err := os.ReadFile(filepath.Join(t.backup, "go.mod"))
	if err != nil {
		return err
	}
	if err := fsutil.WriteFile(filepath.Join(t.dir, "go.mod"), data, 0o666); err != nil {
		return err
	}
	sum := filepath.Join(t.dir, "go.sum")
	if t.hadSum {
		data, err := os.ReadFile(filepath.Join(t.backup, "go.sum"))
		if err != nil {
			return err
		}
		if err := fsutil.WriteFile(sum, data, 0o666); err != nil {
			return err
		}
	} else if err := os.Remove(sum); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	vendor := filepath.Join(t.dir, "vendor")
	if t.vendorMoved {
		if err := os.RemoveAll(vendor); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(t.backup, "vendor"), vendor); err != nil {
			return err
		}
	} else if err := os.RemoveAll(vendor); err != nil {
		return err
	}
	return os.RemoveAll(t.backup)
}

// vendors says whether the repository vendors: it had vendor/modules.txt (now moved aside).
func (t *tx) vendors() bool {
	return t.vendorMoved && exists(filepath.Join(t.backup, "vendor", "modules.txt"))
}

// commit keeps the run's result. A vendor/ without modules.txt, which go mod vendor did not
// rewrite, goes back where it was.
func (t *tx) commit() error {
	if t.vendorMoved && !exists(filepath.Join(t.dir, "vendor")) {
		if err := os.Rename(filepath.Join(t.backup, "vendor"), filepath.Join(t.dir, "vendor")); err != nil {
			return err
		}
	}
	return os.RemoveAll(t.backup)
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return fsutil.WriteFile(to, data, 0o666)
}

// scratchCopy copies the wrapper, without .git and vendor/, into a temporary directory where a
// dry run can write go.mod and run go mod tidy. Local-directory replaces are made absolute, so
// that they still point at the same modules.
func scratchCopy(dir string) (string, func(), error) {
	scratch, err := os.MkdirTemp("", "releasekit-dryrun-")
	if err != nil {
		return "", nil, fmt.Errorf("cannot make a scratch copy for the dry run: %w", err)
	}
	done := func() { os.RemoveAll(scratch) }
	skip := map[string]bool{".git": true, "vendor": true, ".releasekit-wrapper-backup": true}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if skip[filepath.ToSlash(rel)] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		to := filepath.Join(scratch, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o777)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			return copyRegular(p, to)
		}
		return nil
	})
	if err != nil {
		done()
		return "", nil, fmt.Errorf("cannot make a scratch copy for the dry run: %w", err)
	}
	gm := filepath.Join(scratch, "go.mod")
	data, err := os.ReadFile(gm)
	if err != nil {
		done()
		return "", nil, err
	}
	mf, err := modfile.Parse(gm, data, nil)
	if err != nil {
		done()
		return "", nil, fmt.Errorf("cannot parse go.mod: %w", err)
	}
	changed := false
	for _, r := range mf.Replace {
		if r.New.Version == "" && !filepath.IsAbs(r.New.Path) {
			if err := mf.AddReplace(r.Old.Path, r.Old.Version, filepath.Join(dir, r.New.Path), ""); err != nil {
				done()
				return "", nil, err
			}
			changed = true
		}
	}
	if changed {
		out, err := mf.Format()
		if err == nil && !bytes.Equal(out, data) {
			err = os.WriteFile(gm, out, 0o666)
		}
		if err != nil {
			done()
			return "", nil, err
		}
	}
	return scratch, done, nil
}

func copyRegular(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
