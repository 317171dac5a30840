// Package verify runs the engineer's verify command on commits, each in a detached worktree of
// its own, and remembers every result as a git note on the commit's tree, so that no tree is
// verified twice by anyone who shares the notes.
package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
)

// NotesRef holds the results: a note on each verified tree object.
const NotesRef = "refs/notes/releasekit-verify"

// Results of a verify.
const (
	Pass = "pass"
	Fail = "fail"
)

// noteVersion is the format of a record; records of another version are ignored.
const noteVersion = 1

// maxTail bounds the log tail kept in a note: notes travel to every colleague and CI runner.
const maxTail = 4000

// Record is one verify result, one line of JSON in the tree's note. A tree verified with several
// commands (or several times) has one line each; lines are whole records so that
// `git notes merge -s cat_sort_uniq` joins two machines' notes without breaking any.
type Record struct {
	V int `json:"v"`
	// Tree is the tree the note is on: a note copied onto another object does not match it
	// and is not trusted.
	Tree    string    `json:"tree"`
	Command string    `json:"command"`
	Result  string    `json:"result"`
	Seconds float64   `json:"seconds"`
	Host    string    `json:"host"`
	Time    time.Time `json:"time"`
	// Commit is the commit that was checked out (any commit with this tree gives the same result).
	Commit string `json:"commit,omitempty"`
	// Tail is the end of the log.
	Tail string `json:"tail,omitempty"`
}

// Passed reports whether the record is a pass.
func (r Record) Passed() bool { return r.Result == Pass }

func (r Record) valid(tree string) error {
	switch {
	case r.V != noteVersion:
		return fmt.Errorf("format version %d, not %d", r.V, noteVersion)
	case r.Tree != tree:
		return fmt.Errorf("written for tree %.12s, found on %.12s", r.Tree, tree)
	case r.Command == "":
		return errors.New("no command")
	case r.Result != Pass && r.Result != Fail:
		return fmt.Errorf("result %q is neither %q nor %q", r.Result, Pass, Fail)
	case r.Time.IsZero() || r.Host == "":
		return errors.New("no host or time")
	}
	return nil
}

// maxLine bounds a record line: a record is a few fields and a log tail of maxTail bytes.
const maxLine = 16 << 10

// parseNote reads the records of a note; lines that are not valid records come back as
// problems, for a warning, and are never trusted.
func parseNote(tree, note string) (recs []Record, problems []string) {
	recs, _, problems = parseLines(tree, note)
	return recs, problems
}

// parseLines is parseNote with the line of each record as it was written. A record is read
// strictly (jsonstrict): a key twice (say "result" as fail, then as pass), in another case or
// unknown is no record.
func parseLines(tree, note string) (recs []Record, lines, problems []string) {
	for _, line := range strings.Split(note, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(line) > maxLine {
			problems = append(problems, fmt.Sprintf("a line of %d bytes (at most %d)", len(line), maxLine))
			continue
		}
		var r Record
		if err := jsonstrict.Unmarshal([]byte(line), &r); err != nil {
			problems = append(problems, fmt.Sprintf("line %q is not a releasekit record", clip(line, 60)))
			continue
		}
		if err := r.valid(tree); err != nil {
			problems = append(problems, fmt.Sprintf("record %q: %v", clip(line, 60), err))
			continue
		}
		recs, lines = append(recs, r), append(lines, line)
	}
	return recs, lines, problems
}

