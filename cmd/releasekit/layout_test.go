package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestBinaryShipsNoTestCode: the release binary links no test helpers (issue: product and test
// code apart). The demo's examples are product code; test servers live in _test.go files and
// *test packages.
func TestBinaryShipsNoTestCode(t *testing.T) {
	out, err := func() *exec.Cmd {
		c := exec.Command("go", "list", "-deps", "-tags", "mage", "./magefiles")
		c.Dir = "../.."
		return c
	}().CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" || dep == "net/http/httptest" || strings.HasSuffix(dep, "test") && strings.Contains(dep, "/releasekit/") {
			t.Errorf("the binary links %s", dep)
		}
	}
}

// TestUsageTableMatchesTargets: the table that refuses a mistyped command line before anything
// runs (magefiles/usage.go) says exactly what the targets' signatures say.
func TestUsageTableMatchesTargets(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../../magefiles", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	fromCode := map[string]string{}
	var table *ast.CompositeLit
	for _, pkg := range pkgs {
		for name, f := range pkg.Files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if target, sig, ok := targetOf(d); ok {
						fromCode[target] = sig
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						if vs, ok := s.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "targets" {
							table = vs.Values[0].(*ast.CompositeLit)
						}
					}
				}
			}
		}
	}
	if table == nil {
		t.Fatal("magefiles/usage.go has no targets table")
	}
	fromTable := map[string]string{}
	for _, e := range table.Elts {
		kv := e.(*ast.KeyValueExpr)
		key, _ := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
		var args []string
		var fl []string
		for _, f := range kv.Value.(*ast.CompositeLit).Elts {
			f := f.(*ast.KeyValueExpr)
			switch f.Key.(*ast.Ident).Name {
			case "Args":
				args = append(args, "version")
			case "Flags":
				for _, fe := range f.Value.(*ast.CompositeLit).Elts {
					fe := fe.(*ast.KeyValueExpr)
					n, _ := strconv.Unquote(fe.Key.(*ast.BasicLit).Value)
					kind := strings.ToLower(fe.Value.(*ast.SelectorExpr).Sel.Name)
					fl = append(fl, n+":"+map[string]string{"bool": "bool", "string": "string", "int": "int", "duration": "time.Duration"}[kind])
				}
			}
		}
		fromTable[key] = signature(args, fl)
	}
	for target, sig := range fromCode {
		if fromTable[target] != sig {
			t.Errorf("%s: the table says %q, the target takes %q", target, fromTable[target], sig)
		}
	}
	for target := range fromTable {
		if _, ok := fromCode[target]; !ok {
			t.Errorf("the table lists %s, which is no target", target)
		}
	}
}

// targetOf reads a target's name and signature from its declaration: exported methods of the
// namespace types and exported functions.
func targetOf(d *ast.FuncDecl) (string, string, bool) {
	if !d.Name.IsExported() {
		return "", "", false
	}
	name := strings.ToLower(d.Name.Name)
	if d.Recv != nil {
		recv, ok := d.Recv.List[0].Type.(*ast.Ident)
		if !ok || !unicode.IsUpper(rune(recv.Name[0])) {
			return "", "", false
		}
		name = strings.ToLower(recv.Name) + ":" + name
	}
	var args, fl []string
	for _, p := range d.Type.Params.List {
		typ := types(p.Type)
		for _, n := range p.Names {
			switch {
			case typ == "context.Context":
			case strings.HasPrefix(typ, "*"):
				fl = append(fl, strings.ToLower(n.Name)+":"+typ[1:])
			default:
				args = append(args, "version")
			}
		}
	}
	return name, signature(args, fl), true
}

func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return "*" + types(e.X)
	case *ast.SelectorExpr:
		return types(e.X) + "." + e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

func signature(args, fl []string) string {
	sort.Strings(fl)
	return strings.Join(args, " ") + " | " + strings.Join(fl, " ")
}

// TestUsageErrorsExit1: for every target, a missing argument, an unknown flag and an extra
// argument are usage errors: exit status 1 (2 means "stopped, needs a person"), a message that
// names the problem, and nothing run.
func TestUsageErrorsExit1(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "releasekit")
	compile := exec.Command("go", "tool", "mage", "-compile", bin)
	compile.Dir = "../.."
	if out, err := compile.CombinedOutput(); err != nil {
		t.Fatalf("go tool mage -compile: %v\n%s", err, out)
	}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../../magefiles", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	run := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = empty
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				target, sig, ok := targetOf(fd)
				if !ok {
					continue
				}
				var cases [][]string
				takesVersion := strings.HasPrefix(sig, "version")
				if takesVersion {
					cases = append(cases, []string{target}, []string{target, "4.15", "-nosuchflag"}, []string{target, "4.15", "extra"})
				} else {
					cases = append(cases, []string{target, "-nosuchflag"}, []string{target, "extra"})
				}
				for _, args := range cases {
					code, out := run(args...)
					if code != 1 || !strings.Contains(out, "Error: ") {
						t.Errorf("releasekit %s: exit %d, want 1 with an error\n%s", strings.Join(args, " "), code, out)
					}
				}
			}
		}
	}
	if code, out := run("nosuchtarget"); code != 1 || !strings.Contains(out, `unknown target "nosuchtarget"`) {
		t.Errorf("unknown target: exit %d\n%s", code, out)
	}
	if code, out := run("-w", empty, "fork:status"); code != 1 || !strings.Contains(out, "cd into it") {
		t.Errorf("-w: exit %d\n%s", code, out)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a refused command left files behind: %v", entries)
	}
}

// TestEveryFlagIsDocumented: mage -h shows a flag's trailing comment as what it does; every
// flag of every target has one.
func TestEveryFlagIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../../magefiles", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			cmap := ast.NewCommentMap(fset, f, f.Comments)
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				target, _, ok := targetOf(fd)
				if !ok {
					continue
				}
				for _, p := range fd.Type.Params.List {
					if _, ptr := p.Type.(*ast.StarExpr); ptr && len(cmap[p]) == 0 {
						t.Errorf("%s: flag -%s has no comment (write it after the parameter: it is the flag's help)", target, p.Names[0].Name)
					}
				}
			}
		}
	}
}
