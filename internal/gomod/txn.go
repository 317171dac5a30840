package gomod

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/mod/modfile"

	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
)

// tx keeps go.mod, go.sum and vendor/ as they were before a run, so that a failed run puts
// them back byte for byte: go.mod and go.sum are copied, vendor/ is moved aside (go mod vendor
// writes a new one from the module cache). The backup lives in the git dir, so that a killed
// run is recovered by the next one.
//
// Every prefix of a backup can be recovered, because it is built in this order: go.mod and
// go.sum are copied, vendor/ is moved in (one rename), and the manifest is written last. Until
// the manifest exists the run has changed nothing in the work tree but the move of vendor/, so
// whatever the backup holds goes back; the manifest adds what did not exist before the run (no
// go.sum, no vendor/), so that what the run created is removed too. A backup with content is
// never deleted before it is put back.
type tx struct {
	dir, backup string
	sd          git.StateDir
	hadSum      bool
	vendorMoved bool
	// recovered says what was put back from a run that was killed.
	recovered string
}

// manifest is the last file of a backup: what existed before the run.
type manifest struct {
	GoSum  bool `json:"go.sum"`
	Vendor bool `json:"vendor"`
}

// Recovered is the warning of a run that put back what a killed run had backed up.
const Recovered = "an earlier run was interrupted: go.mod, go.sum and vendor/ were put back as they were before it"

