package cli

import (
	"errors"
	"io/fs"
	"testing"
)

func TestCmdQuotes(t *testing.T) {
	t.Setenv("RELEASEKIT_PROG", "")
	SetProgram("releasekit")
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
