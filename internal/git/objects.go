package git

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// How go-git reads a repository whose objects are borrowed.
//
// go-git v5 follows objects/info/alternates only in part: it reads the file again on every
// object it misses and builds a new object store for each alternate each time (reloading its
// pack index), resolves a relative entry from the root of the git dir instead of the objects
// directory, fails an absolute entry when the git dir is a worktree's or a .git file's (the
// error is dropped and the object reported "not found"), requires the directory to be named
// "objects", does not follow a second level, and ignores GIT_ALTERNATE_OBJECT_DIRECTORIES. So
// the toolkit resolves the alternates itself, as git does (object-file.c, link_alt_odb_entries),
// opens each one's object store once, and hides the alternates file from go-git.

// maxAlternateDepth is git's: alternates of alternates are followed five levels down.
const maxAlternateDepth = 5

// gitDirs finds the git dir of the work tree at top (following a .git file) and the common dir
// (a linked worktree's main repository; the git dir itself otherwise).
func gitDirs(top string) (gitDir, commonDir string, err error) {
	gitDir = filepath.Join(top, ".git")
	fi, err := os.Stat(gitDir)
	if err != nil {
		return "", "", err
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(gitDir)
		if err != nil {
			return "", "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		p, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
		if !ok {
			return "", "", fmt.Errorf("%s: not a gitdir file", gitDir)
		}
		gitDir = absFrom(top, strings.TrimSpace(p))
	}
	commonDir = gitDir
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		commonDir = absFrom(gitDir, strings.TrimSpace(string(b)))
	} else if !os.IsNotExist(err) {
		return "", "", err
	}
	return gitDir, commonDir, nil
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// alternateObjectDirs lists the object directories that objects (a repository's objects
// directory) borrows from, in git's order: GIT_ALTERNATE_OBJECT_DIRECTORIES (env, its relative
// entries taken from cwd), then objects/info/alternates, each followed by its own alternates.
// Entries git skips (comments, blank lines, directories that do not exist, repeats) are
// skipped; an entry git could not read either is an error.
func alternateObjectDirs(objects, env, cwd string) ([]string, error) {
	seen := map[string]bool{canonical(objects): true}
	var dirs []string
	var readFile func(dir string, depth int) error
	link := func(entry, base string, depth int) error {
		if strings.HasPrefix(entry, `"`) {
			u, err := strconv.Unquote(entry)
			if err != nil {
				return fmt.Errorf("alternate %s: cannot unquote it", entry)
			}
			entry = u
		}
		p := entry
		if !filepath.IsAbs(p) {
			// git takes a relative entry from the real path of the directory it was read in.
			p = filepath.Join(canonical(base), p)
		}
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return nil // git warns that it does not exist and goes on without it
		}
		if c := canonical(p); seen[c] {
			return nil
		} else {
			seen[c] = true
		}
		dirs = append(dirs, p)
		return readFile(p, depth+1)
	}
	readFile = func(dir string, depth int) error {
		f, err := os.Open(filepath.Join(dir, "info", "alternates"))
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		if depth > maxAlternateDepth {
			return nil // git: "ignoring alternate object stores, nesting too deep"
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := link(line, dir, depth); err != nil {
				return err
			}
		}
		return sc.Err()
	}
	if env != "" {
		for _, e := range filepath.SplitList(env) {
			if e == "" {
				continue
			}
			if err := link(e, cwd, 0); err != nil {
				return nil, err
			}
		}
	}
	if err := readFile(objects, 0); err != nil {
		return nil, err
	}
	return dirs, nil
}

