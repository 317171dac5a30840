package git

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testNotes = "refs/notes/releasekit-test"

// notesRepo runs the test in parallel with the others, in a repository of four commits; it
// returns their trees.
func notesRepo(t *testing.T) (*Repo, []string) {
	testEnv(t)
	return newNotesRepo(t)
}

// newNotesRepo is notesRepo for a test that does not run in parallel.
func newNotesRepo(t *testing.T) (*Repo, []string) {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q", "-b", "main")
	var trees []string
	for i := range 4 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte(fmt.Sprint(i)), 0o644))
		run(t, dir, nil, "add", "f")
		run(t, dir, nil, "commit", "-qm", fmt.Sprint(i))
		trees = append(trees, run(t, dir, nil, "rev-parse", "HEAD^{tree}"))
	}
	repo, err := Open(context.Background(), dir)
	require.NoError(t, err)
	return repo, trees
}

func TestNotesShowAndUpdate(t *testing.T) {
	repo, trees := notesRepo(t)
	ctx := context.Background()
	_, ok, err := repo.ShowNote(ctx, testNotes, trees[0])
	require.NoError(t, err)
	require.False(t, ok)

	add := func(line string) func(string) string { return func(old string) string { return old + line + "\n" } }
	require.NoError(t, repo.UpdateNote(ctx, testNotes, trees[0], add("one")))
	require.NoError(t, repo.UpdateNote(ctx, testNotes, trees[0], add("two")))
	note, ok, err := repo.ShowNote(ctx, testNotes, trees[0])
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "one\ntwo\n", note)
	// The note is on the tree, where plain git finds it.
	require.Equal(t, "one\ntwo", run(t, repo.Dir, nil, "notes", "--ref="+testNotes, "show", trees[0]))

	require.Error(t, repo.UpdateNote(ctx, "refs/heads/main", trees[0], add("x")), "only refs/notes/")
}

// Many writers at once, on the same tree and on others: every line must survive. Without the
// lock, git notes moves the ref without checking it and drops notes.
func TestNotesConcurrentWritersLoseNothing(t *testing.T) {
	repo, trees := notesRepo(t)
	ctx := context.Background()
	concurrently(t, 16, func(i int) error {
		// A Repo of its own, as separate verifies have.
		r, err := Open(ctx, repo.Dir)
		if err != nil {
			return err
		}
		return r.UpdateNote(ctx, testNotes, trees[i%len(trees)], func(old string) string { return old + fmt.Sprintf("w%02d\n", i) })
	})
	var all []string
	for _, tree := range trees {
		note, ok, err := repo.ShowNote(ctx, testNotes, tree)
		require.NoError(t, err)
		require.True(t, ok)
		all = append(all, strings.Fields(note)...)
	}
	require.Len(t, all, 16)
}

