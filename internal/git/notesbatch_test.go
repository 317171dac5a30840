package git

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// gitShowNote is what git notes show answers for object under ref: the note, whether there is
// one, and whether it failed otherwise.
func gitShowNote(t *testing.T, dir, ref, object string) (note string, ok, failed bool) {
	t.Helper()
	cmd := exec.Command("git", "notes", "--ref="+ref, "show", object)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	switch {
	case err == nil:
		return string(out), true, false
	case strings.Contains(stderr.String(), "no note found"):
		return "", false, false
	default:
		return "", false, true
	}
}

// gitListNotes is every note under ref as git notes list and git cat-file read them.
func gitListNotes(t *testing.T, dir, ref string) map[string]string {
	t.Helper()
	notes := map[string]string{}
	var blobs, objects []string
	for _, line := range strings.Split(run(t, dir, nil, "notes", "--ref="+ref, "list"), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			blobs, objects = append(blobs, f[0]), append(objects, f[1])
		}
	}
	if len(blobs) == 0 {
		return notes
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(strings.Join(blobs, "\n") + "\n")
	out, err := cmd.Output()
	require.NoError(t, err)
	for i := range blobs {
		header, rest, ok := bytes.Cut(out, []byte("\n"))
		require.True(t, ok)
		var oid, kind string
		var size int
		_, err := fmt.Sscan(string(header), &oid, &kind, &size)
		require.NoError(t, err, "%q", header)
		require.Equal(t, blobs[i]+" blob", oid+" "+kind)
		notes[objects[i]] = string(rest[:size])
		out = rest[size+1:]
	}
	return notes
}

// checkNotesMatchGit compares ShowNote on each object and Notes with git's answers. With the
// reader on, each read must be answered by it, except ShowNote on the objects in fallback and
// Notes when listFallback.
func checkNotesMatchGit(t *testing.T, r *Repo, ref string, objects []string, fallback []string, listFallback bool) {
	t.Helper()
	ctx := context.Background()
	for _, object := range objects {
		want, wantOK, wantFailed := gitShowNote(t, r.Dir, ref, object)
		got, ok, err := r.ShowNote(ctx, ref, object)
		assert.Equal(t, wantFailed, err != nil, "%s %s: %v", ref, object, err)
		assert.Equal(t, wantOK, ok, "%s %s", ref, object)
		assert.Equal(t, want, got, "%s %s", ref, object)
		if !batchDisabled {
			_, _, err := r.readNote(ctx, ref, object)
			if slices.Contains(fallback, object) {
				assert.ErrorIs(t, err, errNoBatch, "%s %s: the reader answered", ref, object)
			} else {
				assert.NoError(t, err, "%s %s: the reader did not answer", ref, object)
			}
		}
	}
	want := gitListNotes(t, r.Dir, ref)
	got, err := r.Notes(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, want, got, ref)
	if !batchDisabled {
		_, err := r.readNotes(ctx, ref)
		if listFallback {
			assert.ErrorIs(t, err, errNoBatch, "%s: the reader answered", ref)
		} else {
			assert.NoError(t, err, "%s: the reader did not answer", ref)
		}
	}
}

// fakeObject is an object id no object has (notes may annotate those: git notes list shows them).
func fakeObject(i int) string { return fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprint("fake ", i)))) }

// notesFixture writes notes trees by hand in the repository of r.
type notesFixture struct {
	t       *testing.T
	dir     string
	trees   []string
	commits []string // HEAD, HEAD~1
}

func (f notesFixture) blob(content string) string {
	return runIn(f.t, f.dir, nil, content, "hash-object", "-w", "--stdin")
}

func (f notesFixture) tree(lines ...string) string {
	return runIn(f.t, f.dir, nil, strings.Join(lines, "\n")+"\n", "mktree")
}

// commit points ref at a notes commit of tree.
func (f notesFixture) commit(ref, tree string) {
	run(f.t, f.dir, nil, "update-ref", ref, runIn(f.t, f.dir, nil, "notes\n", "commit-tree", tree))
}

