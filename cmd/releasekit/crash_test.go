package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
)

// portResult is what a finished port leaves: the tree, the commit subjects, the branch.
type portResult struct {
	tree, subjects, branch string
}

type crashRig struct {
	t    *testing.T
	work string
	env  []string
}

// newCrashRig is the installer fixture after fork:branch 4.15: branched once per process, copied
// for every rig after.
func newCrashRig(t *testing.T) *crashRig {
	ctx := context.Background()
	root := t.TempDir()
	r := &crashRig{t: t, work: filepath.Join(root, "installer")}
	for k, v := range scriptGitEnv {
		r.env = append(r.env, k+"="+v)
	}
	r.env = append(r.env, "RELEASEKIT_VERIFY=true", "GOFLAGS=-modcacherw -buildvcs=false -trimpath", "GOPROXY=off", "GOTOOLCHAIN=local")
	// The fixture's generator built once: the matrix is about the sequence's state, and each of
	// its ports regenerates (the point inside the regenerate command runs go run itself).
	regen, err := example.BuiltRegen()
	require.NoError(t, err)
	r.env = append(r.env, "RELEASEKIT_REGEN="+regen)
	err = example.Copied(ctx, "crash rig: installer after fork:branch 4.15", root, func() error {
		fx, err := example.NewInstaller(ctx, root, example.InstallerOptions{})
		if err != nil {
			return err
		}
		r.work = fx.Work
		out, err := r.run(nil, "releasekit", "fork:branch", "4.15")
		if err != nil {
			return fmt.Errorf("fork:branch 4.15: %v\n%s", err, out)
		}
		return nil
	})
	require.NoError(t, err)
	return r
}

