package git

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testNotes = "refs/notes/releasekit-test"

func notesRepo(t *testing.T) (*Repo, []string) {
	testEnv(t)
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
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			// A Repo of its own, as separate verifies have.
			r, err := Open(ctx, repo.Dir)
			if err != nil {
				errs <- err
				return
			}
			errs <- r.UpdateNote(ctx, testNotes, trees[i%len(trees)], func(old string) string { return old + fmt.Sprintf("w%02d\n", i) })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
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