// CleanNote is what may be kept of a note on object that came from someone else (fork:sync):
// its valid records, as they were written, one a line; dropped names the rest.
func CleanNote(object, note string) (kept string, dropped []string) {
	_, lines, dropped := parseLines(object, note)
	if len(lines) == 0 {
		return "", dropped
	}
	return strings.Join(lines, "\n") + "\n", dropped
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Cache reads and writes the results of one repository. It reads every note once, on the first
// lookup (through the repository's object reader, whatever their number), so that looking up a
// patch costs no process: a re-run whose trees are all verified is as fast as one with no
// verify. Notes that another process writes meanwhile are not seen; at worst a tree is
// verified again.
type Cache struct {
	Repo *git.Repo
	// Warn receives what is wrong with a note that is ignored; nil drops it.
	Warn func(string)

	mu    sync.Mutex
	notes map[string]string
}

func (c *Cache) note(ctx context.Context, tree string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.notes == nil {
		notes, err := c.Repo.Notes(ctx, NotesRef)
		if err != nil {
			return "", false, fmt.Errorf("read the verify results (%s): %w", NotesRef, err)
		}
		c.notes = notes
	}
	n, ok := c.notes[tree]
	return n, ok, nil
}

// Lookup is the record of tree for command that decides; ok is false when there is none. A
// pass is a cache hit; a failure is not (the caller runs the verify again).
//
// The rule rests on no clock a host wrote: any failure recorded for (tree, command) wins over
// every pass. A record's time is what its host said, and a CI runner with a fast clock would
// otherwise outrank a newer local failure; nor does the order of lines tell (notes are kept
// sorted, as git notes merge -s cat_sort_uniq leaves them). A local verify replaces the
// records of its (tree, command) with its own (Save), so a local pass after a failure is a
// hit and a local failure after a pass is not; a failure that comes back with someone else's
// notes wins again, and the tree is verified once more. The rule can cost a verify; it never
// gives a false pass.
func (c *Cache) Lookup(ctx context.Context, tree, command string) (rec Record, ok bool, err error) {
	note, found, err := c.note(ctx, tree)
	if err != nil || !found {
		return Record{}, false, err
	}
	recs, problems := parseNote(tree, note)
	if len(problems) > 0 && c.Warn != nil {
		c.Warn(fmt.Sprintf("ignoring part of the verify note on tree %.12s (%s): %s; it is not trusted as a pass",
			tree, NotesRef, strings.Join(problems, "; ")))
	}
	rec, ok = decide(recs, command)
	return rec, ok, nil
}

// decide is the record that decides for command: a failure if there is one, else a pass. Among
// records of the same result the newest by its time is shown; the time never decides.
func decide(recs []Record, command string) (rec Record, ok bool) {
	for _, r := range recs {
		switch {
		case r.Command != command:
		case !ok, rec.Passed() && !r.Passed():
			rec, ok = r, true
		case rec.Passed() == r.Passed() && r.Time.After(rec.Time):
			rec = r
		}
	}
	return rec, ok
}

// Hit is the recorded pass of tree for command, if the newest record is one.
func (c *Cache) Hit(ctx context.Context, tree, command string) (Record, bool, error) {
	rec, ok, err := c.Lookup(ctx, tree, command)
	if err != nil || !ok || !rec.Passed() {
		return Record{}, false, err
	}
	return rec, true, nil
}

// Save records rec in its tree's note, in place of the records of the same command: this
// host's verify is the latest it knows of (see Lookup). Lines of the note that are not valid
// records are dropped: they were never trusted, and keeping them would warn on every lookup.
func (c *Cache) Save(ctx context.Context, rec Record) error {
	rec.V = noteVersion
	if len(rec.Tail) > maxTail {
		rec.Tail = "…" + rec.Tail[len(rec.Tail)-maxTail:]
	}
	line, err := marshalLine(rec)
	if err != nil {
		return err
	}
	var written string
	err = c.Repo.UpdateNote(ctx, NotesRef, rec.Tree, func(old string) string {
		recs, _ := parseNote(rec.Tree, old)
		var b strings.Builder
		for _, r := range recs {
			if r.Command == rec.Command {
				continue // replaced
			}
			if l, err := marshalLine(r); err == nil {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
		b.WriteString(line)
		// Sorted lines, as cat_sort_uniq leaves them: two machines' notes then merge cleanly.
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		slices.Sort(lines)
		written = strings.Join(slices.Compact(lines), "\n") + "\n"
		return written
	})
	if err != nil {
		return fmt.Errorf("record the verify of tree %.12s in %s: %w", rec.Tree, NotesRef, err)
	}
	c.mu.Lock()
	if c.notes != nil {
		c.notes[rec.Tree] = written
	}
	c.mu.Unlock()
	return nil
}

// marshalLine is rec as one line of JSON, with the command's && left readable.
func marshalLine(rec Record) (string, error) {
	var b strings.Builder
	if err := jsonstrict.Encode(&b, rec, false); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), "\n"), nil
}
