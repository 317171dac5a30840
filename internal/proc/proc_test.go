package proc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A cancelled command takes its children with it: the shell's background sleep is in the group.
func TestCancelKillsTheGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := Command(ctx, "", nil, "sh", "-c", "sleep 300 & echo $! > "+pidFile+"; wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	// Bounds for a loaded machine: each poll ends as soon as its event happens.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(pidFile); err == nil && strings.TrimSpace(string(b)) != "" {
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			break
		}
	}
	if child == 0 {
		t.Fatal("the child never started")
	}
	cancel()
	if err := cmd.Wait(); err == nil {
		t.Fatal("a cancelled command reported success")
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(child, 0); err != nil {
			return // gone
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d outlived the cancelled command", child)
		}
	}
}

// Alive is true for a running process and false once it has exited and been waited for.
func TestAlive(t *testing.T) {
	if !Alive(os.Getpid()) {
		t.Fatal("this process is not alive")
	}
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	if Alive(ended.Process.Pid) {
		t.Errorf("pid %d alive after it exited", ended.Process.Pid)
	}
}
