package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
func (r *Repo) ShowNote(ctx context.Context, ref, object string) (note string, ok bool, err error) {
	if err := checkNotesRef(ref); err != nil {
		return "", false, err
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

// Notes reads every note under ref in two git calls, for callers that look many objects up:
// object → note. An absent ref has no notes.
func (r *Repo) Notes(ctx context.Context, ref string) (map[string]string, error) {
	if err := checkNotesRef(ref); err != nil {
		return nil, err
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
	common, err := r.Git.Run(ctx, "rev-parse", "--git-common-dir")
	if err != nil {
		notesMu.Unlock()
		return nil, err
	}
	if !filepath.IsAbs(common) {
		common = filepath.Join(r.Dir, common)
	}
	dir := filepath.Join(common, "releasekit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		notesMu.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "notes.lock"), os.O_CREATE|os.O_RDWR, 0o644)
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
