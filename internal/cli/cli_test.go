package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestDetect(t *testing.T) {
	hash := "/root/.magefile/ae15d4f729d8b2a7c6d897b1dd0a934990a432cd715fcf1ded8196555fff9754"
	for _, c := range []struct {
		arg0   string
		parent []string
		want   string
	}{
		{"releasekit", []string{"bash"}, "releasekit"},
		{"./bin/releasekit", []string{"bash"}, "./bin/releasekit"},
		{hash, []string{"/usr/local/bin/mage", "fork:continue"}, "mage"},
		{hash, []string{"/root/.cache/go-build/cd/cd31-d/mage", "fork:continue"}, "go tool mage"},
		{hash, []string{"/root/.cache/go-build/cd/cd31-d/mage", "-v", "-w", "../my repo", "fork:status"}, "go tool mage -w '../my repo'"},
	} {
		if got := detect(c.arg0, c.parent); got != c.want {
			t.Errorf("detect(%q, %q) = %q, want %q", c.arg0, c.parent, got, c.want)
		}
	}
}

func TestDetectOnPath(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "releasekit")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got := detect(bin, nil); got != "releasekit" {
		t.Errorf("detect(%q) with its dir on $PATH = %q, want releasekit", bin, got)
	}
	t.Setenv("PATH", t.TempDir())
	if got := detect(bin, nil); got != bin {
		t.Errorf("detect(%q) off $PATH = %q, want the path", bin, got)
	}
}

func TestCmdQuotes(t *testing.T) {
	t.Setenv("RELEASEKIT_PROG", "releasekit")
	program = func() string { return "releasekit" }
	if got := Cmd("fork:cherryPick", "4.15", "-verify=make test"); got != "releasekit fork:cherryPick 4.15 '-verify=make test'" {
		t.Errorf("Cmd = %q", got)
	}
}

func TestErrors(t *testing.T) {
	if Fail(nil) != nil || Code(nil) != 0 {
		t.Fatal("nil must stay nil")
	}
	err := Stop(fs.ErrNotExist, "a")
	if Code(err) != ExitStopped || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stop: %v", err)
	}
	err = Fail(err, "b")
	if Code(err) != ExitStopped || err.Error() != fs.ErrNotExist.Error()+"\nhint: a\nhint: b" {
		t.Fatalf("Fail over Stop: %d %q", Code(err), err)
	}
	if Code(errors.New("x")) != ExitFailed {
		t.Fatal("a plain error is a failure")
	}
}
