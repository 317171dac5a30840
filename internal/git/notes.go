package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// git notes commits the new notes tree and moves the notes ref without checking where the ref
// was when it read it: two writers at once each commit on the same parent and the second one
// drops the first one's note. So the toolkit's note writes hold a lock of their own — a mutex
// for the goroutines of one process, flock on a file in the common git dir for other processes
// (another releasekit, a CI job on the same runner) — and retry when git reports a ref lock
// held by some other program.
var notesMu sync.Mutex

// notesRetries is how often a note write is retried when git cannot lock the notes ref.
const notesRetries = 8

// ShowNote is the note on object under ref ("refs/notes/..."); ok is false when there is none.
// It is read through the object reader (notesbatch.go), else with git notes show.
func (r *Repo) ShowNote(ctx context.Context, ref, object string) (note string, ok bool, err error) {
	if err := checkNotesRef(ref); err != nil {
		return "", false, err
	}
	if note, ok, err := r.readNote(ctx, ref, object); !errors.Is(err, errNoBatch) {
		return note, ok, err
	}
	out, err := r.Git.Output(ctx, "notes", "--ref="+ref, "show", object)
	if err != nil {
		var ce *CommandError
		if errors.As(err, &ce) && strings.Contains(ce.Stderr, "no note found") {
			return "", false, nil
		}
		return "", false, err
	}
	return string(out), true, nil
}

// Notes reads every note under ref at once, for callers that look many objects up: object →
// note. An absent ref has no notes. They are read through the object reader (notesbatch.go),
// else in two git calls.
func (r *Repo) Notes(ctx context.Context, ref string) (map[string]string, error) {
	if err := checkNotesRef(ref); err != nil {
		return nil, err
	}
	if notes, err := r.readNotes(ctx, ref); !errors.Is(err, errNoBatch) {
		return notes, err
	}
	notes := map[string]string{}
	list, err := r.Git.Run(ctx, "notes", "--ref="+ref, "list")
	if err != nil {
		return nil, err
	}
	var blobs, objects []string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			blobs, objects = append(blobs, f[0]), append(objects, f[1])
		}
	}
	if len(blobs) == 0 {
		return notes, nil
	}
	var out strings.Builder
	err = r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(strings.Join(blobs, "\n") + "\n"), Stdout: &out}, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	// Each answer: "<oid> blob <size>\n<content>\n".
	rest := out.String()
	for i := range blobs {
		header, body, ok := strings.Cut(rest, "\n")
		var oid, kind string
		var size int
		if !ok {
			return nil, fmt.Errorf("git cat-file --batch: answer for %s cut short", blobs[i])
		}
		if _, err := fmt.Sscan(header, &oid, &kind, &size); err != nil || kind != "blob" || size > len(body) {
			return nil, fmt.Errorf("git cat-file --batch: unexpected answer %q for %s", header, blobs[i])
		}
		notes[objects[i]] = body[:size]
		rest = strings.TrimPrefix(body[size:], "\n")
	}
	return notes, nil
}

// UpdateNote replaces the note on object under ref with what edit makes of the current one
// (empty when there is none), holding the notes lock from the read to the write, so that
// concurrent writers never lose each other's notes. edit returning "" leaves the note alone.
func (r *Repo) UpdateNote(ctx context.Context, ref, object string, edit func(old string) string) error {
	if err := checkNotesRef(ref); err != nil {
		return err
	}
	unlock, err := r.lockNotes(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	old, _, err := r.ShowNote(ctx, ref, object)
	if err != nil {
		return err
	}
	note := edit(old)
	if note == "" || note == old {
		return nil
	}
	for attempt := 0; ; attempt++ {
		err = r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(note)}, "notes", "--ref="+ref, "add", "-f", "-F", "-", object)
		if err == nil || attempt == notesRetries || !refLockFailure(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
}

func checkNotesRef(ref string) error {
	if !strings.HasPrefix(ref, "refs/notes/") || strings.ContainsAny(ref, " \t\n\x00") {
		return fmt.Errorf("notes ref %q must be a full ref under refs/notes/", ref)
	}
	return nil
}

// refLockFailure reports git's "cannot lock ref" (another program is updating the notes ref).
func refLockFailure(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce) && (strings.Contains(ce.Stderr, "cannot lock ref") || strings.Contains(ce.Stderr, ".lock': File exists"))
}

// lockNotes takes the toolkit's notes lock: in-process first, then across processes.
func (r *Repo) lockNotes(ctx context.Context) (func(), error) {
	notesMu.Lock()
	sd, err := r.StateDir(ctx)
	if err != nil {
		notesMu.Unlock()
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(sd.NotesLock()), 0o755); err != nil {
		notesMu.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(sd.NotesLock(), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		notesMu.Unlock()
		return nil, err
	}
	// The kernel drops a flock when its holder dies: a killed run leaves no stale lock behind.
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			notesMu.Unlock()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			notesMu.Unlock()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		notesMu.Unlock()
	}, nil
}