// crashPoint kills the process at a named point when RELEASEKIT_TEST_CRASH names it (the
// mechanism of internal/sequence): the tests prove that a run killed there is recovered.
func crashPoint(name string) {
	if os.Getenv("RELEASEKIT_TEST_CRASH") == name {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// stateDir is where a run keeps its backup and logs: the repository's git.StateDir in a git
// checkout (so that a killed run is recovered by the next one, and nothing shows in the work
// tree), else a directory of its own next to go.mod (git.StateDirIn).
func stateDir(ctx context.Context, dir string) git.StateDir {
	if repo, err := git.Open(ctx, dir); err == nil {
		defer repo.Close()
		if sd, err := repo.StateDir(ctx); err == nil {
			return sd
		}
	}
	return git.StateDirIn(dir)
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
	sd := stateDir(ctx, dir)
	t := &tx{dir: dir, backup: sd.WrapperBackup(), sd: sd}
	// A backup that was put back or kept, whose removal was cut short.
	if err := os.RemoveAll(t.discarded()); err != nil {
		return nil, err
	}
	recovered, err := t.recover()
	if err != nil {
		return nil, fmt.Errorf("cannot put back go.mod, go.sum and vendor/ from an interrupted run (kept in %s): %w", t.backup, err)
	}
	if recovered {
		t.recovered = Recovered
	}
	if err := os.MkdirAll(filepath.Dir(t.backup), 0o777); err != nil {
		return nil, fmt.Errorf("cannot keep a backup of go.mod: %w", err)
	}
	if err := os.Mkdir(t.backup, 0o777); err != nil {
		return nil, fmt.Errorf("cannot keep a backup of go.mod: %w", err)
	}
	crashPoint("wrapper-backup-dir")
	if err := copyFile(filepath.Join(dir, "go.mod"), filepath.Join(t.backup, "go.mod")); err != nil {
		return nil, t.abandon(fmt.Errorf("cannot keep a backup of go.mod: %w", err))
	}
	crashPoint("wrapper-backup-go.mod")
	if err := copyFile(filepath.Join(dir, "go.sum"), filepath.Join(t.backup, "go.sum")); err == nil {
		t.hadSum = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, t.abandon(fmt.Errorf("cannot keep a backup of go.sum: %w", err))
	}
	crashPoint("wrapper-backup-go.sum")
	if exists(filepath.Join(dir, "vendor")) {
		if err := os.Rename(filepath.Join(dir, "vendor"), filepath.Join(t.backup, "vendor")); err != nil {
			return nil, t.abandon(fmt.Errorf("cannot move vendor/ aside while the run goes on: %w", err))
		}
		t.vendorMoved = true
	}
	crashPoint("wrapper-backup-vendor")
	data, err := json.Marshal(manifest{GoSum: t.hadSum, Vendor: t.vendorMoved})
	if err == nil {
		err = fsutil.WriteFile(t.sd.WrapperBackupManifest(), data, 0o666)
	}
	if err != nil {
		return nil, t.abandon(fmt.Errorf("cannot keep a backup of go.mod: %w", err))
	}
	crashPoint("wrapper-backup-manifest")
	return t, nil
}

// discarded is where a backup goes, in one rename, once it is no longer needed: a removal cut
// short leaves no part of it where the next run would take it for a backup.
func (t *tx) discarded() string { return t.sd.WrapperBackupDiscarded() }

// discard removes the backup.
func (t *tx) discard() error {
	if err := os.Rename(t.backup, t.discarded()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	crashPoint("wrapper-discard")
	return os.RemoveAll(t.discarded())
}

// recover puts back what a killed run left in the backup, whatever part of it was written,
// and says whether there was anything. A backup it cannot make sense of is kept, with an error.
func (t *tx) recover() (bool, error) {
	entries, err := os.ReadDir(t.backup)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var m *manifest
	data, err := os.ReadFile(t.sd.WrapperBackupManifest())
	switch {
	case err == nil:
		m = new(manifest)
		if err := json.Unmarshal(data, m); err != nil {
			return false, fmt.Errorf("%s: %w", filepath.Base(t.sd.WrapperBackupManifest()), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	content := m != nil
	for _, e := range entries {
		switch e.Name() {
		case "go.mod", "go.sum", "vendor":
			content = true
		}
	}
	if content {
		if err := t.restore(m); err != nil {
			return false, err
		}
	}
	return content, t.discard()
}

// restore puts go.mod, go.sum and vendor/ back from the backup. Each step can be done again
// after a kill: a file is written whole, and vendor/ goes back in one rename. Without a
// manifest (a backup cut short) only what the backup holds goes back; with it, what did not
// exist before the run is removed as well.
func (t *tx) restore(m *manifest) error {
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(t.backup, name))
		if errors.Is(err, fs.ErrNotExist) {
			if name == "go.mod" && m != nil {
				return fmt.Errorf("the backup has no go.mod")
			}
			if name == "go.sum" && m != nil && !m.GoSum {
				if err := os.Remove(filepath.Join(t.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := fsutil.WriteFile(filepath.Join(t.dir, name), data, 0o666); err != nil {
			return err
		}
		crashPoint("wrapper-restore-" + name)
	}
	vendor, saved := filepath.Join(t.dir, "vendor"), filepath.Join(t.backup, "vendor")
	switch {
	case exists(saved):
		if err := os.RemoveAll(vendor); err != nil {
			return err
		}
		crashPoint("wrapper-restore-remove-vendor")
		if err := os.Rename(saved, vendor); err != nil {
			return err
		}
	case m != nil && m.Vendor:
		// Moved back already (a restore or a commit cut short), or lost: never go on without it.
		if !exists(vendor) {
			return fmt.Errorf("vendor/ was there before the run, and it is neither in the backup nor in %s", t.dir)
		}
	case m != nil:
		if err := os.RemoveAll(vendor); err != nil {
			return err
		}
	}
	return nil
}

// abandon undoes a begin that failed halfway.
func (t *tx) abandon(err error) error {
	if t.vendorMoved {
		if rerr := os.Rename(filepath.Join(t.backup, "vendor"), filepath.Join(t.dir, "vendor")); rerr != nil {
			return fmt.Errorf("%w; vendor/ is in %s: move it back", err, t.backup)
		}
	}
	t.discard()
	return err
}

// rollback puts go.mod, go.sum and vendor/ back as they were.
func (t *tx) rollback() error {
	if err := t.restore(&manifest{GoSum: t.hadSum, Vendor: t.vendorMoved}); err != nil {
		return err
	}
	return t.discard()
}

// vendors says whether the repository vendors: it had vendor/modules.txt (now moved aside).
func (t *tx) vendors() bool {
	return t.vendorMoved && exists(filepath.Join(t.backup, "vendor", "modules.txt"))
}

// commit keeps the run's result. A vendor/ without modules.txt, which go mod vendor did not
// rewrite, goes back where it was. A run never ends well without the vendor/ it started with.
func (t *tx) commit() error {
	vendor := filepath.Join(t.dir, "vendor")
	if t.vendorMoved && !exists(vendor) {
		if err := os.Rename(filepath.Join(t.backup, "vendor"), vendor); err != nil {
			return err
		}
		crashPoint("wrapper-commit-vendor")
	}
	if t.vendorMoved && !exists(vendor) {
		return fmt.Errorf("vendor/ was there before the run and is missing after it (the backup is kept in %s)", t.backup)
	}
	return t.discard()
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
