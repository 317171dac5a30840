package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
)

// verifyNotes is what refs/notes/releasekit-verify says, as sorted "tree result" lines: which
// trees were verified and how, whatever the host, time and command.
func (r *crashRig) verifyNotes() []string {
	var lines []string
	list := r.git("notes", "--ref=releasekit-verify", "list")
	// Every note's records in one git show of the note blobs (what git notes show prints for
	// each tree), read as one stream of JSON records.
	show := []string{"show"}
	for _, row := range strings.Split(list, "\n") {
		if f := strings.Fields(row); len(f) == 2 {
			show = append(show, f[0])
		}
	}
	if len(show) == 1 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(r.git(show...)))
	for {
		var v struct{ Tree, Result string }
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(r.t, err)
		lines = append(lines, v.Tree+" "+v.Result)
	}
	slices.Sort(lines)
	return lines
}

// TestCrashResumeParallel extends TestCrashResume to -jobs=3: the process is killed inside a
// verify running in a worktree, right after a verify starts, right after one is recorded, and
// with the picks done and verifies left; fork:continue ends with the same tree, subjects and
// branch as an uninterrupted parallel run, the same verify notes, and no worktree left.
func TestCrashResumeParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the crash matrix (a port killed at each named point, then resumed)")
	}
	releasekitBin(t)
	parallel := []string{"RELEASEKIT_VERIFY_JOBS=3"}
	var refNotes []string
	ref := func() portResult {
		r := newCrashRig(t)
		r.env = append(r.env, parallel...)
		res := r.finish(r.run(nil, "releasekit", "fork:cherryPick", "4.15"))
		refNotes = r.verifyNotes()
		return res
	}()
	require.Contains(t, ref.subjects, example.CarryAssets)
	require.NotEmpty(t, refNotes)

	killParent := func(mark string) string {
		return `[ -e '` + mark + `' ] || { : > '` + mark + `'; kill -9 $PPID; exit 1; }; `
	}
	points := []struct {
		name string
		// env is the environment of the killed run only; verify, when set, is the verify
		// command of the whole port, the killed run and every fork:continue after it.
		env    func(dir string) []string
		verify func(dir string) string
	}{
		{name: "inside a verify in its worktree", verify: func(dir string) string {
			// In a patch's verify: the branch's own verify before the port has no patch yet.
			return "[ -e pkg/asset/ignition/machine/dnsmasq.go ] || exit 0; " + killParent(filepath.Join(dir, "verify")) + "true"
		}},
		{name: "right after a verify started", env: crashAt("after-parallel-launch")},
		{name: "right after a verify was recorded", env: crashAt("after-parallel-verify")},
		{name: "with every pick made, verifies left", env: crashAt("before-parallel-finish")},
		{name: "right after the work tree moved to patches picked in memory, their verifies not queued", env: crashAt("after-move")},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel() // each point has a rig of its own
			r := newCrashRig(t)
			r.t = t
			r.env = append(r.env, parallel...)
			dir := t.TempDir()
			if p.verify != nil {
				// The engineer resumes with the same RELEASEKIT_VERIFY as the killed run:
				// fork:continue takes the setting as the command from here on, and another one
				// (the rig's "true") would verify the upstream baseline again under it.
				r.env = append(r.env, "RELEASEKIT_VERIFY="+p.verify(dir))
			}
			var env []string
			if p.env != nil {
				env = p.env(dir)
			}
			r.crash(env)
			out, err := r.run(nil, "releasekit", "fork:continue")
			if err != nil && strings.Contains(out, "there are changes but no cherry-pick in progress") {
				// The kill from inside a verify can land while git cherry-pick writes the next
				// patch's conflict on the main tree, and git dies with it: do what the hint says.
				r.git("checkout", "--", ".")
				out, err = r.run(nil, "releasekit", "fork:continue")
			}
			if err != nil && strings.Contains(out, "unresolved conflicts in "+example.BootstrapConflict) {
				// Killed while the conflicted pick of the next patch waited for the verifies
				// before it: the conflict is still there to resolve, as the engineer would.
				require.NoError(t, os.WriteFile(filepath.Join(r.work, example.BootstrapConflict), []byte(example.ResolvedBootstrap()), 0o644))
				r.git("add", example.BootstrapConflict)
				out, err = r.run(nil, "releasekit", "fork:continue")
			}
			got := r.finish(out, err)
			assert.Equal(t, ref, got)
			assert.Equal(t, refNotes, r.verifyNotes())
			assert.NoFileExists(t, filepath.Join(r.work, ".git", "releasekit", "sequence", "state.json"))
			assert.Empty(t, r.git("status", "--porcelain", "--untracked-files=no"))
			assert.Equal(t, 1, strings.Count(r.git("worktree", "list", "--porcelain"), "worktree "), "a verify worktree was left behind")
		})
	}
}