// odd writes under ref notes of odd bytes and odd entries: a note without a trailing newline,
// one of binary bytes named in capitals, an empty one under two levels of fan-out, an
// executable one under one level (named in capitals), next to flat ones; and entries that are
// no notes (a file not named by an object, a two-digit file, a directory not named in hex, a
// directory and a symbolic link named by an object).
func (f notesFixture) odd(ref string) {
	head, parent := f.commits[0], f.commits[1]
	noNL, binary, empty, exe := f.blob("no newline"), f.blob("\x00\x01\xff\r\nbinary\x00"), f.blob(""), f.blob("executable\n")
	readme := f.blob("not a note\n")
	other := f.tree("100644 blob " + readme + "\tx")
	f.commit(ref, f.tree(
		"100644 blob "+noNL+"\t"+f.trees[0],
		"100644 blob "+binary+"\t"+strings.ToUpper(f.trees[1]),
		"040000 tree "+f.tree("040000 tree "+f.tree("100644 blob "+empty+"\t"+head[4:])+"\t"+head[2:4])+"\t"+head[:2],
		"040000 tree "+f.tree("100755 blob "+exe+"\t"+parent[2:])+"\t"+strings.ToUpper(parent[:2]),
		"100644 blob "+readme+"\tREADME",
		"100644 blob "+readme+"\tab",
		"040000 tree "+other+"\tzz",
		"040000 tree "+other+"\t"+f.trees[2],
		"120000 blob "+readme+"\t"+f.trees[3],
	))
}

// ShowNote and Notes answer as git notes does, through the reader, after each step: no ref,
// notes on trees, commits, a blob and no object, a note removed, the ref packed and deleted,
// notes of odd bytes and odd entries, an object with two notes, and a tree under the fan-out
// git notes writes.
func TestNotesReaderMatchesGit(t *testing.T) {
	r, trees := notesRepo(t)
	defer r.Close()
	dir := r.Dir
	f := notesFixture{t: t, dir: dir, trees: trees,
		commits: []string{run(t, dir, nil, "rev-parse", "HEAD"), run(t, dir, nil, "rev-parse", "HEAD~1")}}
	head, parent := f.commits[0], f.commits[1]
	blob := run(t, dir, nil, "rev-parse", "HEAD:f")
	objects := append(append([]string{}, trees...), head, parent, blob, "HEAD~1", trees[0][:10],
		strings.ToUpper(trees[1]), fakeObject(0), "nope")
	nope := []string{"nope"} // git fails on it: the command says why

	// As git notes writes them.
	checkNotesMatchGit(t, r, testNotes, objects, nope, false)
	run(t, dir, nil, "notes", "--ref="+testNotes, "add", "-m", "on a tree", trees[0])
	run(t, dir, nil, "notes", "--ref="+testNotes, "add", "-m", "on a commit\n\nsecond paragraph", head)
	run(t, dir, nil, "notes", "--ref="+testNotes, "add", "-m", "on a blob", blob)
	run(t, dir, nil, "notes", "--ref="+testNotes, "add", "-m", "on nothing", fakeObject(0))
	checkNotesMatchGit(t, r, testNotes, objects, nope, false)
	run(t, dir, nil, "notes", "--ref="+testNotes, "remove", trees[0])
	run(t, dir, nil, "pack-refs", "--all")
	run(t, dir, nil, "notes", "--ref="+testNotes, "add", "-m", "after pack-refs", trees[1])
	checkNotesMatchGit(t, r, testNotes, objects, nope, false)
	run(t, dir, nil, "pack-refs", "--all")
	run(t, dir, nil, "update-ref", "-d", testNotes)
	checkNotesMatchGit(t, r, testNotes, []string{trees[1], head}, nil, false)

	odd := "refs/notes/releasekit-odd"
	f.odd(odd)
	checkNotesMatchGit(t, r, odd, objects, nope, false)
	ctx := context.Background()
	got, ok, err := r.ShowNote(ctx, odd, trees[1])
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "\x00\x01\xff\r\nbinary\x00", got, "the note's bytes as they are")
	got, ok, err = r.ShowNote(ctx, odd, head)
	require.NoError(t, err)
	require.True(t, ok, "an empty note is a note")
	require.Empty(t, got)

	// Two notes for one object (flat and under fan-out): git concatenates them into a new
	// blob; that is git's to do.
	dup := "refs/notes/releasekit-dup"
	noNL, exe := f.blob("no newline"), f.blob("executable\n")
	f.commit(dup, f.tree(
		"100644 blob "+noNL+"\t"+trees[0],
		"040000 tree "+f.tree("100644 blob "+exe+"\t"+trees[0][2:])+"\t"+trees[0][:2],
		"100644 blob "+exe+"\t"+trees[1],
	))
	checkNotesMatchGit(t, r, dup, []string{trees[0], trees[1]}, []string{trees[0]}, true)

	// Fan-out as git notes writes it: a flat tree of 300 notes, to which git notes adds one
	// more and writes them all back under two-digit directories.
	fan := "refs/notes/releasekit-fan"
	tmp := t.TempDir()
	var paths, entries []string
	for i := 1; i <= 300; i++ {
		p := filepath.Join(tmp, fmt.Sprint(i))
		require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf("note %d\n", i)), 0o644))
		paths = append(paths, p)
	}
	blobs := strings.Fields(runIn(t, dir, nil, strings.Join(paths, "\n")+"\n", "hash-object", "-w", "--stdin-paths"))
	require.Len(t, blobs, 300)
	for i, b := range blobs {
		entries = append(entries, "100644 blob "+b+"\t"+fakeObject(i+1))
	}
	f.commit(fan, f.tree(entries...))
	run(t, dir, nil, "notes", "--ref="+fan, "add", "-m", "fanned out", trees[2])
	top := run(t, dir, nil, "ls-tree", fan)
	require.Regexp(t, regexp.MustCompile(`(?m)^040000 tree [0-9a-f]{40}\t[0-9a-f]{2}$`), top, "git wrote no fan-out")
	require.NotRegexp(t, regexp.MustCompile(`\t[0-9a-f]{40}$`), top, "git left notes flat")
	require.Contains(t, run(t, dir, nil, "ls-tree", "-r", "--name-only", fan), trees[2][:2]+"/"+trees[2][2:])
	fanned := []string{trees[2], trees[3], fakeObject(1), fakeObject(150), fakeObject(300), fakeObject(301)}
	checkNotesMatchGit(t, r, fan, fanned, nil, false)
	run(t, dir, nil, "notes", "--ref="+fan, "remove", trees[2], fakeObject(150))
	checkNotesMatchGit(t, r, fan, fanned, nil, false)
	notes, err := r.Notes(ctx, fan)
	require.NoError(t, err)
	require.Len(t, notes, 299)
	require.Equal(t, "note 300\n", notes[fakeObject(300)])
}

