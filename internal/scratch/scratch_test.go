package scratch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Use keeps a directory the user chose: RELEASEKIT_TEST_TMPDIR first, then TMPDIR.
func TestUseKeepsTheUsersChoice(t *testing.T) {
	chosen := t.TempDir()
	t.Setenv(Env, chosen)
	t.Setenv("TMPDIR", "/elsewhere")
	Use()()
	if got := os.Getenv("TMPDIR"); got != chosen {
		t.Errorf("%s=%s: TMPDIR=%s, want %s", Env, chosen, got, chosen)
	}

	os.Unsetenv(Env)
	t.Setenv("TMPDIR", chosen)
	Use()()
	if got := os.Getenv("TMPDIR"); got != chosen {
		t.Errorf("TMPDIR set: TMPDIR=%s, want it kept", got)
	}
	if _, err := os.Stat(chosen); err != nil {
		t.Errorf("the user's directory is gone: %v", err)
	}
}

// With no choice made, the tests' temporary files go to a directory of their own on /dev/shm
// when it is a tmpfs with room, removed when done; the default directory otherwise. A directory
// left by a test binary that was killed goes at the next start; a running one's stays.
func TestUseTakesTmpfsWhenItHasRoom(t *testing.T) {
	t.Setenv("TMPDIR", "")
	os.Unsetenv("TMPDIR")
	if v, ok := os.LookupEnv(Env); ok {
		t.Cleanup(func() { os.Setenv(Env, v) })
		os.Unsetenv(Env)
	}
	if !tmpfsWithRoom(shm) {
		Use()()
		if got := os.Getenv("TMPDIR"); got != "" {
			t.Errorf("no tmpfs with room: TMPDIR=%s, want the default", got)
		}
		return
	}
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(shm, fmt.Sprintf("%s%d-1", prefix, ended.Process.Pid))
	running := filepath.Join(shm, fmt.Sprintf("%s%d-1", prefix, os.Getppid()))
	for _, d := range []string{orphan, running} {
		if err := os.MkdirAll(filepath.Join(d, "ro"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(d, "ro"), 0o555); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { removeAll(running); removeAll(orphan) })

	done := Use()
	dir := os.Getenv("TMPDIR")
	if filepath.Dir(dir) != shm || !strings.HasPrefix(filepath.Base(dir), fmt.Sprintf("%s%d-", prefix, os.Getpid())) {
		t.Fatalf("TMPDIR=%s, want a directory of this process's on %s", dir, shm)
	}
	if got := os.TempDir(); got != dir {
		t.Errorf("os.TempDir() = %s, want %s", got, dir)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("a killed test binary's directory stays: %v", err)
	}
	if _, err := os.Stat(running); err != nil {
		t.Errorf("a running test binary's directory was removed: %v", err)
	}
	// What the tests leave, read-only directories included (a module cache), goes with it.
	if err := os.MkdirAll(filepath.Join(dir, "mod", "ro"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "mod"), 0o555)
	done()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("done left %s: %v", dir, err)
	}
}