// NotesMerge is what MergeNotes did.
type NotesMerge struct {
	// Commit is the notes commit ref points at now; "" when nothing changed.
	Commit string
	// FastForward: ref moved to the incoming commit itself.
	FastForward bool
	// Notes is the number of incoming notes that were taken (whole or in part).
	Notes int
	// Dropped says what clean dropped, and which entries of the incoming tree are no notes.
	Dropped []string
}

// Incoming notes are bounded: a note is a few records; a notes tree a note per verified tree.
const (
	maxNoteSize  = 256 << 10
	maxNotes     = 200000
	maxNotesSize = 256 << 20
)

// ErrNotesTooBig is an incoming notes tree beyond the bounds; nothing of it is taken.
var ErrNotesTooBig = errors.New("incoming notes are too big")

// MergeNotes merges the notes commit other (fetched from someone else) into ref, as
// `git notes merge -s cat_sort_uniq` does — for each object the union of both notes' lines,
// sorted, each once — with the incoming notes checked first: every entry of other's tree must
// be a note (a blob named by an object id, under any fan-out) of at most 256 KiB, and clean
// gets each incoming note and returns what may be kept (the empty string: nothing) with what
// it dropped. The result is a commit whose parents are ref and other, so that ref then
// fast-forwards the remote's; when other holds nothing to drop and already contains ref, ref
// simply moves to it. ref moves only from where it was read (a concurrent writer fails the
// update, nothing is lost), under the notes lock.
func (r *Repo) MergeNotes(ctx context.Context, ref, other string, clean func(object, note string) (string, []string)) (*NotesMerge, error) {
	if err := checkNotesRef(ref); err != nil {
		return nil, err
	}
	unlock, err := r.lockNotes(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &NotesMerge{}
	theirs, err := r.Git.Run(ctx, "rev-parse", "--verify", "--quiet", other+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("incoming notes %s: not a commit", other)
	}
	ours, _ := r.Git.Run(ctx, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if ours != "" && r.isAncestor(ctx, theirs, ours) {
		return res, nil // already merged (and checked when it came)
	}
	// The incoming tree: note blobs only, sizes checked before anything is read.
	out, err := r.Git.Output(ctx, "ls-tree", "-r", "-z", "-l", "--full-tree", theirs)
	if err != nil {
		return nil, fmt.Errorf("read the incoming notes: %w", err)
	}
	type entry struct{ blob, object string }
	var in []entry
	total := int64(0)
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, path, _ := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		object := strings.ReplaceAll(path, "/", "")
		var size int64
		if len(f) == 4 {
			fmt.Sscan(f[3], &size)
		}
		switch {
		case len(f) != 4 || f[0] != "100644" || f[1] != "blob" || !hexRE().MatchString(object):
			res.Dropped = append(res.Dropped, fmt.Sprintf("%q is not a note", path))
		case size > maxNoteSize:
			res.Dropped = append(res.Dropped, fmt.Sprintf("the note on %.12s is %d bytes (at most %d)", object, size, maxNoteSize))
		default:
			total += size
			in = append(in, entry{blob: f[2], object: object})
		}
	}
	if len(in) > maxNotes || total > maxNotesSize {
		return nil, fmt.Errorf("%w: %d notes, %d bytes (at most %d, %d bytes)", ErrNotesTooBig, len(in), total, maxNotes, maxNotesSize)
	}
	mine, err := r.noteBlobs(ctx, ours)
	if err != nil {
		return nil, err
	}
	blobs := make([]string, len(in))
	for i, e := range in {
		blobs[i] = e.blob
	}
	contents, err := r.readBlobs(ctx, blobs)
	if err != nil {
		return nil, err
	}
	merged := map[string]string{} // object → blob
	for o, b := range mine {
		merged[o] = b
	}
	var write []string // objects whose merged note is new
	text := map[string]string{}
	for i, e := range in {
		note, dropped := clean(e.object, contents[i])
		for _, d := range dropped {
			res.Dropped = append(res.Dropped, fmt.Sprintf("note on %.12s: %s", e.object, d))
		}
		if note == "" {
			continue
		}
		res.Notes++
		if same := len(dropped) == 0 && note == contents[i]; same && (mine[e.object] == "" || mine[e.object] == e.blob) {
			merged[e.object] = e.blob
			continue
		}
		var lines []string
		if b := mine[e.object]; b != "" {
			old, err := r.readBlobs(ctx, []string{b})
			if err != nil {
				return nil, err
			}
			lines = append(lines, strings.Split(strings.TrimRight(old[0], "\n"), "\n")...)
		}
		lines = append(lines, strings.Split(strings.TrimRight(note, "\n"), "\n")...)
		slices.Sort(lines)
		lines = slices.Compact(slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" }))
		text[e.object] = strings.Join(lines, "\n") + "\n"
		write = append(write, e.object)
	}
	if len(write) > 0 {
		ids, err := r.hashBlobs(ctx, write, text)
		if err != nil {
			return nil, err
		}
		for i, o := range write {
			merged[o] = ids[i]
		}
	}
	objects := make([]string, 0, len(merged))
	for o := range merged {
		objects = append(objects, o)
	}
	slices.Sort(objects)
	var tree strings.Builder
	for _, o := range objects {
		fmt.Fprintf(&tree, "100644 blob %s\t%s\x00", merged[o], o)
	}
	var tout bytes.Buffer
	if err := r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(tree.String()), Stdout: &tout}, "mktree", "-z"); err != nil {
		return nil, fmt.Errorf("merge the notes: %w", err)
	}
	newTree := strings.TrimSpace(tout.String())
	theirTree, _ := r.Git.Run(ctx, "rev-parse", theirs+"^{tree}")
	commit := ""
	if (ours == "" || r.isAncestor(ctx, ours, theirs)) && len(res.Dropped) == 0 && newTree == theirTree {
		commit, res.FastForward = theirs, true
	} else {
		args := []string{"commit-tree", newTree}
		if ours != "" {
			args = append(args, "-p", ours)
		}
		args = append(args, "-p", theirs)
		var cout bytes.Buffer
		if err := r.Git.Exec(ctx, Exec{Stdin: strings.NewReader("releasekit: merge incoming notes (cat_sort_uniq)\n"), Stdout: &cout}, args...); err != nil {
			return nil, fmt.Errorf("merge the notes: %w", err)
		}
		commit = strings.TrimSpace(cout.String())
	}
	old := ours
	if old == "" {
		old = strings.Repeat("0", len(theirs))
	}
	if _, err := r.Git.Run(ctx, "update-ref", "-m", "releasekit: merge notes", ref, commit, old); err != nil {
		return nil, fmt.Errorf("merge the notes into %s: %w", ref, err)
	}
	res.Commit = commit
	return res, nil
}

var hexRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`) })

func (r *Repo) isAncestor(ctx context.Context, a, b string) bool {
	_, err := r.Git.Run(ctx, "merge-base", "--is-ancestor", a, b)
	return err == nil
}

// noteBlobs are the notes of the notes commit c: object → blob (none for c "").
func (r *Repo) noteBlobs(ctx context.Context, c string) (map[string]string, error) {
	notes := map[string]string{}
	if c == "" {
		return notes, nil
	}
	out, err := r.Git.Output(ctx, "ls-tree", "-r", "-z", "--full-tree", c)
	if err != nil {
		return nil, err
	}
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if o := strings.ReplaceAll(path, "/", ""); ok && len(f) == 3 && f[1] == "blob" && hexRE().MatchString(o) {
			notes[o] = f[2]
		}
	}
	return notes, nil
}

// readBlobs reads blobs in one git cat-file --batch.
func (r *Repo) readBlobs(ctx context.Context, blobs []string) ([]string, error) {
	if len(blobs) == 0 {
		return nil, nil
	}
	var out strings.Builder
	if err := r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(strings.Join(blobs, "\n") + "\n"), Stdout: &out}, "cat-file", "--batch"); err != nil {
		return nil, err
	}
	rest := out.String()
	texts := make([]string, len(blobs))
	for i := range blobs {
		header, body, ok := strings.Cut(rest, "\n")
		var oid, kind string
		var size int
		if !ok {
			return nil, fmt.Errorf("git cat-file --batch: answer for %s cut short", blobs[i])
		}
		if _, err := fmt.Sscan(header, &oid, &kind, &size); err != nil || kind != "blob" || size > len(body) {
			return nil, fmt.Errorf("git cat-file --batch: unexpected answer %q for %s", header, blobs[i])
		}
		texts[i] = body[:size]
		rest = strings.TrimPrefix(body[size:], "\n")
	}
	return texts, nil
}

// hashBlobs writes text[o] for each o of objects as a blob, in one git hash-object.
func (r *Repo) hashBlobs(ctx context.Context, objects []string, text map[string]string) ([]string, error) {
	dir, err := os.MkdirTemp("", "releasekit-notes-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var paths []string
	for i, o := range objects {
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(p, []byte(text[o]), 0o600); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	var out bytes.Buffer
	if err := r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(strings.Join(paths, "\n") + "\n"), Stdout: &out}, "hash-object", "-w", "--no-filters", "--stdin-paths"); err != nil {
		return nil, err
	}
	ids := strings.Fields(out.String())
	if len(ids) != len(objects) {
		return nil, fmt.Errorf("git hash-object: %d hashes for %d notes", len(ids), len(objects))
	}
	return ids, nil
}
