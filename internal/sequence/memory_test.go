package sequence_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/sequence"
)

// portSeen is everything a port shows that must not depend on where the patches were picked:
// each stop on the way, the steps as the state records them, and the commits made.
type portSeen struct {
	Stops   []string
	Steps   []string
	Commits []string
	Tree    string
}

// drive runs fork:cherryPick in work until it finishes, resolving each conflict with resolve,
// and returns what it saw (the commits it made, onto the branch's commits) and how many of its
// picks git cherry-pick made in the work tree.
func drive(t *testing.T, work string, opts sequence.RunOptions, resolve func(paths []string)) (portSeen, int) {
	t.Helper()
	ctx := context.Background()
	var seen portSeen
	before := len(reflog(t, work, "cherry-pick"))
	res, err := sequence.CherryPick(ctx, opts)
	for range 10 {
		if err == nil {
			break
		}
		se := sequence.Stopped(err)
		require.NotNil(t, se, "%v", err)
		seen.Stops = append(seen.Stops, fmt.Sprintf("%s at %d/%d %s: paths %v, rerere %v", se.Reason, se.N, se.Total, se.Step.Subject, se.Paths, se.Rerere))
		require.Equal(t, sequence.StopConflict, se.Reason, "%v", err)
		resolve(se.Paths)
		res, err = sequence.Continue(ctx, opts)
	}
	require.NoError(t, err)
	require.Equal(t, sequence.Finished, res.Outcome)
	// The steps' trees, in one git rev-parse.
	var results []string
	for _, s := range res.State.Steps {
		if s.Result != "" {
			results = append(results, s.Result+"^{tree}")
		}
	}
	var trees []string
	if len(results) > 0 {
		trees = strings.Split(gitIn(t, work, append([]string{"rev-parse"}, results...)...), "\n")
		require.Len(t, trees, len(results))
	}
	for _, s := range res.State.Steps {
		tree := ""
		if s.Result != "" {
			tree, trees = trees[0], trees[1:]
		}
		seen.Steps = append(seen.Steps, fmt.Sprintf("%s: %s conflicts %v rerere %v resolutions %d amended %v note %q tree %s",
			s.Subject, s.Status, s.Conflicts, s.RerereFiles, len(s.Resolutions), s.Amended, s.Note, tree))
	}
	log := gitIn(t, work, "log", "--reverse", "--format=%T %an <%ae> %ad %cn <%ce>%n%B%x00", "--date=raw", res.State.Onto+"..HEAD")
	seen.Commits = strings.Split(log, "\x00")
	seen.Tree = gitIn(t, work, "rev-parse", "HEAD^{tree}")
	assert.Empty(t, gitIn(t, work, "status", "--porcelain"))
	assert.Equal(t, "release-4.15-azure", gitIn(t, work, "symbolic-ref", "--short", "HEAD"))
	return seen, len(reflog(t, work, "cherry-pick")) - before
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// reflog lists HEAD's reflog entries whose message starts with prefix.
func reflog(t *testing.T, dir, prefix string) []string {
	var out []string
	for _, l := range strings.Split(gitIn(t, dir, "reflog", "--format=%gs", "HEAD"), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// The picks in memory make the same commits (trees, authorship, messages), stops, conflicts,
// rerere replays and state as git cherry-pick in the work tree, on the installer example: a
// port that stops on the bootstrap conflict, then the same port again, which rerere resolves.
func TestPicksInMemoryAreTheWorkTreePicks(t *testing.T) {
	t.Parallel()
	run := func(workTree bool) ([2]portSeen, int) {
		work := branched(t)
		orig := gitIn(t, work, "rev-parse", "HEAD")
		opts := sequence.RunOptions{Dir: work, Release: v415, Regen: "true", WorkTreePicks: workTree}
		resolve := func([]string) {
			require.NoError(t, os.WriteFile(filepath.Join(work, example.BootstrapConflict), []byte(example.ResolvedBootstrap()), 0o644))
			gitIn(t, work, "add", example.BootstrapConflict)
		}
		return portTwice(t, work, orig, opts, resolve)
	}
	want, wtPicks := run(true)
	got, memPicks := run(false)
	assert.Equal(t, want, got)
	assert.Contains(t, strings.Join(want[1].Steps, "\n"), string(sequence.Rerere))
	assert.Less(t, memPicks, wtPicks, "the clean patches were picked in memory")
}

// portTwice drives the port in work to its end, resolving its conflict with resolve, then, from
// orig again, the same port, which rerere must resolve. It returns what both ports saw and how
// many of their picks git cherry-pick made in the work tree.
func portTwice(t *testing.T, work, orig string, opts sequence.RunOptions, resolve func([]string)) ([2]portSeen, int) {
	t.Helper()
	var seen [2]portSeen
	var picks, n int
	seen[0], n = drive(t, work, opts, resolve)
	picks += n
	gitIn(t, work, "reset", "-q", "--hard", orig)
	seen[1], n = drive(t, work, opts, func([]string) { t.Fatal("rerere did not resolve the conflict") })
	picks += n
	return seen, picks
}

// The same on a generated history with renames, deletions, mode changes, a patch dropped up
// front between clean ones, a patch that is empty on the new upstream, a message git must keep byte for byte, a conflict, and the same port
// again with rerere resolving it.
func TestPicksInMemoryOnAGeneratedHistory(t *testing.T) {
	t.Parallel()
	run := func(workTree bool) ([2]portSeen, int) {
		work := generatedHistory(t)
		orig := gitIn(t, work, "rev-parse", "HEAD")
		opts := sequence.RunOptions{Dir: work, Release: v415, WorkTreePicks: workTree}
		resolve := func(paths []string) {
			assert.Equal(t, []string{"conflict.txt"}, paths)
			require.NoError(t, os.WriteFile(filepath.Join(work, "conflict.txt"), []byte(lines(8, map[int]string{4: "upstream and fork"})), 0o644))
			gitIn(t, work, "add", "conflict.txt")
		}
		return portTwice(t, work, orig, opts, resolve)
	}
	want, wtPicks := run(true)
	got, memPicks := run(false)
	assert.Equal(t, want, got)
	steps := strings.Join(want[0].Steps, "\n")
	assert.Contains(t, steps, "CARRY: already upstream with more: "+string(sequence.Empty))
	assert.Contains(t, steps, "CARRY: already upstream: "+string(sequence.Dropped))
	assert.Contains(t, strings.Join(want[1].Steps, "\n"), "CARRY: fork line: "+string(sequence.Rerere))
	assert.Contains(t, strings.Join(want[0].Commits, "\n"), "Ünïcode Äuthor <u@example.com> 1500000000 +0530")
	assert.Less(t, memPicks, wtPicks, "the clean patches were picked in memory")
}

// lines is n numbered lines, with some replaced.
func lines(n int, with map[int]string) string {
	var b strings.Builder
	for i := range n {
		if s, ok := with[i]; ok {
			b.WriteString(s + "\n")
		} else {
			fmt.Fprintf(&b, "line %d\n", i)
		}
	}
	return b.String()
}

// generatedHistory builds upstream release-4.14 and release-4.15 and the fork's
// release-4.14-azure with carry patches of every kind, release-4.15-azure checked out.
func generatedHistory(t *testing.T) string {
	work := t.TempDir()
	g := func(args ...string) string { return gitIn(t, work, args...) }
	write := func(p, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(work, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(work, p), []byte(content), 0o644))
	}
	commit := func(msg string, env ...string) {
		g("add", "-A")
		cmd := exec.Command("git", "commit", "-q", "--allow-empty-message", "--cleanup=verbatim", "-F", "-")
		cmd.Dir = work
		cmd.Env = append(append(os.Environ(), "GIT_AUTHOR_DATE=1600000000 +0000", "GIT_COMMITTER_DATE=1600000000 +0000",
			"GIT_COMMITTER_NAME=Fork Committer", "GIT_COMMITTER_EMAIL=fork@example.com"), env...)
		cmd.Stdin = strings.NewReader(msg)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	g("init", "-q", "-b", "main")
	for i := range 20 {
		write(fmt.Sprintf("pkg/f%02d.go", i), fmt.Sprintf("package pkg\n\n// %d\n", i))
	}
	write("a.txt", lines(30, nil))
	write("b.txt", lines(10, nil))
	write("gone.txt", "to be deleted\n")
	write("script.sh", "#!/bin/sh\necho hi\n")
	write("conflict.txt", lines(8, nil))
	write("same.txt", lines(5, nil))
	commit("upstream base\n")
	g("update-ref", "refs/remotes/upstream/release-4.14", "HEAD")
	write("a.txt", lines(30, map[int]string{0: "upstream top"}))
	write("conflict.txt", lines(8, map[int]string{4: "upstream"}))
	write("new.txt", "upstream's new file\n")
	commit("upstream 4.15 changes\n")
	write("dropped.txt", "the same change upstream\n")
	commit("upstream: the fork's change\n")
	write("same.txt", lines(5, map[int]string{1: "both"}))
	write("pkg/f00.go", "package pkg\n\n// upstream too\n")
	commit("upstream: make the fork's change and more\n")
	g("update-ref", "refs/remotes/upstream/release-4.15", "HEAD")

	g("checkout", "-q", "-b", "fork", "refs/remotes/upstream/release-4.14")
	g("mv", "b.txt", "renamed.txt")
	commit("CARRY: rename b.txt\n")
	write("dropped.txt", "the same change upstream\n")
	commit("CARRY: already upstream\n")
	g("rm", "-q", "gone.txt")
	commit("CARRY: delete gone.txt\n")
	require.NoError(t, os.Chmod(filepath.Join(work, "script.sh"), 0o755))
	commit("CARRY: make script.sh executable\n")
	write("a.txt", lines(30, map[int]string{28: "fork bottom"}))
	commit("CARRY: fork bottom\n\nA body,   with trailing spaces   \n\n\n# not a comment to git commit-tree\n\n", "GIT_AUTHOR_NAME=Ünïcode Äuthor", "GIT_AUTHOR_EMAIL=u@example.com", "GIT_AUTHOR_DATE=1500000000 +0530")
	write("conflict.txt", lines(8, map[int]string{4: "fork"}))
	commit("CARRY: fork line\n")
	write("same.txt", lines(5, map[int]string{1: "both"}))
	commit("CARRY: already upstream with more\n")
	write("dir/sub/new.go", "package sub\n")
	write("dir/other.txt", "other\n")
	commit("CARRY: add files in a new directory\n")
	g("mv", "renamed.txt", "dir/moved.txt")
	write("dir/moved.txt", lines(10, map[int]string{9: "moved and changed"}))
	commit("CARRY: move and change\n")
	require.NoError(t, os.Chmod(filepath.Join(work, "script.sh"), 0o644))
	write("script.sh", "#!/bin/sh\necho bye\n")
	commit("CARRY: change script.sh back to a plain file\n")
	g("update-ref", "refs/remotes/origin/release-4.14-azure", "HEAD")
	g("checkout", "-q", "-b", "release-4.15-azure", "refs/remotes/upstream/release-4.15")
	g("branch", "-q", "-D", "fork", "main")
	return work
}

// git cherry-pick runs the post-commit hook, git commit-tree does not: a repository with one
// has its patches picked in the work tree, so the hook still sees every commit.
func TestCommitHookKeepsThePicksInTheWorkTree(t *testing.T) {
	t.Parallel()
	work := generatedHistory(t)
	seen := filepath.Join(t.TempDir(), "seen")
	hook := "#!/bin/sh\ngit log -1 --format=%s >> '" + seen + "'\n"
	require.NoError(t, os.WriteFile(filepath.Join(work, ".git", "hooks", "post-commit"), []byte(hook), 0o755))
	var notes []string
	opts := sequence.RunOptions{Dir: work, Release: v415, Notify: func(ev sequence.Event) {
		if ev.Kind == sequence.EventNote {
			notes = append(notes, ev.Msg)
		}
	}}
	_, err := sequence.CherryPick(context.Background(), opts)
	se := stop(t, err, sequence.StopConflict)
	assert.Equal(t, "CARRY: fork line", se.Step.Subject)
	b, err := os.ReadFile(seen)
	require.NoError(t, err)
	assert.Equal(t, "CARRY: rename b.txt\nCARRY: delete gone.txt\nCARRY: make script.sh executable\nCARRY: fork bottom\n", string(b))
	assert.Contains(t, strings.Join(notes, "\n"), "picking in the work tree: git cherry-pick runs what picking in memory would not (post-commit)")
}
