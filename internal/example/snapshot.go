package example

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// snapshot is a built fixture's files, read back into memory, so that the next fixture built
// with the same options is a copy of it: building the installer runs git about forty times
// and the go command once, a copy writes a few hundred small files. The fixture's clock is
// pinned, so a copy holds the same commits, refs and configuration as a build would; the only
// difference, the directory it is in, is written into the files that name it (remote URLs in
// the configs, the reflogs, FETCH_HEAD).
type snapshot struct {
	root  string
	files []snapFile // in walk order: a directory before what is in it
}

type snapFile struct {
	rel  string
	mode fs.FileMode
	data []byte // a regular file's content, a symlink's target
}

// takeSnapshot reads the tree under root.
func takeSnapshot(root string) (*snapshot, error) {
	s := &snapshot{root: root}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := snapFile{rel: rel, mode: info.Mode()}
		switch {
		case d.IsDir():
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			f.data = []byte(target)
		case info.Mode().IsRegular():
			if f.data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("example: snapshot: %s is neither a file, a directory nor a symlink", p)
		}
		s.files = append(s.files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// restore writes the snapshot's tree under root, which must be empty or absent: a file that
// is there already is an error, not overwritten. Every mention of the snapshot's root in a
// file outside the git object stores is rewritten to root, and the work trees' indexes are
// refreshed.
func (s *snapshot) restore(ctx context.Context, root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	oldPrefix := []byte(s.root + string(filepath.Separator))
	newPrefix := []byte(root + string(filepath.Separator))
	var dirs []snapFile // made writable first, given their own modes last (a module cache has read-only ones)
	for _, f := range s.files {
		p := filepath.Join(root, f.rel)
		switch {
		case f.mode.IsDir():
			if err := os.Mkdir(p, 0o700); err != nil {
				return fmt.Errorf("example: %w", err)
			}
			dirs = append(dirs, f)
		case f.mode&fs.ModeSymlink != 0:
			target := bytes.ReplaceAll(f.data, oldPrefix, newPrefix)
			if err := os.Symlink(string(target), p); err != nil {
				return fmt.Errorf("example: %w", err)
			}
		default:
			data := f.data
			if !inObjectStore(f.rel) && !isBinary(data) && bytes.Contains(data, oldPrefix) {
				data = bytes.ReplaceAll(data, oldPrefix, newPrefix)
			}
			if err := writeNew(p, data, f.mode.Perm()); err != nil {
				return fmt.Errorf("example: %w", err)
			}
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(filepath.Join(root, dirs[i].rel), dirs[i].mode.Perm()); err != nil {
			return fmt.Errorf("example: %w", err)
		}
	}
	// The copied index holds the original files' stats (inode, times): refresh it, or plumbing
	// that trusts it (git diff-files) sees every file of a clean work tree as changed. The
	// contents are the snapshot's, so the stat data is all there is to write; git does it for
	// an index refreshIndex does not rewrite.
	for _, f := range s.files {
		if filepath.Base(f.rel) != "index" || filepath.Base(filepath.Dir(f.rel)) != ".git" {
			continue
		}
		top := filepath.Join(root, filepath.Dir(filepath.Dir(f.rel)))
		err := refreshIndex(top, filepath.Join(root, f.rel))
		if errors.Is(err, errIndexFormat) {
			r := git.Runner{Dir: top, Env: noUserConfig}
			_, err = r.Run(ctx, "update-index", "-q", "--refresh")
		}
		if err != nil {
			return fmt.Errorf("example: %w", err)
		}
	}
	return nil
}

// packRepositories packs the objects of every repository under root, as a clone's are: the
// fixture's history was written one commit at a time, as loose objects, and every git that
// reads it in a test (a pick, a merge-tree, a worktree's checkout) would otherwise open and map
// each object's file of its own. It runs once per fixture and process, before the snapshot, so
// that every copy has the pack. Every object the build wrote is kept, reachable or not (a clone
// that borrows from the fixture finds what it found before); objects borrowed from alternates
// stay where they are; one thread makes the same pack of the same objects every time (a copy is
// what a build gives).
func packRepositories(ctx context.Context, root string) error {
	var gitDirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() != "objects" {
			return err
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
			gitDirs = append(gitDirs, dir)
		}
		return filepath.SkipDir
	})
	if err != nil {
		return err
	}
	r := git.Runner{Env: noUserConfig}
	for _, dir := range gitDirs {
		if _, err := r.Run(ctx, "--git-dir="+dir, "-c", "repack.writeBitmaps=false", "-c", "pack.threads=1", "repack", "-a", "-d", "-k", "-l", "-n", "-q"); err != nil {
			return fmt.Errorf("example: pack the objects of %s: %w", dir, err)
		}
	}
	return nil
}

// noUserConfig keeps the user's and the system's git configuration out of the gits that tend a
// fixture's files (the builders pin more: identity, clock).
var noUserConfig = []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull}

// inObjectStore tells whether rel is inside a git object store, whose files are content
// addressed and never name a directory.
func inObjectStore(rel string) bool {
	return strings.Contains(filepath.ToSlash(rel), "/objects/")
}

// isBinary tells a file that is not text (a built program, an index): a path in it cannot be
// rewritten to one of another length without breaking it, and git's own binary files name
// no directory.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0
}

func writeNew(p string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// Copied writes under root the tree that build writes there: the first time key is asked for in
// this process it is built, from then on it is a copy, as the installer fixture's are (see
// snapshot). The key must name everything that makes build write a different tree.
func Copied(ctx context.Context, key string, root string, build func() error) error {
	_, _, err := copied.get(ctx, key, root, func() (any, error) { return nil, build() })
	return err
}

// copied are the trees of Copied built so far in this process, by key.
var copied snapshots[string]

// snapshots remembers one snapshot per key (a fixture's options) for the life of the process,
// with what the fixture's builder returns besides its files (extra). Building is serialised
// per key, so fixtures asked for at the same time are built once.
type snapshots[K comparable] struct {
	mu      sync.Mutex
	entries map[K]*snapEntry
}

type snapEntry struct {
	mu    sync.Mutex
	snap  *snapshot
	extra any
}

// get writes the fixture for key under root: a copy of the snapshot when there is one (built
// false), else what build writes (built true), remembered when it succeeds. It returns the
// extra that build returned. A failed build is not remembered, nor is a fixture under a
// relative root (its files may name it relatively).
func (c *snapshots[K]) get(ctx context.Context, key K, root string, build func() (any, error)) (extra any, built bool, err error) {
	if !filepath.IsAbs(root) {
		extra, err := build()
		return extra, true, err
	}
	root = filepath.Clean(root)
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[K]*snapEntry{}
	}
	e := c.entries[key]
	if e == nil {
		e = &snapEntry{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	snap, extra := e.snap, e.extra
	if snap == nil {
		defer e.mu.Unlock()
		extra, err := build()
		if err != nil {
			return nil, true, err
		}
		if err := packRepositories(ctx, root); err != nil {
			return nil, true, err
		}
		// A fixture that cannot be read back is still a fixture: the next one is built again.
		if e.snap, _ = takeSnapshot(root); e.snap != nil {
			e.extra = extra
		}
		return extra, true, nil
	}
	e.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	return extra, false, snap.restore(ctx, root)
}