// run runs a command in the work tree and returns its combined output.
func (r *crashRig) run(extra []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = r.work
	cmd.Env = append(append(os.Environ(), r.env...), extra...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r *crashRig) git(args ...string) string {
	out, err := r.run(nil, "git", args...)
	require.NoError(r.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(out)
}

// crash runs the port with env until its crash point kills it. For points after the conflict a
// stop comes first: it is resolved the way the engineer does, and the crash point reached from
// fork:continue.
func (r *crashRig) crash(env []string) {
	t := r.t
	t.Helper()
	out, err := r.run(env, "releasekit", "fork:cherryPick", "4.15")
	if killed(err) {
		return
	}
	require.Error(t, err, out)
	require.Contains(t, out, "could not apply", "not killed and not stopped: %v\n%s", err, out)
	require.NoError(t, os.WriteFile(filepath.Join(r.work, example.BootstrapConflict), []byte(example.ResolvedBootstrap()), 0o644))
	r.git("add", example.BootstrapConflict)
	out, err = r.run(env, "releasekit", "fork:continue")
	require.True(t, killed(err), "the crash point was never reached: %v\n%s", err, out)
}

// finish drives the sequence to its end with fork:continue, resolving the bootstrap conflict
// the way the engineer does whenever the port stops on it.
func (r *crashRig) finish(out string, err error) portResult {
	for range 6 {
		if err == nil {
			return portResult{
				tree:     r.git("rev-parse", "HEAD^{tree}"),
				subjects: r.git("log", "--format=%s", "upstream/release-4.15..HEAD"),
				branch:   r.git("symbolic-ref", "--short", "HEAD"),
			}
		}
		var ee *exec.ExitError
		require.True(r.t, errors.As(err, &ee), "%v: %s", err, out)
		if ee.ExitCode() == 2 && strings.Contains(out, "could not apply") {
			require.NoError(r.t, os.WriteFile(filepath.Join(r.work, example.BootstrapConflict), []byte(example.ResolvedBootstrap()), 0o644))
			r.git("add", example.BootstrapConflict)
		} else if ee.ExitCode() > 0 {
			r.t.Fatalf("fork:continue failed (exit %d):\n%s", ee.ExitCode(), out)
		}
		out, err = r.run(nil, "releasekit", "fork:continue")
	}
	r.t.Fatalf("the port did not finish:\n%s", out)
	return portResult{}
}

func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// TestCrashResume kills fork:cherryPick at many points — inside git, between git and the
// state write, around the move of the work tree to patches picked in memory, inside the engineer's verify and regenerate commands, around the amend and
// while moving the branch — and checks that fork:continue ends in the same branch as a run
// that was never interrupted.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the crash matrix (a port killed at each named point, then resumed)")
	}
	releasekitBin(t)
	ref := func() portResult {
		r := newCrashRig(t)
		return r.finish(r.run(nil, "releasekit", "fork:cherryPick", "4.15"))
	}()
	require.Contains(t, ref.subjects, example.CarryAssets)

	killParent := func(mark string) string {
		return `[ -e '` + mark + `' ] || { : > '` + mark + `'; kill -9 $PPID; exit 1; }; `
	}
	points := []struct {
		name string
		// env for the first run; setup prepares the work tree.
		env   func(dir string) []string
		setup func(r *crashRig)
	}{
		{name: "before the first pick", env: crashAt("before-pick")},
		{name: "inside git cherry-pick", setup: func(r *crashRig) {
			// git runs post-commit while cherry-pick is still running: the hook kills releasekit,
			// its grandparent, once.
			mark := filepath.Join(r.t.TempDir(), "hooked")
			hook := "#!/bin/sh\n[ -e '" + mark + "' ] && exit 0\n: > '" + mark + "'\nread -r _ _ _ gp _ < /proc/$PPID/stat\nkill -9 \"$gp\"\n"
			require.NoError(r.t, os.WriteFile(filepath.Join(r.work, ".git", "hooks", "post-commit"), []byte(hook), 0o755))
		}},
		{name: "after git committed, before the state was written", env: crashAt("after-pick")},
		// Without a verify in the work tree, clean patches are picked in memory, the patches up
		// to the assets commit in one run.
		{name: "with a patch picked in memory, before the work tree moved", env: inMemory("before-move")},
		{name: "right after the work tree moved to a patch picked in memory", env: inMemory("after-move")},
		{name: "right after the work tree moved to two patches picked in memory", env: inMemory("after-move-2")},
		{name: "inside the regenerate command", env: func(dir string) []string {
			return []string{"RELEASEKIT_REGEN=" + killParent(filepath.Join(dir, "regen")) + "cd hack/assets && go run ./assets.go"}
		}},
		{name: "after regenerate", env: crashAt("after-regenerate")},
		{name: "inside the verify command", env: func(dir string) []string {
			// In a patch's verify: the branch's own verify before the port has no patch yet.
			return []string{"RELEASEKIT_VERIFY=[ -e pkg/asset/ignition/machine/dnsmasq.go ] || exit 0; " + killParent(filepath.Join(dir, "verify")) + "true"}
		}},
		{name: "after verify", env: crashAt("after-verify")},
		{name: "after the amend", env: crashAt("after-amend")},
		{name: "before moving the branch", env: crashAt("before-finish")},
		{name: "after moving the branch", env: crashAt("after-update-ref")},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel() // each point has a rig of its own
			r := newCrashRig(t)
			r.t = t
			var env []string
			if p.env != nil {
				env = p.env(t.TempDir())
			}
			if p.setup != nil {
				p.setup(r)
			}
			r.crash(env)
			out, err := r.run(nil, "releasekit", "fork:continue")
			got := r.finish(out, err)
			assert.Equal(t, ref, got)
			assert.NoFileExists(t, filepath.Join(r.work, ".git", "releasekit", "sequence", "state.json"))
			assert.NoFileExists(t, filepath.Join(r.work, ".git", "CHERRY_PICK_HEAD"))
			assert.Empty(t, r.git("status", "--porcelain", "--untracked-files=no"))
		})
	}
}

func crashAt(point string) func(string) []string {
	return func(string) []string { return []string{"RELEASEKIT_TEST_CRASH=" + point} }
}

// inMemory is crashAt for a run without a verify command, whose clean patches are picked in
// memory.
func inMemory(point string) func(string) []string {
	return func(string) []string { return []string{"RELEASEKIT_VERIFY=", "RELEASEKIT_TEST_CRASH=" + point} }
}
