package rpsource

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/release"
)

// StreamVar is the variable in pkg/util/version/const.go that names the default install stream.
const StreamVar = "DefaultInstallStream"

// ErrNoStream is returned when const.go declares no DefaultInstallStream variable.
var ErrNoStream = errors.New("no " + StreamVar + " variable")

// Stream is an install stream as const.go writes it.
type Stream struct {
	// Version is the NewVersion arguments joined with dots, such as "4.15.35".
	Version  string
	PullSpec string
}

// StreamEdit is the result of SetDefaultInstallStream.
type StreamEdit struct {
	Edit
	Before Stream
}

// streamNodes are the two literals SetDefaultInstallStream rewrites.
type streamNodes struct {
	version  *ast.CallExpr // NewVersion(X, Y, Z)
	pullSpec *ast.BasicLit // "registry/repo@sha256:…"
}

// SetDefaultInstallStream returns src with DefaultInstallStream's Version and PullSpec set to v
// and pullSpec. Only the NewVersion arguments and the PullSpec string literal are replaced;
// `Stream{...}` and `&Stream{...}`, on one line or many, are both understood.
func SetDefaultInstallStream(filename string, src []byte, v release.Patch, pullSpec string) (StreamEdit, error) {
	fset, f, err := parse(filename, src)
	if err != nil {
		return StreamEdit{}, err
	}
	nodes, err := findStream(filename, fset, f)
	if err != nil {
		return StreamEdit{}, err
	}
	before := Stream{Version: versionString(nodes.version)}
	if s, err := strconv.Unquote(nodes.pullSpec.Value); err == nil {
		before.PullSpec = s
	}
	argsFrom, argsTo := nodes.version.Lparen+1, nodes.version.Rparen
	if cs := commentsWithin(f, argsFrom, argsTo); len(cs) > 0 {
		return StreamEdit{}, fmt.Errorf("%s: %s.Version has a comment inside NewVersion(...): %w", filename, StreamVar, ErrUnsupportedShape)
	}
	edits := []splice{
		{offset(fset, argsFrom), offset(fset, argsTo), fmt.Sprintf("%d, %d, %d", v.Major, v.Minor.Minor, v.Patch)},
		{offset(fset, nodes.pullSpec.Pos()), offset(fset, nodes.pullSpec.End()), strconv.Quote(pullSpec)},
	}
	// Leave the bytes alone when they already say this (even if spelled differently).
	if before.Version == v.String() {
		edits = edits[1:]
	}
	if before.PullSpec == pullSpec {
		edits = edits[:len(edits)-1]
	}
	e, err := apply(filename, src, edits)
	if err != nil {
		return StreamEdit{}, err
	}
	return StreamEdit{Edit: e, Before: before}, nil
}

// ReadDefaultInstallStream returns DefaultInstallStream as src declares it.
func ReadDefaultInstallStream(filename string, src []byte) (Stream, error) {
	fset, f, err := parse(filename, src)
	if err != nil {
		return Stream{}, err
	}
	nodes, err := findStream(filename, fset, f)
	if err != nil {
		return Stream{}, err
	}
	s := Stream{Version: versionString(nodes.version)}
	s.PullSpec, _ = strconv.Unquote(nodes.pullSpec.Value)
	return s, nil
}

func findStream(filename string, fset *token.FileSet, f *ast.File) (streamNodes, error) {
	var value ast.Expr
	var spec *ast.ValueSpec
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name == StreamVar {
					spec = vs
					if i < len(vs.Values) {
						value = vs.Values[i]
					}
				}
			}
		}
	}
	where := func(n ast.Node) string { return fmt.Sprintf("%s:%d", filename, fset.Position(n.Pos()).Line) }
	if spec == nil {
		return streamNodes{}, fmt.Errorf("%s: %w", filename, ErrNoStream)
	}
	if value == nil {
		return streamNodes{}, fmt.Errorf("%s: %s has no value: %w", where(spec), StreamVar, ErrUnsupportedShape)
	}
	if u, ok := value.(*ast.UnaryExpr); ok && u.Op == token.AND {
		value = u.X
	}
	lit, ok := value.(*ast.CompositeLit)
	if !ok || !isName(lit.Type, "Stream") {
		return streamNodes{}, fmt.Errorf("%s: %s is not a Stream{...} or &Stream{...} literal: %w", where(value), StreamVar, ErrUnsupportedShape)
	}
	var nodes streamNodes
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return streamNodes{}, fmt.Errorf("%s: %s has an unkeyed field: %w", where(el), StreamVar, ErrUnsupportedShape)
		}
		key, _ := kv.Key.(*ast.Ident)
		switch {
		case key == nil:
		case key.Name == "Version":
			call, ok := kv.Value.(*ast.CallExpr)
			if !ok || !isName(call.Fun, "NewVersion") || call.Ellipsis.IsValid() {
				return streamNodes{}, fmt.Errorf("%s: %s.Version is not a NewVersion(X, Y, Z) call: %w", where(kv), StreamVar, ErrUnsupportedShape)
			}
			nodes.version = call
		case key.Name == "PullSpec":
			bl, ok := kv.Value.(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING {
				return streamNodes{}, fmt.Errorf("%s: %s.PullSpec is not a string literal: %w", where(kv), StreamVar, ErrUnsupportedShape)
			}
			nodes.pullSpec = bl
		}
	}
	if nodes.version == nil || nodes.pullSpec == nil {
		return streamNodes{}, fmt.Errorf("%s: %s lacks a Version or PullSpec field: %w", where(lit), StreamVar, ErrUnsupportedShape)
	}
	return nodes, nil
}

// isName reports whether e is the identifier name, or pkg.name.
func isName(e ast.Expr, name string) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == name
	case *ast.SelectorExpr:
		return e.Sel.Name == name
	}
	return false
}

// versionString joins NewVersion's integer arguments with dots; "" when they are not literals.
func versionString(call *ast.CallExpr) string {
	parts := make([]string, 0, len(call.Args))
	for _, a := range call.Args {
		bl, ok := a.(*ast.BasicLit)
		if !ok || bl.Kind != token.INT {
			return ""
		}
		parts = append(parts, bl.Value)
	}
	return strings.Join(parts, ".")
}
