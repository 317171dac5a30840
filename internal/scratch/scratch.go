// Package scratch puts a test binary's temporary files in memory when the machine has room:
// every t.TempDir, os.MkdirTemp, script work directory and git repository the tests build, and
// what the programs they start write there.
//
// The tests create and delete hundreds of thousands of small files (each git repository, each
// object, each lock file). On a virtual machine's root file system that is a large part of the
// suite's time: creating an inode on ext4 without a journal checks it against the recently
// deleted ones, and unlinking discards the blocks; on the 2-core machines this project is
// measured on, the suite took 308 s with its temporary files on disk, 281 s on tmpfs.
// Nothing the tests check depends on the file system.
//
// The temporary directory is chosen once per test binary, in TestMain (Use):
//
//	RELEASEKIT_TEST_TMPDIR=DIR   use DIR ("" keeps the default)
//	TMPDIR set                   the user chose: keep it (and every process the tests start
//	                             inherits it, so a test binary run by a test keeps its parent's)
//	otherwise                    a fresh directory on /dev/shm when it is a tmpfs with MinFree
//	                             free, removed when the tests end; the default temporary
//	                             directory when not
package scratch

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/proc"
)

// Env names the directory the tests' temporary files go to, overriding the choice.
const Env = "RELEASEKIT_TEST_TMPDIR"

// MinFree is the free space /dev/shm must have for the tests to use it: many times what the
// whole suite holds there at once (64 MB at its peak, measured), and more than a container's
// default /dev/shm (64 MB), where the tests keep the default directory.
const MinFree = 1 << 30

// shm is the tmpfs that Linux systems mount for POSIX shared memory.
const shm = "/dev/shm"

// prefix names the directories Use makes, followed by the process id.
const prefix = "releasekit-test-"

// Use chooses the test binary's temporary directory (see the package comment) and sets TMPDIR
// to it. Call it first in TestMain; the returned function removes what Use made, if anything:
// call it after the tests ran.
func Use() (done func()) {
	done = func() {}
	if dir, ok := os.LookupEnv(Env); ok {
		if dir != "" {
			os.Setenv("TMPDIR", dir)
		}
		return done
	}
	if os.Getenv("TMPDIR") != "" {
		return done
	}
	if !tmpfsWithRoom(shm) {
		return done
	}
	removeOrphans()
	dir, err := os.MkdirTemp(shm, fmt.Sprintf("%s%d-", prefix, os.Getpid()))
	if err != nil {
		return done
	}
	os.Setenv("TMPDIR", dir)
	return func() { removeAll(dir) }
}

// removeOrphans removes the directories of test binaries that were killed before they could.
func removeOrphans() {
	entries, _ := os.ReadDir(shm)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if proc.Alive(pid) {
			continue
		}
		removeAll(filepath.Join(shm, e.Name()))
	}
}

// removeAll removes dir, read-only module cache copies included.
func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	os.RemoveAll(dir)
}
