package git

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// holder is another process that takes the repository lock as releasekit does (a flock on the
// lock file, its pid in it) and keeps it until killed.
func holder(t *testing.T, lockFile string) *exec.Cmd {
	t.Helper()
	if _, err := exec.LookPath("flock"); err != nil {
		t.Fatalf("the flock command is needed for this test: %v", err)
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(lockFile), 0o755))
	ready := lockFile + ".ready"
	cmd := exec.Command("flock", "-n", lockFile, "sh", "-c", `printf '%d 1700000000\n' $$ > "$0"; touch "$1"; exec sleep 97`, lockFile, ready)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			return cmd
		}
		require.True(t, time.Now().Before(deadline), "the holder never took the lock")
	}
}

func lockedRepo(t *testing.T) (*Repo, string) {
	testEnv(t)
	dir := oneCommit(t)
	r, err := OpenWorkTree(context.Background(), dir)
	require.NoError(t, err)
	return r, filepath.Join(dir, ".git", "releasekit", "sequence", "lock")
}

func filePID(t *testing.T, p string) int {
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.Fields(string(b))[0])
	require.NoError(t, err)
	return pid
}

// A live holder is refused with the message that names it; once it is killed (kill -9: no
// chance to clean up), the next run takes the lock and says whose it was.
func TestLockLiveHolderThenKilled(t *testing.T) {
	r, p := lockedRepo(t)
	ctx := context.Background()
	h := holder(t, p)
	pid := filePID(t, p)
	_, _, err := r.Lock(ctx)
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, pid, le.PID)
	assert.Contains(t, err.Error(), fmt.Sprintf("another releasekit run (process %d, since ", pid))
	assert.Equal(t, pid, r.LockHolder(ctx))

	require.NoError(t, syscall.Kill(-h.Process.Pid, syscall.SIGKILL))
	h.Wait()
	// The kernel lets the flock go when the last process of the killed group that holds it
	// (the holder's sleep, not only flock that Wait saw end) has exited: wait for that event.
	for deadline := time.Now().Add(time.Minute); r.LockHolder(ctx) != 0; time.Sleep(10 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the killed holder's lock was never let go")
	}
	unlock, stale, err := r.Lock(ctx)
	require.NoError(t, err)
	require.NotNil(t, stale)
	assert.Equal(t, pid, stale.PID)
	assert.Equal(t, os.Getpid(), r.LockHolder(ctx))
	unlock()
	assert.Zero(t, r.LockHolder(ctx))

	// Let go cleanly: the next run finds nothing stale.
	unlock, stale, err = r.Lock(ctx)
	require.NoError(t, err)
	assert.Nil(t, stale)
	unlock()
}

// The pid a killed run left in the lock file may belong to a live process by the next run (pid
// reuse, or a pid file of an earlier version): that never blocks, only a held lock does.
func TestLockOfAKilledHolderNeverBlocks(t *testing.T) {
	r, p := lockedRepo(t)
	other := exec.Command("sleep", "300")
	require.NoError(t, other.Start())
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf("%d %d\n", other.Process.Pid, time.Now().Unix())), 0o644))
	unlock, stale, err := r.Lock(context.Background())
	require.NoError(t, err)
	require.NotNil(t, stale)
	assert.Equal(t, other.Process.Pid, stale.PID)
	unlock()
}

// Two takers in one process: the second is refused as long as the first holds it.
func TestLockTwiceInOneProcess(t *testing.T) {
	r, _ := lockedRepo(t)
	unlock, _, err := r.Lock(context.Background())
	require.NoError(t, err)
	_, _, err = r.Lock(context.Background())
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, os.Getpid(), le.PID)
	unlock()
	unlock, _, err = r.Lock(context.Background())
	require.NoError(t, err)
	unlock()
}
