// Package rpsource edits ARO-RP's Go sources with the smallest byte splices that do the job.
//
// Each edit parses the file with go/parser, finds the node to change by its go/ast position,
// and replaces only that node's bytes, the way an analysis TextEdit does: comments, layout and
// every other byte stay as they were, and the result is gofmt-clean when the input was.
package rpsource

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

var (
	// ErrGenerated is returned for a file that says it is generated: it is not ours to edit.
	ErrGenerated = errors.New("file is generated")
	// ErrUnsupportedShape is returned when the node to edit is not written in a form the edit
	// can change without reprinting code around it.
	ErrUnsupportedShape = errors.New("unsupported source shape")
)

// ParseError is returned when a file does not parse as Go.
type ParseError struct {
	File string
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("cannot parse %s: %v", e.File, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// Edit is the result of an edit: the new source and whether it differs from the old one.
type Edit struct {
	Old, New []byte
	// Reformatted is false when the input was not gofmt-clean: the splice was then left
	// unformatted rather than reformat lines the edit did not touch.
	Reformatted bool
}

// Changed reports whether the edit changes the file.
func (e Edit) Changed() bool { return !bytes.Equal(e.Old, e.New) }

// Diff is a unified diff of the edit, labelled with the file name; empty when nothing changed.
func (e Edit) Diff(name string) string {
	if !e.Changed() {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        diffLines(e.Old),
		B:        diffLines(e.New),
		FromFile: "a/" + name,
		ToFile:   "b/" + name,
		Context:  3,
	})
	if err != nil {
		return "" // writes to a strings.Builder do not fail
	}
	return d
}

// diffLines splits b into lines that each end in a newline, as the diff writer needs.
func diffLines(b []byte) []string {
	ls := strings.SplitAfter(string(b), "\n")
	if ls[len(ls)-1] == "" {
		return ls[:len(ls)-1]
	}
	ls[len(ls)-1] += "\n" // gofmt'd files end in one; a file that does not gets one in the diff
	return ls
}

// splice is one replacement of src[start:end), byte offsets, the shape of an analysis TextEdit.
type splice struct {
	start, end int
	text       string
}

// applySplices applies non-overlapping splices, in any order.
func applySplices(src []byte, sp []splice) ([]byte, error) {
	sp = slices.Clone(sp)
	slices.SortStableFunc(sp, func(a, b splice) int { return a.start - b.start })
	var out []byte
	at := 0
	for _, s := range sp {
		if s.start < at || s.end < s.start || s.end > len(src) {
			return nil, fmt.Errorf("overlapping or out-of-range splice [%d, %d)", s.start, s.end)
		}
		out = append(append(out, src[at:s.start]...), s.text...)
		at = s.end
	}
	return append(out, src[at:]...), nil
}

func parse(filename string, src []byte) (*token.FileSet, *ast.File, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, &ParseError{File: filename, Err: err}
	}
	if ast.IsGenerated(f) {
		return nil, nil, fmt.Errorf("%s: %w", filename, ErrGenerated)
	}
	return fset, f, nil
}

// apply splices the edits into src and gofmts the result when src was gofmt-clean, so that the
// only formatting changes are those the splice calls for (such as realigned map values). A file
// with CRLF line endings (a checkout with core.autocrlf) is judged and formatted as LF, and
// every line of the result, inserted ones too, ends in CRLF again.
func apply(filename string, src []byte, edits []splice) (Edit, error) {
	out, err := applySplices(src, edits)
	if err != nil {
		return Edit{}, fmt.Errorf("splice %s: %w", filename, err)
	}
	crlf := isCRLF(src)
	lf, outLF := src, out
	if crlf {
		lf, outLF = toLF(src), toLF(out)
	}
	res := Edit{Old: src, New: out}
	if clean, err := format.Source(lf); err == nil && bytes.Equal(clean, lf) {
		formatted, err := format.Source(outLF)
		if err != nil {
			return Edit{}, fmt.Errorf("edited %s does not format (a bug in the edit): %w", filename, err)
		}
		res.New, res.Reformatted = formatted, true
	} else if _, _, err := parse(filename, out); err != nil {
		return Edit{}, fmt.Errorf("edited %s does not parse (a bug in the edit): %w", filename, err)
	} else if crlf {
		res.New = outLF
	}
	if crlf {
		res.New = bytes.ReplaceAll(res.New, []byte("\n"), []byte("\r\n"))
	}
	return res, nil
}

// isCRLF reports whether src's lines end in CRLF: every newline follows a carriage return.
func isCRLF(src []byte) bool {
	n := bytes.Count(src, []byte("\n"))
	return n > 0 && bytes.Count(src, []byte("\r\n")) == n
}

func toLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// offset is the byte offset of pos in the file.
func offset(fset *token.FileSet, pos token.Pos) int { return fset.Position(pos).Offset }

// commentsWithin returns the comment groups that lie inside [from, to).
func commentsWithin(f *ast.File, from, to token.Pos) []*ast.CommentGroup {
	var in []*ast.CommentGroup
	for _, cg := range f.Comments {
		if cg.Pos() >= from && cg.End() <= to {
			in = append(in, cg)
		}
	}
	return in
}
