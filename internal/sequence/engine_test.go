package sequence_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/branch"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

func TestMain(m *testing.M) {
	// Pin git's identity and config and the program name the hints use.
	gittest.Setenv(map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
		"GIT_AUTHOR_NAME": "A U Thor", "GIT_AUTHOR_EMAIL": "author@example.com",
		"GIT_COMMITTER_NAME": "C O Mitter", "GIT_COMMITTER_EMAIL": "committer@example.com",
		"GIT_TERMINAL_PROMPT": "0", "RELEASEKIT_PROG": "releasekit",
	})
	os.Exit(gittest.Run(m))
}

var v415 = release.Minor{Major: 4, Minor: 15}

// rig is the installer example with release-4.15-azure made and checked out.
type rig struct {
	t    *testing.T
	ctx  context.Context
	work string
	orig string
	opts sequence.RunOptions
}

// inParallel holds the tests that newRig has made parallel.
var inParallel sync.Map

// newRig runs the test in parallel with the others: each rig is a repository of its own. A
// test that needs two rigs asks twice; t.Parallel is called once.
func newRig(t *testing.T) *rig {
	t.Helper()
	if _, asked := inParallel.LoadOrStore(t, true); !asked {
		t.Parallel()
	}
	ctx := context.Background()
	work := branched(t)
	r := &rig{t: t, ctx: ctx, work: work}
	r.orig = r.git("rev-parse", "HEAD")
	r.opts = sequence.RunOptions{Dir: work, Release: v415, Regen: "true"}
	return r
}

// branched is the installer example after fork:branch 4.15 (release-4.15-azure made, the Go
// bump committed, checked out) in a directory of the test's, and returns its work tree. The
// first one in the process is made so; the next ones are copies of it (example.Copied): the
// same commits and refs, without the few dozen git and go processes of fork:branch each time.
func branched(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	work := filepath.Join(root, "installer") // example.Installer.Work, asserted when it is built
	err := example.Copied(ctx, "sequence: installer after fork:branch 4.15", root, func() error {
		fx, err := example.NewInstaller(ctx, root, example.InstallerOptions{})
		if err != nil {
			return err
		}
		if fx.Work != work {
			return fmt.Errorf("the installer's work tree is %s, not %s", fx.Work, work)
		}
		_, err = branch.Run(ctx, branch.Options{Dir: fx.Work, Release: v415})
		return err
	})
	require.NoError(t, err)
	return work
}

func (r *rig) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.work
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func (r *rig) write(path, content string) {
	r.t.Helper()
	require.NoError(r.t, os.WriteFile(filepath.Join(r.work, path), []byte(content), 0o644))
}

func (r *rig) resolve() {
	r.write(example.BootstrapConflict, example.ResolvedBootstrap())
	r.git("add", example.BootstrapConflict)
}

// refs is everything a rejected control must leave alone: HEAD, the refs, the index and tree.
// One git process: status --branch in porcelain v2 says HEAD's commit and what it is checked
// out as, besides the index and the work tree (with the object ids of each changed path); the
// refs, loose and packed, are read in this process (go-git).
func (r *rig) refs() string {
	r.t.Helper()
	repo, err := gogit.PlainOpen(r.work)
	require.NoError(r.t, err)
	iter, err := repo.References()
	require.NoError(r.t, err)
	var refs []string
	require.NoError(r.t, iter.ForEach(func(ref *plumbing.Reference) error {
		refs = append(refs, ref.String())
		return nil
	}))
	slices.Sort(refs)
	return r.git("status", "--porcelain=v2", "--branch") + "\n" + strings.Join(refs, "\n")
}

func stop(t *testing.T, err error, reason sequence.StopReason) *sequence.StopError {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, cli.ExitStopped, cli.Code(err), "a stop exits 2: %v", err)
	se := sequence.Stopped(err)
	require.NotNil(t, se, "not a stop: %v", err)
	assert.Equal(t, reason, se.Reason)
	return se
}

