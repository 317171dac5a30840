package git

import (
	"context"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/hash"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Notes read through the object reader (batch.go) instead of `git notes show` (which starts
// `git show` for the blob: two processes a note) and `git notes list` with `git cat-file
// --batch`. A notes ref is a commit whose tree names each note blob by the object it annotates,
// under fan-out directories of two hex digits each once the tree grows (`ab/cdef…`,
// `ab/cd/ef…`); the reads below walk that tree as git's notes.c loads it. What git would answer
// otherwise than a plain note — a ref that is no tree, an object that does not resolve, an
// entry it would not read, two notes for one object (which git concatenates into a new blob) —
// is errNoBatch, and the caller asks git notes as before. The reader reads the notes ref from
// its file on every request, so a note that `git notes add` just wrote is seen.
// TestNotesReaderMatchesGit compares both answers.

// notesTree is the tree of the notes ref through the reader; ok is false when the ref does not
// exist (git notes reads no notes then).
func (r *Repo) notesTree(ctx context.Context, ref string) (tree plumbing.Hash, ok bool, err error) {
	tree, ok, err = r.peel(ctx, ref, "tree")
	if err != nil || ok {
		return tree, ok, err
	}
	// No tree: with no ref at all there are no notes; a ref to a blob is git's to report.
	a, err := r.batchRead(ctx, "info", ref)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	if a.Found() {
		return plumbing.ZeroHash, false, errNoBatch
	}
	return plumbing.ZeroHash, false, nil
}

// noteObject is the object git notes would look object's note up for, as 40 lowercase hex
// digits: a full hash as it is (git takes it without looking for the object), any other
// revision resolved by the reader. errNoBatch when the reader does not find it (git notes says
// why).
func (r *Repo) noteObject(ctx context.Context, object string) (string, error) {
	if len(object) == hash.HexSize && isHex(object) {
		return strings.ToLower(object), nil
	}
	a, err := r.batchRead(ctx, "info", object)
	if err != nil {
		return "", err
	}
	if !a.Found() {
		return "", errNoBatch
	}
	return a.Hash.String(), nil
}

// readNote is ShowNote through the reader.
func (r *Repo) readNote(ctx context.Context, ref, object string) (string, bool, error) {
	// git notes show resolves the object first, and fails on one it cannot, notes or none.
	oid, err := r.noteObject(ctx, object)
	if err != nil {
		return "", false, err
	}
	tree, ok, err := r.notesTree(ctx, ref)
	if err != nil || !ok {
		return "", false, err
	}
	var blobs []plumbing.Hash
	level := []plumbing.Hash{tree}
	for depth := 0; len(level) > 0 && 2*depth < len(oid); depth++ {
		rest := oid[2*depth:]
		var next []plumbing.Hash
		for _, t := range level {
			entries, err := r.readNotesTree(ctx, t)
			if err != nil {
				return "", false, err
			}
			for _, e := range entries {
				switch notesKind(e, len(rest)) {
				case noteEntry:
					if strings.EqualFold(e.Name, rest) {
						blobs = append(blobs, e.Hash)
					}
				case fanoutEntry:
					if strings.EqualFold(e.Name, rest[:2]) {
						next = append(next, e.Hash)
					}
				}
			}
		}
		level = next
	}
	switch len(blobs) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, errNoBatch
	}
	a, err := r.batchRead(ctx, "contents", blobs[0].String())
	if err != nil {
		return "", false, err
	}
	if !a.Found() || a.Type != "blob" {
		return "", false, errNoBatch
	}
	return string(a.Content), true, nil
}

// readNotes is Notes through the reader.
func (r *Repo) readNotes(ctx context.Context, ref string) (map[string]string, error) {
	tree, ok, err := r.notesTree(ctx, ref)
	if err != nil {
		return nil, err
	}
	notes := map[string]string{}
	if !ok {
		return notes, nil
	}
	blobs := map[string]plumbing.Hash{}
	if err := r.walkNotes(ctx, tree, "", blobs); err != nil {
		return nil, err
	}
	for object, blob := range blobs {
		a, err := r.batchRead(ctx, "contents", blob.String())
		if err != nil {
			return nil, err
		}
		if !a.Found() || a.Type != "blob" {
			return nil, errNoBatch
		}
		notes[object] = string(a.Content)
	}
	return notes, nil
}

// walkNotes adds the notes of tree, whose path spells the hex digits prefix, to blobs.
func (r *Repo) walkNotes(ctx context.Context, tree plumbing.Hash, prefix string, blobs map[string]plumbing.Hash) error {
	entries, err := r.readNotesTree(ctx, tree)
	if err != nil {
		return err
	}
	rest := hash.HexSize - len(prefix)
	for _, e := range entries {
		switch notesKind(e, rest) {
		case noteEntry:
			annotated := prefix + strings.ToLower(e.Name)
			if _, dup := blobs[annotated]; dup {
				return errNoBatch
			}
			blobs[annotated] = e.Hash
		case fanoutEntry:
			if err := r.walkNotes(ctx, e.Hash, prefix+strings.ToLower(e.Name), blobs); err != nil {
				return err
			}
		}
	}
	return nil
}

type notesEntryKind int

const (
	otherEntry notesEntryKind = iota
	noteEntry
	fanoutEntry
)

// notesKind is what git's notes.c (load_subtree) makes of e where rest hex digits of an object id
// are left to spell: a note is a file named by all of them, a fan-out directory is a tree named
// by the next two; anything else is no note. Hex digits are read in either case.
func notesKind(e object.TreeEntry, rest int) notesEntryKind {
	const typeMask, regular, dir = 0o170000, 0o100000, 0o040000
	switch {
	case len(e.Name) == rest:
		if e.Mode&typeMask == regular && isHex(e.Name) {
			return noteEntry
		}
	case len(e.Name) == 2:
		if e.Mode&typeMask == dir && isHex(e.Name) {
			return fanoutEntry
		}
	}
	return otherEntry
}

// readNotesTree reads the tree h through the reader; errNoBatch when it is not a tree git could
// read (git notes says what is wrong).
func (r *Repo) readNotesTree(ctx context.Context, h plumbing.Hash) ([]object.TreeEntry, error) {
	a, err := r.batchRead(ctx, "contents", h.String())
	if err != nil {
		return nil, err
	}
	if !a.Found() || a.Type != "tree" {
		return nil, errNoBatch
	}
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.TreeObject)
	if _, err := o.Write(a.Content); err != nil {
		return nil, err
	}
	t := &object.Tree{}
	if err := t.Decode(o); err != nil {
		return nil, errNoBatch
	}
	return t.Entries, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
