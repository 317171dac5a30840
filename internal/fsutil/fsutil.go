// Package fsutil is the one way the toolkit writes a file: through a temporary file in the same
// directory, an fsync and a rename, so that a reader or a killed run sees the old content or the
// new one, never half; and, for files the user owns (go.mod, the RP sources), only when the file
// is still what was read, as cmd/go's lockedfile.Transform does.
package fsutil

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrChanged is returned when a file changed between the read and the write.
var ErrChanged = errors.New("changed since it was read")

// Options adjust a write.
type Options struct {
	// NoSync skips the fsync: for state rewritten after every step (as git's own sequencer
	// files), where a killed process matters and a power cut does not.
	NoSync bool
}

// WriteFile writes data to path atomically. A symbolic link is written through: its target gets
// the new content and the link stays. An existing file keeps its permissions; a new one gets perm.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, Options{})
}

// WriteFileWith is WriteFile with options.
func WriteFileWith(path string, data []byte, perm fs.FileMode, o Options) error {
	return write(path, data, perm, o)
}

// Replace writes data to path only while the file still holds old: the write of an edit that was
// computed from old. Anything else is an error wrapping ErrChanged, and the file is left alone.
func Replace(path string, old, data []byte) error {
	cur, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, old) {
		return fmt.Errorf("%s: %w: not overwriting it", path, ErrChanged)
	}
	if bytes.Equal(old, data) {
		return nil
	}
	return write(path, data, 0o644, Options{}, old)
}

// Transform reads path, calls fn with its content and writes what fn returns, unless the file
// changed meanwhile (ErrChanged) or fn returned the content unchanged (no write at all).
func Transform(path string, fn func(old []byte) ([]byte, error)) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data, err := fn(old)
	if err != nil {
		return err
	}
	return Replace(path, old, data)
}

func write(path string, data []byte, perm fs.FileMode, o Options, expect ...[]byte) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(target); err == nil {
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if !o.NoSync {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	// Check once more just before the rename: the window left is the rename itself.
	if len(expect) == 1 {
		cur, err := os.ReadFile(target)
		if err != nil || !bytes.Equal(cur, expect[0]) {
			os.Remove(tmp)
			if err != nil {
				return err
			}
			return fmt.Errorf("%s: %w: not overwriting it", path, ErrChanged)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return err
	}
	if !o.NoSync {
		if d, err := os.Open(filepath.Dir(target)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// resolve follows symbolic links, so that the rename replaces the file a link points to and
// not the link.
func resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	t, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s is a symbolic link to a file that does not exist", path)
	}
	return t, err
}
