package gomod

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"

	"github.com/aro-releasekit/releasekit/internal/fsutil"
)

// ErrNoGoMod is a directory that is not the root of a Go module.
var ErrNoGoMod = errors.New("no go.mod")

// ErrGoModChanged is a go.mod that changed on disk while we edited it.
var ErrGoModChanged = errors.New("go.mod changed during editing; not overwriting")

// goModFile is a go.mod as read, to be edited and written back only if nobody else changed it.
type goModFile struct {
	path string
	data []byte
	f    *modfile.File
}

func readGoMod(dir string) (*goModFile, error) {
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoGoMod, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read go.mod: %w", err)
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot parse go.mod: %w", err)
	}
	if f.Module == nil {
		return nil, fmt.Errorf("%s has no module line", path)
	}
	return &goModFile{path: path, data: data, f: f}, nil
}

// format is the file as it would be written.
func (g *goModFile) format() ([]byte, error) {
	g.f.Cleanup()
	out, err := g.f.Format()
	if err != nil {
		return nil, fmt.Errorf("cannot format go.mod: %w", err)
	}
	return out, nil
}

// write saves the edits, unless they change nothing or the file changed since it was read.
func (g *goModFile) write() (bool, error) {
	out, err := g.format()
	if err != nil {
		return false, err
	}
	if bytes.Equal(out, g.data) {
		return false, nil
	}
	if err := fsutil.Replace(g.path, g.data, out); errors.Is(err, fsutil.ErrChanged) {
		return false, ErrGoModChanged
	} else if err != nil {
		return false, fmt.Errorf("cannot write go.mod: %w", err)
	}
	g.data = out
	return true, nil
}