func canonical(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// openGoGit opens the repository of the work tree at top in go-git with its pack files kept
// open between reads and its alternates followed. reason is not "" when go-git cannot be
// trusted to read this repository: the caller reads through the CLI instead.
//
// By default go-git opens, reads and closes the pack file for every object it reads, which made
// listing twenty carry patches spend most of its time in open(2) and lstat(2).
func openGoGit(top string) (gg *gogit.Repository, reason string, err error) {
	if os.Getenv("GIT_OBJECT_DIRECTORY") != "" {
		return nil, "GIT_OBJECT_DIRECTORY is set", nil
	}
	gitDir, commonDir, err := gitDirs(top)
	if err != nil {
		return nil, "", err
	}
	objects := filepath.Join(commonDir, "objects")
	alts, err := alternateObjectDirs(objects, os.Getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES"), top)
	if err != nil {
		return nil, err.Error(), nil
	}
	var common billy.Filesystem
	if commonDir != gitDir {
		common = osfs.New(commonDir)
	}
	repoFS := hideAlternates{dotgit.NewRepositoryFilesystem(osfs.New(gitDir), common)}
	objCache := cache.NewObjectLRUDefault()
	opts := filesystem.Options{MaxOpenDescriptors: maxOpenPacks}
	s := &borrowingStorage{Storage: filesystem.NewStorageWithOptions(repoFS, objCache, opts)}
	for _, a := range alts {
		s.alternates = append(s.alternates, filesystem.NewObjectStorageWithOptions(dotgit.New(alternateFS(a)), objCache, opts))
	}
	gg, err = gogit.Open(s, osfs.New(top))
	if err != nil {
		s.Close()
		return nil, "", err
	}
	return gg, "", nil
}

// borrowingStorage is a repository's storage whose object reads go on to the object stores it
// borrows from when its own does not have the object, as git's do.
type borrowingStorage struct {
	*filesystem.Storage
	alternates []*filesystem.ObjectStorage
}

func (s *borrowingStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	o, err := s.Storage.EncodedObject(t, h)
	for _, a := range s.alternates {
		if !errors.Is(err, plumbing.ErrObjectNotFound) {
			break
		}
		o, err = a.EncodedObject(t, h)
	}
	return o, err
}

func (s *borrowingStorage) DeltaObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	o, err := s.Storage.DeltaObject(t, h)
	for _, a := range s.alternates {
		if !errors.Is(err, plumbing.ErrObjectNotFound) {
			break
		}
		o, err = a.DeltaObject(t, h)
	}
	return o, err
}

// HashesWithPrefix is what go-git resolves an abbreviated hash with.
func (s *borrowingStorage) HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error) {
	hs, err := s.Storage.HashesWithPrefix(prefix)
	if err != nil {
		return nil, err
	}
	seen := map[plumbing.Hash]bool{}
	for _, h := range hs {
		seen[h] = true
	}
	for _, a := range s.alternates {
		more, err := a.HashesWithPrefix(prefix)
		if err != nil {
			return nil, err
		}
		for _, h := range more {
			if !seen[h] {
				seen[h] = true
				hs = append(hs, h)
			}
		}
	}
	return hs, nil
}

func (s *borrowingStorage) HasEncodedObject(h plumbing.Hash) error {
	err := s.Storage.HasEncodedObject(h)
	for _, a := range s.alternates {
		if !errors.Is(err, plumbing.ErrObjectNotFound) {
			break
		}
		err = a.HasEncodedObject(h)
	}
	return err
}

func (s *borrowingStorage) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	n, err := s.Storage.EncodedObjectSize(h)
	for _, a := range s.alternates {
		if !errors.Is(err, plumbing.ErrObjectNotFound) {
			break
		}
		n, err = a.EncodedObjectSize(h)
	}
	return n, err
}

// Close closes the pack files of the repository and of the stores it borrows from.
func (s *borrowingStorage) Close() error {
	err := s.Storage.Close()
	for _, a := range s.alternates {
		err = errors.Join(err, a.Close())
	}
	return err
}

// alternatesPath is where a git dir lists the object stores it borrows from.
var alternatesPath = filepath.Join("objects", "info", "alternates")

// hideAlternates is a git dir without its alternates file, which borrowingStorage follows
// instead of go-git.
type hideAlternates struct{ billy.Filesystem }

