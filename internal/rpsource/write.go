package rpsource

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrChangedMeanwhile is returned by WriteFile when the file no longer holds what was read.
var ErrChangedMeanwhile = errors.New("file changed while it was being edited; not overwriting")

// WriteFile replaces path's contents old with new, keeping its mode. It refuses when the file no
// longer holds old, and writes a temporary file that it renames over path, so that a crash
// leaves either the old file or the new one.
func WriteFile(path string, old, new []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, old) {
		return fmt.Errorf("%s: %w", path, ErrChangedMeanwhile)
	}
	if bytes.Equal(old, new) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".releasekit-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(new); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