func (r *rig) subjects() []string {
	return strings.Split(r.git("log", "--reverse", "--format=%s", "upstream/release-4.15..HEAD"), "\n")
}

func (r *rig) finished(res *sequence.Result, err error) {
	r.t.Helper()
	require.NoError(r.t, err)
	assert.Equal(r.t, sequence.Finished, res.Outcome)
	assert.Equal(r.t, "release-4.15-azure", r.git("symbolic-ref", "--short", "HEAD"))
	assert.NoFileExists(r.t, filepath.Join(r.work, ".git/releasekit/sequence/state.json"))
	assert.FileExists(r.t, res.Report)
	assert.Empty(r.t, r.git("status", "--porcelain", "--untracked-files=no"))
}

// Start, stop on the conflict, Continue after the resolution, finish.
func TestConflictThenContinue(t *testing.T) {
	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	se := stop(t, err, sequence.StopConflict)
	assert.Equal(t, []string{example.BootstrapConflict}, se.Paths)
	assert.Contains(t, err.Error(), `hint: resolve the conflicts, "git add" them, then run "releasekit fork:continue"`)
	assert.Equal(t, r.orig, r.git("rev-parse", "refs/heads/release-4.15-azure"), "the branch moves only at the end")

	r.resolve()
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
	assert.Contains(t, r.subjects(), example.CarryBootstrapIP)
	assert.Equal(t, sequence.Resolved, res.State.Steps[1].Status)
}

