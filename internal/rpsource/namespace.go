package rpsource

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// NamespaceFunc is the function in pkg/util/namespace/namespace.go whose map literal lists the
// OpenShift namespaces.
const NamespaceFunc = "IsOpenShiftNamespace"

var (
	// ErrNoNamespaceMap is returned when namespace.go has no IsOpenShiftNamespace with a
	// map[string]... literal inside.
	ErrNoNamespaceMap = errors.New("no map[string]struct{} literal in " + NamespaceFunc)
	// ErrNoOCPGroup is returned when the map has comment groups but none for OCP namespaces.
	ErrNoOCPGroup = errors.New(`no "OCP namespaces" comment group in the namespace map`)
	// ErrInvalidNamespace is returned for a name that is not a Kubernetes namespace name.
	ErrInvalidNamespace = errors.New("invalid namespace name")
)

// A namespace name is a DNS-1123 label; refusing anything else also keeps arbitrary text out of
// the Go source.
var namespaceRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`) })

var ocpRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bOCP\b`) })

// ValidNamespace reports whether name is a valid Kubernetes namespace name.
func ValidNamespace(name string) bool { return namespaceRE().MatchString(name) }

// NamespaceEdit is the result of AddNamespaces.
type NamespaceEdit struct {
	Edit
	// Added are the names the edit inserts, sorted; Present are those already in the map.
	Added, Present []string
	// Group is the OCP group as it was before the edit, in source order.
	Group []string
}

// Namespaces returns the string keys of IsOpenShiftNamespace's map literal, in source order.
func Namespaces(filename string, src []byte) ([]string, error) {
	_, f, err := parse(filename, src)
	if err != nil {
		return nil, err
	}
	lit, err := findNamespaceMap(filename, f)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, el := range lit.Elts {
		if k, ok := stringKey(el); ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// AddNamespaces returns src with the names missing from IsOpenShiftNamespace's map added to its
// "OCP namespaces" group, each in sorted position on a line of its own. Existing entries are
// never deleted or reordered; the only other bytes that change are the alignment gofmt gives the
// group.
func AddNamespaces(filename string, src []byte, names []string) (NamespaceEdit, error) {
	for _, n := range names {
		if !ValidNamespace(n) {
			return NamespaceEdit{}, fmt.Errorf("%w %q: want a DNS-1123 label such as openshift-example", ErrInvalidNamespace, n)
		}
	}
	fset, f, err := parse(filename, src)
	if err != nil {
		return NamespaceEdit{}, err
	}
	lit, err := findNamespaceMap(filename, f)
	if err != nil {
		return NamespaceEdit{}, err
	}
	existing := map[string]bool{}
	var before []string
	for _, el := range lit.Elts {
		if k, ok := stringKey(el); ok {
			existing[k] = true
			before = append(before, k)
		}
	}
	var res NamespaceEdit
	want := slices.Clone(names)
	slices.Sort(want)
	want = slices.Compact(want)
	for _, n := range want {
		if existing[n] {
			res.Present = append(res.Present, n)
		} else {
			res.Added = append(res.Added, n)
		}
	}
	g, err := ocpGroup(filename, fset, f, lit)
	if err == nil {
		for _, kv := range g.elts {
			if k, ok := stringKey(kv); ok {
				res.Group = append(res.Group, k)
			}
		}
	}
	if len(res.Added) == 0 {
		// Nothing to insert: a map without an OCP group is no obstacle.
		res.Edit = Edit{Old: src, New: src}
		return res, nil
	}
	if err != nil {
		return NamespaceEdit{}, err
	}
	edits, err := g.inserts(filename, fset, f, src, res.Added)
	if err != nil {
		return NamespaceEdit{}, err
	}
	e, err := apply(filename, src, edits)
	if err != nil {
		return NamespaceEdit{}, err
	}
	// The promise is "added, never deleted or reordered": check it on the result.
	after, err := Namespaces(filename, e.New)
	if err != nil {
		return NamespaceEdit{}, err
	}
	if !isSubsequence(before, after) || len(after) != len(before)+len(res.Added) {
		return NamespaceEdit{}, fmt.Errorf("edit of %s would change existing entries (a bug in the edit); file left alone", filename)
	}
	res.Edit = e
	return res, nil
}

func findNamespaceMap(filename string, f *ast.File) (*ast.CompositeLit, error) {
	var lit *ast.CompositeLit
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Name.Name != NamespaceFunc || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if lit != nil {
				return false
			}
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if mt, ok := cl.Type.(*ast.MapType); ok && isName(mt.Key, "string") {
				lit = cl
				return false
			}
			return true
		})
	}
	if lit == nil {
		return nil, fmt.Errorf("%s: %w", filename, ErrNoNamespaceMap)
	}
	return lit, nil
}