// Another process holding the notes lock makes a writer wait, not write past it.
func TestNotesWaitForAnotherProcessLock(t *testing.T) {
	repo, trees := notesRepo(t)
	ctx := context.Background()
	require.NoError(t, repo.UpdateNote(ctx, testNotes, trees[0], func(string) string { return "first\n" }))
	f, err := os.OpenFile(filepath.Join(repo.Dir, ".git", "releasekit", "notes.lock"), os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	done := make(chan error, 1)
	go func() {
		done <- repo.UpdateNote(ctx, testNotes, trees[1], func(string) string { return "second\n" })
	}()
	select {
	case err := <-done:
		t.Fatalf("wrote past a held lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_UN))
	require.NoError(t, <-done)
	note, _, err := repo.ShowNote(ctx, testNotes, trees[1])
	require.NoError(t, err)
	require.Equal(t, "second\n", note)

	// A cancelled wait gives up with the context's error.
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, repo.UpdateNote(cctx, testNotes, trees[2], func(string) string { return "x\n" }), context.DeadlineExceeded)
}

func TestNotesReadsEveryNoteAtOnce(t *testing.T) {
	repo, trees := notesRepo(t)
	ctx := context.Background()
	notes, err := repo.Notes(ctx, testNotes)
	require.NoError(t, err)
	require.Empty(t, notes, "no notes ref yet")
	for i, tree := range trees[:3] {
		body := strings.Repeat(fmt.Sprintf("line %d\n", i), i+1)
		require.NoError(t, repo.UpdateNote(ctx, testNotes, tree, func(string) string { return body }))
	}
	notes, err = repo.Notes(ctx, testNotes)
	require.NoError(t, err)
	require.Len(t, notes, 3)
	require.Equal(t, "line 2\nline 2\nline 2\n", notes[trees[2]])
	require.Equal(t, "line 0\n", notes[trees[0]])
	_, ok := notes[trees[3]]
	require.False(t, ok)
}

// gitIn runs git in dir with stdin.
func gitIn(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// MergeNotes joins both sides line by line (as cat_sort_uniq), reads an incoming tree under
// any fan-out, takes only what clean keeps, and makes a commit with both as parents; it
// fast-forwards when the incoming notes contain ours and clean drops nothing, and does nothing
// when ours contain theirs.
func TestMergeNotes(t *testing.T) {
	repo, trees := notesRepo(t)
	ctx := context.Background()
	dir := repo.Dir
	keepAll := func(_, note string) (string, []string) { return note, nil }
	require.NoError(t, repo.UpdateNote(ctx, testNotes, trees[0], func(string) string { return "b mine\n" }))
	ours := run(t, dir, nil, "rev-parse", testNotes)

	// theirs: a note on trees[0] and one on trees[1] (in a fan-out directory), a dropped line
	// and an entry that is no note, on top of nothing we have
	blob := func(s string) string { return gitIn(t, dir, s, "hash-object", "-w", "--stdin") }
	fan := gitIn(t, dir, "100644 blob "+blob("c theirs\n")+"\t"+trees[1][2:]+"\n", "mktree")
	tree := gitIn(t, dir, strings.Join([]string{
		"100644 blob " + blob("a theirs\nDROP me\n") + "\t" + trees[0],
		"040000 tree " + fan + "\t" + trees[1][:2],
		"100644 blob " + blob("x\n") + "\tREADME",
	}, "\n")+"\n", "mktree")
	theirs := gitIn(t, dir, "theirs\n", "commit-tree", tree)
	clean := func(object, note string) (string, []string) {
		var kept []string
		var dropped []string
		for _, l := range strings.Split(strings.TrimRight(note, "\n"), "\n") {
			if strings.HasPrefix(l, "DROP") {
				dropped = append(dropped, "dropped "+l)
				continue
			}
			kept = append(kept, l)
		}
		return strings.Join(kept, "\n") + "\n", dropped
	}
	m, err := repo.MergeNotes(ctx, testNotes, theirs, clean)
	require.NoError(t, err)
	require.False(t, m.FastForward)
	require.Equal(t, 2, m.Notes)
	require.Equal(t, []string{`"README" is not a note`, "note on " + trees[0][:12] + ": dropped DROP me"}, m.Dropped)
	require.Equal(t, ours+" "+theirs, run(t, dir, nil, "log", "-1", "--format=%P", testNotes))
	notes, err := repo.Notes(ctx, testNotes)
	require.NoError(t, err)
	require.Equal(t, map[string]string{trees[0]: "a theirs\nb mine\n", trees[1]: "c theirs\n"}, notes)

	// again: theirs is in ours now, nothing to do
	m, err = repo.MergeNotes(ctx, testNotes, theirs, clean)
	require.NoError(t, err)
	require.Empty(t, m.Commit)

	// a later commit of theirs on top of ours, with nothing to drop: a fast-forward
	merged := run(t, dir, nil, "rev-parse", testNotes)
	later := gitIn(t, dir, "later\n", "commit-tree", run(t, dir, nil, "rev-parse", merged+"^{tree}"), "-p", merged)
	// add trees[2]'s note to that tree with git notes itself
	run(t, dir, nil, "update-ref", "refs/notes/releasekit-later", later)
	run(t, dir, nil, "notes", "--ref=refs/notes/releasekit-later", "add", "-m", "d later", trees[2])
	later = run(t, dir, nil, "rev-parse", "refs/notes/releasekit-later")
	m, err = repo.MergeNotes(ctx, testNotes, later, keepAll)
	require.NoError(t, err)
	require.True(t, m.FastForward)
	require.Equal(t, later, run(t, dir, nil, "rev-parse", testNotes))

	// into a ref that does not exist yet
	m, err = repo.MergeNotes(ctx, "refs/notes/releasekit-new", theirs, clean)
	require.NoError(t, err)
	require.Equal(t, theirs, run(t, dir, nil, "log", "-1", "--format=%P", "refs/notes/releasekit-new"))
	_, err = repo.MergeNotes(ctx, "refs/notes/releasekit-new", trees[0], keepAll)
	require.ErrorContains(t, err, "not a commit")
}
