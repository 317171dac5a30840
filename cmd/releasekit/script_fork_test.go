package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["fixture"] = cmdFixture
	scriptCmds["advance-upstream"] = cmdAdvanceUpstream
	scriptCmds["jsonget"] = cmdJSONGet
	scriptCmds["exitcode"] = cmdExitCode
	scriptCmds["waitfile"] = cmdWaitFile
	scriptCmds["noprocess"] = cmdNoProcess
}

// noprocess TEXT checks (waiting up to a minute, as a loaded machine may need) that no process of
// this script (one whose environment has this script's $WORK) has TEXT in its command line.
// Other scripts, and other test runs on the machine, run the same commands.
func cmdNoProcess(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: noprocess TEXT")
	}
	mine := "\x00WORK=" + ts.Getenv("WORK") + "\x00"
	deadline := time.Now().Add(time.Minute)
	for {
		var found []string
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			b, err := os.ReadFile(filepath.Join(d, "cmdline"))
			if err != nil {
				continue
			}
			cmd := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
			if !strings.Contains(cmd, args[0]) {
				continue
			}
			env, err := os.ReadFile(filepath.Join(d, "environ"))
			if err != nil || !strings.Contains("\x00"+string(env), mine) {
				continue
			}
			found = append(found, filepath.Base(d)+": "+cmd)
		}
		if len(found) == 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("still running:\n%s", strings.Join(found, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exitcode N PROG ARGS... runs PROG and checks that it exits with status N (stdout and stderr
// are kept for the commands that follow, as exec does).
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Logf("[stderr]\n%s", ts.ReadFile("stderr"))
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// waitfile PATH waits until PATH exists, up to five minutes: on a loaded machine the run that
// writes it may take that long to start.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		_, err := os.Stat(ts.MkAbs(args[0]))
		if (err == nil) != neg {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waited five minutes for %s", args[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fixture installer [-no-upstream] [-extra=N] [-ported=FILE] DIR builds the installer fixture in
// DIR (DIR/installer is the engineer's clone, DIR/upstream.git and DIR/fork.git its remotes).
//
// -ported=FILE also ports it to 4.15 with the script's RELEASEKIT_VERIFY and RELEASEKIT_REGEN,
// as an engineer does and fork_cherrypick checks step by step: fork:branch 4.15, fork:cherryPick
// 4.15 stopping on the bootstrap conflict, FILE as its resolution, fork:continue. The port runs
// once per process for the same settings and FILE; the next scripts get a copy of its result.
func cmdFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! fixture")
	}
	if len(args) < 2 || args[0] != "installer" {
		ts.Fatalf("usage: fixture installer [-no-upstream] [-extra=N] [-ported=FILE] DIR")
	}
	var opts example.InstallerOptions
	var resolution string
	for _, a := range args[1 : len(args)-1] {
		switch {
		case a == "-no-upstream":
			opts.NoUpstreamRemote = true
		case strings.HasPrefix(a, "-extra="):
			fmt.Sscan(strings.TrimPrefix(a, "-extra="), &opts.ExtraCarries)
		case strings.HasPrefix(a, "-ported="):
			resolution = ts.ReadFile(strings.TrimPrefix(a, "-ported="))
		default:
			ts.Fatalf("fixture: unknown flag %s", a)
		}
	}
	ctx := context.Background()
	root := ts.MkAbs(args[len(args)-1])
	if resolution == "" {
		_, err := example.NewInstaller(ctx, root, opts)
		ts.Check(err)
		return
	}
	// Unset and empty differ (the default verify, no verify): both are in the key.
	var key []string
	for _, k := range []string{"RELEASEKIT_VERIFY", "RELEASEKIT_REGEN"} {
		set := ts.Exec("sh", "-c", `test "${`+k+`+set}" = set`) == nil
		key = append(key, fmt.Sprint(k, set, ts.Getenv(k)))
	}
	key = append(key, fmt.Sprintf("%+v", opts), resolution)
	ts.Check(example.Copied(ctx, fmt.Sprintf("ported %q", key), root, func() error {
		fx, err := example.NewInstaller(ctx, root, opts)
		if err != nil {
			return err
		}
		back := ts.MkAbs(".")
		defer ts.Chdir(back)
		ts.Check(ts.Chdir(fx.Work))
		ts.Check(ts.Exec("releasekit", "fork:branch", "4.15"))
		var ee *exec.ExitError
		if err := ts.Exec("releasekit", "fork:cherryPick", "4.15"); !errors.As(err, &ee) || ee.ExitCode() != 2 {
			ts.Fatalf("fork:cherryPick 4.15: %v, want the stop on %s (exit 2)\n%s", err, example.BootstrapConflict, ts.ReadFile("stderr"))
		}
		ts.Check(os.WriteFile(filepath.Join(fx.Work, example.BootstrapConflict), []byte(resolution), 0o644))
		ts.Check(ts.Exec("git", "add", example.BootstrapConflict))
		if err := ts.Exec("releasekit", "fork:continue"); err != nil {
			ts.Fatalf("fork:continue: %v\n%s", err, ts.ReadFile("stderr"))
		}
		return nil
	}))
}

// advance-upstream DIR moves the upstream of the installer fixture in DIR on (see
// example.Installer.AdvanceUpstream).
func cmdAdvanceUpstream(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: advance-upstream DIR")
	}
	root := ts.MkAbs(args[0])
	fx := &example.Installer{Root: root, Upstream: filepath.Join(root, "upstream.git")}
	ts.Check(fx.AdvanceUpstream(context.Background()))
}

// jsonget FILE PATH WANT checks that FILE is JSON and that the value at PATH (dot-separated
// keys and array indexes, "len" for an array's length) prints as WANT.
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonget FILE PATH WANT")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s is not JSON: %v", args[0], err)
	}
	for _, k := range strings.Split(args[1], ".") {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[k]
		case []any:
			if k == "len" {
				v = float64(len(cur))
				continue
			}
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i < 0 || i >= len(cur) {
				ts.Fatalf("jsonget: no element %s in %s", k, args[1])
			}
			v = cur[i]
		default:
			ts.Fatalf("jsonget: %s: cannot index %T with %q", args[1], v, k)
		}
	}
	got := fmt.Sprint(v)
	if (got == args[2]) == neg {
		ts.Fatalf("jsonget %s: got %q, want %s%q", args[1], got, map[bool]string{true: "not ", false: ""}[neg], args[2])
	}
}