// On a git without the reader (before 2.36), git notes answers, the same.
func TestNotesOlderGitMatchesGit(t *testing.T) {
	batchDisabled = true
	defer func() { batchDisabled = false }()
	r, trees := newNotesRepo(t)
	defer r.Close()
	dir := r.Dir
	f := notesFixture{t: t, dir: dir, trees: trees,
		commits: []string{run(t, dir, nil, "rev-parse", "HEAD"), run(t, dir, nil, "rev-parse", "HEAD~1")}}
	odd := "refs/notes/releasekit-odd"
	objects := append(append([]string{}, trees[:2]...), f.commits...)
	checkNotesMatchGit(t, r, odd, objects, nil, false)
	f.odd(odd)
	checkNotesMatchGit(t, r, odd, objects, nil, false)
	assert.Zero(t, readerPID(r))
}

// Reading notes, writing one and reading again starts no git but the reader and the write.
func TestNotesReadThroughReader(t *testing.T) {
	ctx := context.Background()
	r, trees := notesRepo(t)
	defer r.Close()
	run(t, r.Dir, nil, "notes", "--ref="+testNotes, "add", "-m", "one", trees[0])
	started := gittest.Started(t, &r.Git.Env)

	note, ok, err := r.ShowNote(ctx, testNotes, trees[0])
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "one\n", note)
	_, ok, err = r.ShowNote(ctx, testNotes, trees[1])
	require.NoError(t, err)
	require.False(t, ok)
	_, ok, err = r.ShowNote(ctx, "refs/notes/releasekit-none", trees[1])
	require.NoError(t, err)
	require.False(t, ok)
	notes, err := r.Notes(ctx, testNotes)
	require.NoError(t, err)
	require.Equal(t, map[string]string{trees[0]: "one\n"}, notes)
	pid := readerPID(r)
	require.NotZero(t, pid)
	require.Equal(t, []string{"cat-file --batch-command"}, started())

	require.NoError(t, r.UpdateNote(ctx, testNotes, trees[1], func(old string) string { return old + "two\n" }))
	notes, err = r.Notes(ctx, testNotes)
	require.NoError(t, err)
	require.Equal(t, map[string]string{trees[0]: "one\n", trees[1]: "two\n"}, notes)
	require.Equal(t, pid, readerPID(r), "the reader was restarted")
	// The write and what it needs: git notes add, and the path of the notes lock.
	var others []string
	for _, c := range started() {
		if c != "cat-file --batch-command" && !strings.HasPrefix(c, "rev-parse --git-common-dir ") {
			others = append(others, c)
		}
	}
	assert.Equal(t, []string{"notes --ref=" + testNotes + " add -f -F - " + trees[1]}, others)
}