// Start, stop on a failed verify, Continue with the fix staged (amended into the patch).
func TestVerifyFailedThenContinue(t *testing.T) {
	r := newRig(t)
	// The first patch's file fails the verify until it says it is fixed.
	const dnsmasq = "pkg/asset/ignition/machine/dnsmasq.go"
	r.opts.Verify = "test ! -e " + dnsmasq + " || grep -q fixed " + dnsmasq
	_, err := sequence.CherryPick(r.ctx, r.opts)
	se := stop(t, err, sequence.StopVerify)
	assert.Equal(t, example.CarryDnsmasq, se.Step.Subject)
	assert.Contains(t, err.Error(), "hint: full log: ")

	b, err := os.ReadFile(filepath.Join(r.work, dnsmasq))
	require.NoError(t, err)
	r.write(dnsmasq, string(b)+"// fixed\n")
	r.git("add", dnsmasq)
	_, err = sequence.Continue(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
	assert.Equal(t, "amended with your fix", res.State.Steps[0].Note)
	assert.Contains(t, r.git("show", "HEAD:"+dnsmasq), "// fixed")
}

// Start, stop on a failed regenerate, Continue once the generator works.
func TestRegenFailedThenContinue(t *testing.T) {
	r := newRig(t)
	flag := filepath.Join(t.TempDir(), "fixed")
	r.opts.Regen = "test -e " + flag
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	_, err = sequence.Continue(r.ctx, r.opts)
	se := stop(t, err, sequence.StopRegen)
	assert.Equal(t, example.CarryAssets, se.Step.Subject)
	require.NoError(t, os.WriteFile(flag, nil, 0o644))
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
}

// Start, stop, Skip the patch, finish without it.
func TestConflictThenSkip(t *testing.T) {
	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	res, err := sequence.Skip(r.ctx, r.opts)
	r.finished(res, err)
	assert.NotContains(t, r.subjects(), example.CarryBootstrapIP)
	assert.Equal(t, sequence.Skipped, res.State.Steps[1].Status)
}

// Start, stop, Abort: the branch is back, the work kept under a ref.
func TestConflictThenAbort(t *testing.T) {
	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	res, err := sequence.Abort(r.ctx, r.opts)
	require.NoError(t, err)
	assert.Equal(t, sequence.Aborted, res.Outcome)
	assert.Equal(t, r.orig, r.git("rev-parse", "HEAD"))
	assert.Equal(t, "release-4.15-azure", r.git("symbolic-ref", "--short", "HEAD"))
	assert.NotEmpty(t, r.git("rev-parse", res.State.AbortedWork))
	assert.Empty(t, res.State.BranchMoved)
	st, err := sequence.Where(r.ctx, r.opts)
	require.NoError(t, err)
	assert.Equal(t, sequence.Idle, st.Outcome)
	assert.Equal(t, "aborted", st.Last.Ended())
}

// Files in the way of a pick are a stop that names them; Continue picks again once they are gone.
func TestInTheWayThenContinue(t *testing.T) {
	r := newRig(t)
	r.write("data/data/azure/privatelink.tf", "# mine\n")
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	_, err = sequence.Continue(r.ctx, r.opts)
	se := stop(t, err, sequence.StopInTheWay)
	assert.Equal(t, []string{"data/data/azure/privatelink.tf"}, se.Paths)
	assert.Contains(t, err.Error(), `hint: move or remove data/data/azure/privatelink.tf, then run "releasekit fork:continue"`)
	w, err := sequence.Where(r.ctx, r.opts)
	require.NoError(t, err)
	assert.Contains(t, w.Headline(), "stopped: files in the way")
	require.NoError(t, os.Remove(filepath.Join(r.work, "data/data/azure/privatelink.tf")))
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
}

// A cancelled run is a stop the state records; Continue goes on from there.
func TestInterruptedThenContinue(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(r.ctx)
	r.opts.Verify = "touch " + filepath.Join(t.TempDir(), "ran")
	r.opts.Notify = func(ev sequence.Event) {
		if ev.Kind == sequence.EventStep && ev.Phase == sequence.PhaseVerify {
			cancel()
		}
	}
	_, err := sequence.CherryPick(ctx, r.opts)
	se := stop(t, err, sequence.StopInterrupted)
	assert.Equal(t, sequence.PhaseVerify, se.Phase)
	r.opts.Notify = nil
	w, err := sequence.Where(r.ctx, r.opts)
	require.NoError(t, err)
	assert.Contains(t, w.Headline(), "patch 1 of 7, stopped: interrupted")
	_, err = sequence.Continue(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
}

// The illegal transitions, and the error each gets.
func TestIllegalTransitions(t *testing.T) {
	t.Run("no sequence", func(t *testing.T) {
		r := newRig(t)
		for name, f := range map[string]func(context.Context, sequence.RunOptions) (*sequence.Result, error){
			"continue": sequence.Continue, "skip": sequence.Skip, "abort": sequence.Abort,
		} {
			_, err := f(r.ctx, r.opts)
			assert.ErrorIs(t, err, sequence.ErrNoSequence, name)
			assert.Contains(t, err.Error(), `start one with "releasekit fork:cherryPick X.Y"`, name)
		}
	})

	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	before := r.refs()
	var unlockOther func()
	for _, c := range []struct {
		name  string
		setup func()
		do    func() error
		check func(error)
		undo  func()
	}{
		{name: "start while stopped", do: func() error { _, err := sequence.CherryPick(r.ctx, r.opts); return err },
			check: func(err error) {
				var ip *sequence.InProgressError
				assert.ErrorAs(t, err, &ip)
				assert.Contains(t, err.Error(), `see where it stands with "releasekit fork:status"`)
			}},
		{name: "continue unresolved", do: func() error { _, err := sequence.Continue(r.ctx, r.opts); return err },
			check: func(err error) {
				var ue *sequence.UnresolvedError
				assert.ErrorAs(t, err, &ue)
			}},
		{name: "continue while locked", setup: func() {
			other, err := git.OpenWorkTree(r.ctx, r.work)
			require.NoError(t, err)
			unlockOther, _, err = other.Lock(r.ctx)
			require.NoError(t, err)
		}, do: func() error { _, err := sequence.Continue(r.ctx, r.opts); return err },
			check: func(err error) {
				var le *git.LockedError
				assert.ErrorAs(t, err, &le)
			}, undo: func() { unlockOther() }},
		{name: "continue with git busy", setup: func() {
			require.NoError(t, os.WriteFile(filepath.Join(r.work, ".git/index.lock"), nil, 0o644))
		}, do: func() error { _, err := sequence.Continue(r.ctx, r.opts); return err },
			check: func(err error) {
				var be *git.BusyError
				assert.ErrorAs(t, err, &be)
			}, undo: func() { os.Remove(filepath.Join(r.work, ".git/index.lock")) }},
		{name: "damaged state", setup: func() {
			p := filepath.Join(r.work, ".git/releasekit/sequence/state.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p+".keep", b, 0o644)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, do: func() error { _, err := sequence.Abort(r.ctx, r.opts); return err },
			check: func(err error) {
				assert.ErrorIs(t, err, sequence.ErrCorruptState)
				assert.Contains(t, err.Error(), "hint: nothing was changed")
			}, undo: func() {
				p := filepath.Join(r.work, ".git/releasekit/sequence/state.json")
				os.Rename(p+".keep", p)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			err := c.do()
			require.Error(t, err)
			assert.Equal(t, cli.ExitFailed, cli.Code(err), "refused, not stopped: %v", err)
			c.check(err)
			if c.undo != nil {
				c.undo()
			}
			assert.Equal(t, before, r.refs(), "a refused control changes nothing")
		})
	}

	// HEAD attached to the branch (git checkout -f) plus a commit: refused, with the way back.
	r.git("checkout", "-q", "-f", "release-4.15-azure")
	r.git("commit", "-q", "--allow-empty", "-m", "mine")
	mine := r.git("rev-parse", "HEAD")
	_, err = sequence.Continue(r.ctx, r.opts)
	var moved *sequence.HeadMovedError
	require.ErrorAs(t, err, &moved)
	assert.Equal(t, "release-4.15-azure", moved.Branch)
	assert.Contains(t, err.Error(), `hint: check out the stopped commit again with "git checkout --detach `+moved.Want[:7]+`"`)
	_, err = sequence.Skip(r.ctx, r.opts)
	require.ErrorAs(t, err, &moved)
	r.git("checkout", "-q", "--detach", moved.Want)
	_, err = sequence.Continue(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	_, err = sequence.Continue(r.ctx, r.opts)
	require.Error(t, err, "the branch moved: finishing must not overwrite it")
	assert.Contains(t, err.Error(), "moved to "+mine[:7]+" during the sequence")
	// Abort leaves the moved branch where it is.
	res, err := sequence.Abort(r.ctx, r.opts)
	require.NoError(t, err)
	assert.Equal(t, mine, res.State.BranchMoved)
	assert.Equal(t, mine, r.git("rev-parse", "refs/heads/release-4.15-azure"))

	// Nothing to skip once every patch has run.
	_, err = sequence.Skip(r.ctx, r.opts)
	assert.ErrorIs(t, err, sequence.ErrNoSequence)
}

// A git operation in progress gets its own way out, not "commit or stash".
func TestStartRefusesGitOperation(t *testing.T) {
	r := newRig(t)
	r.git("cherry-pick", "--no-commit", "upstream/release-4.15") // anything that leaves CHERRY_PICK_HEAD
	require.NoError(t, os.WriteFile(filepath.Join(r.work, ".git/CHERRY_PICK_HEAD"), []byte(r.git("rev-parse", "HEAD")+"\n"), 0o644))
	_, err := sequence.CherryPick(r.ctx, r.opts)
	var op *git.OperationError
	require.ErrorAs(t, err, &op)
	assert.Contains(t, err.Error(), `"git cherry-pick --abort"`)
	assert.NotContains(t, err.Error(), "stash")
}

// A missing fork branch names the fork's remote.
func TestMissingForkBranchNamesItsRemote(t *testing.T) {
	r := newRig(t)
	r.git("update-ref", "-d", "refs/remotes/origin/release-4.14-azure")
	_, err := sequence.CherryPick(r.ctx, r.opts)
	require.ErrorIs(t, err, git.ErrUnknownRevision)
	assert.Contains(t, err.Error(), `fetch it with "git fetch origin"`)
	assert.NotContains(t, err.Error(), "git fetch upstream")
}

func TestErrorsAreTyped(t *testing.T) {
	assert.True(t, errors.Is(&sequence.CorruptStateError{Path: "p", Err: errors.New("x")}, sequence.ErrCorruptState))
}

// Every damaged state file is refused by every control before anything changes: HEAD, the
// refs (the branch above all), the index and the work tree stay as they were.
func TestDamagedStateChangesNothing(t *testing.T) {
	r := newRig(t)
	_, err := sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	p := filepath.Join(r.work, ".git/releasekit/sequence/state.json")
	good, err := os.ReadFile(p)
	require.NoError(t, err)
	before := r.refs()
	controls := map[string]func() error{
		"continue": func() error { _, err := sequence.Continue(r.ctx, r.opts); return err },
		"skip":     func() error { _, err := sequence.Skip(r.ctx, r.opts); return err },
		"abort":    func() error { _, err := sequence.Abort(r.ctx, r.opts); return err },
		"status":   func() error { _, err := sequence.Where(r.ctx, r.opts); return err },
		"start":    func() error { _, err := sequence.CherryPick(r.ctx, r.opts); return err },
		"branch": func() error {
			_, err := branch.Run(r.ctx, branch.Options{Dir: r.work, Release: v415})
			return err
		},
	}
	for name, c := range sequence.Damaged(t) {
		require.NoError(t, os.WriteFile(p, c.Data, 0o644))
		for control, do := range controls {
			err := do()
			require.Error(t, err, "%s: %s", name, control)
			assert.ErrorIs(t, err, sequence.ErrCorruptState, "%s: %s", name, control)
			assert.Contains(t, err.Error(), "to give this sequence up: mv ", "%s: %s", name, control)
			assert.Equal(t, before, r.refs(), "%s: %s changed the repository", name, control)
		}
	}
	// The way out the hint gives works.
	require.NoError(t, os.Rename(p, p+".damaged"))
	r.git("cherry-pick", "--abort")
	r.git("checkout", "-q", "-f", "release-4.15-azure")
	_, err = sequence.CherryPick(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	_ = good
}

// Something outside the sequence moves HEAD between two picks (a git left running by a killed
// run, a checkout by hand): the next pick refuses instead of building on that commit, so the
// patch before it is not lost, and the state and the branch are left for fork:continue.
func TestPickRefusesAMovedHead(t *testing.T) {
	r := newRig(t)
	moved := false
	r.opts.Notify = func(ev sequence.Event) {
		if ev.Kind == sequence.EventDone && ev.N == 1 && !moved {
			moved = true
			r.git("checkout", "-q", "--detach", "HEAD~1")
		}
	}
	_, err := sequence.CherryPick(r.ctx, r.opts)
	require.Error(t, err)
	var hm *sequence.HeadMovedError
	require.ErrorAs(t, err, &hm, "%v", err)
	assert.Contains(t, err.Error(), "git checkout --detach")
	assert.Equal(t, r.orig, r.git("rev-parse", "refs/heads/release-4.15-azure"), "the branch stays where it was")

	// Back where the sequence left it, the port goes on with every patch.
	r.git("checkout", "-q", "--detach", hm.Want)
	r.opts.Notify = nil
	_, err = sequence.Continue(r.ctx, r.opts)
	stop(t, err, sequence.StopConflict)
	r.resolve()
	res, err := sequence.Continue(r.ctx, r.opts)
	r.finished(res, err)
	assert.Contains(t, r.subjects(), example.CarryDnsmasq)
}