func stringKey(el ast.Expr) (string, bool) {
	kv, ok := el.(*ast.KeyValueExpr)
	if !ok {
		return "", false
	}
	bl, ok := kv.Key.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// group is the run of map entries under one header comment (or the whole map when it has none).
type group struct {
	header *ast.CommentGroup // nil when the map has no header comments
	elts   []*ast.KeyValueExpr
	lit    *ast.CompositeLit
}

// ocpGroup finds the group whose header comment mentions OCP. A header is a comment on lines of
// its own that opens the map or follows a blank line; a comment right above an entry, with no
// blank line before it, belongs to that entry, and one after an entry on its line to that entry.
func ocpGroup(filename string, fset *token.FileSet, f *ast.File, lit *ast.CompositeLit) (group, error) {
	line := func(p token.Pos) int { return fset.Position(p).Line }
	var headers []*ast.CommentGroup
	for _, cg := range commentsWithin(f, lit.Lbrace, lit.Rbrace) {
		prevLine := line(lit.Lbrace)
		for _, el := range lit.Elts {
			if el.End() <= cg.Pos() {
				prevLine = line(el.End())
			}
		}
		if l := line(cg.Pos()); l > prevLine && (prevLine == line(lit.Lbrace) || l > prevLine+1) {
			headers = append(headers, cg)
		}
	}
	g := group{lit: lit}
	var next token.Pos = lit.Rbrace
	for i, h := range headers {
		if ocpRE().MatchString(h.Text()) {
			g.header = h
			if i+1 < len(headers) {
				next = headers[i+1].Pos()
			}
			break
		}
	}
	if g.header == nil && len(headers) > 0 {
		var seen []string
		for _, h := range headers {
			seen = append(seen, strings.TrimSpace(h.Text()))
		}
		return group{}, fmt.Errorf("%s: %w (groups: %q)", filename, ErrNoOCPGroup, seen)
	}
	var start token.Pos = lit.Lbrace
	if g.header != nil {
		start = g.header.End()
	}
	for _, el := range lit.Elts {
		if el.Pos() > start && el.End() <= next {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				return group{}, fmt.Errorf("%s:%d: map entry is not key: value: %w", filename, line(el.Pos()), ErrUnsupportedShape)
			}
			g.elts = append(g.elts, kv)
		}
	}
	return g, nil
}

// inserts returns one splice per insertion point: each new entry goes on its own line before the
// first entry of the group that sorts after it (above that entry's own comment, if it has one), or
// after the group's last entry.
func (g group) inserts(filename string, fset *token.FileSet, f *ast.File, src []byte, added []string) ([]splice, error) {
	line := func(p token.Pos) int { return fset.Position(p).Line }
	lineStart := func(off int) int { return bytes.LastIndexByte(src[:off], '\n') + 1 }
	lineEnd := func(off int) int {
		if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
			return off + i + 1
		}
		return len(src)
	}
	indentAt := func(off int) string {
		ls := lineStart(off)
		return string(src[ls:off])
	}
	ownLine := func(p token.Pos) bool {
		off := offset(fset, p)
		return strings.TrimLeft(indentAt(off), " \t") == ""
	}
	value := "{}"
	if len(g.lit.Elts) > 0 {
		if kv, ok := g.lit.Elts[0].(*ast.KeyValueExpr); ok {
			value = string(src[offset(fset, kv.Value.Pos()):offset(fset, kv.Value.End())])
		}
	}
	type point struct {
		off    int
		indent string
	}
	at := map[int]*splice{}
	var order []int
	for _, name := range added {
		var p point
		i := slices.IndexFunc(g.elts, func(kv *ast.KeyValueExpr) bool {
			k, ok := stringKey(kv)
			return ok && k > name
		})
		switch {
		case i >= 0:
			el := g.elts[i]
			if !ownLine(el.Pos()) {
				return nil, fmt.Errorf("%s:%d: map entry does not start its own line: %w", filename, line(el.Pos()), ErrUnsupportedShape)
			}
			pos := el.Pos()
			// Keep an entry's own comment above it with it.
			for _, cg := range f.Comments {
				if cg != g.header && line(cg.End()) == line(pos)-1 && ownLine(cg.Pos()) && cg.Pos() > g.lit.Lbrace {
					pos = cg.Pos()
				}
			}
			off := offset(fset, pos)
			p = point{off: lineStart(off), indent: indentAt(offset(fset, el.Pos()))}
		case len(g.elts) > 0:
			last := g.elts[len(g.elts)-1]
			if line(last.End()) == line(g.lit.Rbrace) {
				return nil, fmt.Errorf("%s:%d: map closes on the line of its last entry: %w", filename, line(last.End()), ErrUnsupportedShape)
			}
			p = point{off: lineEnd(offset(fset, last.End())), indent: indentAt(offset(fset, last.Pos()))}
		case g.header != nil:
			p = point{off: lineEnd(offset(fset, g.header.End())), indent: indentAt(offset(fset, g.header.Pos()))}
		default:
			if line(g.lit.Lbrace) == line(g.lit.Rbrace) {
				return nil, fmt.Errorf("%s:%d: empty map on one line: %w", filename, line(g.lit.Lbrace), ErrUnsupportedShape)
			}
			p = point{off: lineEnd(offset(fset, g.lit.Lbrace)), indent: indentAt(offset(fset, g.lit.Rbrace)) + "\t"}
		}
		text := fmt.Sprintf("%s%s: %s,\n", p.indent, strconv.Quote(name), value)
		if e, ok := at[p.off]; ok {
			e.text += text // names come sorted, so appending keeps the order
			continue
		}
		at[p.off] = &splice{p.off, p.off, text}
		order = append(order, p.off)
	}
	edits := make([]splice, 0, len(order))
	for _, off := range order {
		edits = append(edits, *at[off])
	}
	return edits, nil
}

// isSubsequence reports whether a appears in b in order.
func isSubsequence(a, b []string) bool {
	i := 0
	for _, s := range b {
		if i < len(a) && a[i] == s {
			i++
		}
	}
	return i == len(a)
}
