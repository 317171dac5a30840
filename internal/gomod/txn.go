package gomod

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"

	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
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

// stateDir is where a run keeps its backup and logs: `git rev-parse --git-path releasekit`
// in a git checkout (so that a killed run is recovered by the next one, and nothing shows in
// the work tree), else a directory of its own next to go.mod.
func stateDir(ctx context.Context, dir string) string {
	if repo, err := git.Open(ctx, dir); err == nil {
		defer repo.Close()
		if p, err := repo.GitPath(ctx, "releasekit"); err == nil {
			return p
		}
	}
	return filepath.Join(dir, ".releasekit")
}

// lock takes the repository's lock, the one every target that changes a repository holds, so
// that two runs never edit go.mod at once. Outside a git checkout there is nothing to lock.
func lock(ctx context.Context, dir string) (unlock func(), err error) {
	repo, err := git.Open(ctx, dir)
	if errors.Is(err, git.ErrNotRepository) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	unlock, _, err = repo.Lock(ctx)
	return unlock, err
}

// begin backs up the repository for a run (the caller holds the lock); what a killed run left
// in the backup is put back first.
func begin(ctx context.Context, dir string) (*tx, error) {
	t := &tx{dir: dir, backup: filepath.Join(stateDir(ctx, dir), "wrapper-backup")}
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
	if err := os.Mkdir(t.backup, 0o777); err != nil {
		return nil, fmt.Errorf("cannot keep a backup of go.mod: %w", err)
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
	skip := map[string]bool{".git": true, "vendor": true, ".releasekit": true}
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