func (fs hideAlternates) Open(name string) (billy.File, error) {
	if filepath.Clean(name) == alternatesPath {
		return nil, os.ErrNotExist
	}
	return fs.Filesystem.Open(name)
}

// alternateFS is a git dir whose objects directory is the alternate dir, and nothing else.
func alternateFS(dir string) billy.Filesystem {
	if filepath.Base(dir) == "objects" {
		// The usual case (--shared, --reference): its parent's other files are never read.
		return objectDirFS{osfs.New(filepath.Dir(dir)), false}
	}
	return objectDirFS{osfs.New(dir), true}
}

// objectDirFS shows an object directory of any name (an alternate) as the "objects" directory
// of an otherwise empty git dir, which is what go-git's object store reads.
// When strip is false the filesystem is rooted at the directory's parent and only hides what is
// not under objects/.
type objectDirFS struct {
	billy.Filesystem
	strip bool
}

// path maps a git-dir path to the object directory; ok is false for anything outside it, and
// for its alternates file (followed by borrowingStorage).
func (fs objectDirFS) path(name string) (string, bool) {
	name = strings.TrimLeft(filepath.Clean(name), string(filepath.Separator))
	if name == alternatesPath {
		return "", false
	}
	if name == "objects" {
		if fs.strip {
			return "", true
		}
		return name, true
	}
	rest, ok := strings.CutPrefix(name, "objects"+string(filepath.Separator))
	if ok && !fs.strip {
		return name, true
	}
	return rest, ok
}

// namedFile keeps the name a file was opened by: go-git opens a pack file again by the name of
// the file it has, through the same filesystem.
type namedFile struct {
	billy.File
	name string
}

func (f namedFile) Name() string { return f.name }

func (fs objectDirFS) named(f billy.File, err error, name string) (billy.File, error) {
	if err != nil || !fs.strip {
		return f, err
	}
	return namedFile{f, name}, nil
}

func notExist(op, name string) error { return &os.PathError{Op: op, Path: name, Err: os.ErrNotExist} }

func (fs objectDirFS) Open(name string) (billy.File, error) {
	p, ok := fs.path(name)
	if !ok {
		return nil, notExist("open", name)
	}
	f, err := fs.Filesystem.Open(p)
	return fs.named(f, err, name)
}

func (fs objectDirFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	p, ok := fs.path(name)
	if !ok {
		return nil, notExist("open", name)
	}
	f, err := fs.Filesystem.OpenFile(p, flag, perm)
	return fs.named(f, err, name)
}

func (fs objectDirFS) Stat(name string) (os.FileInfo, error) {
	p, ok := fs.path(name)
	if !ok {
		return nil, notExist("stat", name)
	}
	return fs.Filesystem.Stat(p)
}

func (fs objectDirFS) Lstat(name string) (os.FileInfo, error) {
	p, ok := fs.path(name)
	if !ok {
		return nil, notExist("lstat", name)
	}
	return fs.Filesystem.Lstat(p)
}

func (fs objectDirFS) ReadDir(name string) ([]os.FileInfo, error) {
	p, ok := fs.path(name)
	if !ok {
		return nil, notExist("readdir", name)
	}
	return fs.Filesystem.ReadDir(p)
}

// The toolkit never writes through go-git: an alternate is read only.
var errReadOnly = errors.New("releasekit reads borrowed objects only")

func (fs objectDirFS) Create(string) (billy.File, error)           { return nil, errReadOnly }
func (fs objectDirFS) Rename(string, string) error                 { return errReadOnly }
func (fs objectDirFS) Remove(string) error                         { return errReadOnly }
func (fs objectDirFS) TempFile(string, string) (billy.File, error) { return nil, errReadOnly }
func (fs objectDirFS) MkdirAll(string, os.FileMode) error          { return errReadOnly }
func (fs objectDirFS) Symlink(string, string) error                { return errReadOnly }
func (fs objectDirFS) Chroot(string) (billy.Filesystem, error)     { return nil, errReadOnly }
func (fs objectDirFS) Readlink(name string) (string, error)        { return "", notExist("readlink", name) }
