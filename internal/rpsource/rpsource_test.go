package rpsource

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/release"
)

const newPullSpec = "quay.io/openshift-release-dev/ocp-release@sha256:aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999"

// goBuild compiles the fixture module with the real go command, offline.
func goBuild(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in fixture: %v\n%s", err, out)
	}
}

func writeFixture(t *testing.T, o example.RPOptions) string {
	t.Helper()
	dir := t.TempDir()
	if err := example.RP(dir, o); err != nil {
		t.Fatal(err)
	}
	return dir
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// changedLines returns the lines of a and b that differ, for files with the same line count.
func changedLines(t *testing.T, a, b []byte) (old, new []string) {
	t.Helper()
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(al) != len(bl) {
		t.Fatalf("line count changed: %d → %d", len(al), len(bl))
	}
	for i := range al {
		if al[i] != bl[i] {
			old, new = append(old, al[i]), append(new, bl[i])
		}
	}
	return old, new
}

func mustGofmtClean(t *testing.T, src []byte) {
	t.Helper()
	f, err := format.Source(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f, src) {
		t.Errorf("result is not gofmt-clean")
	}
}

func TestSetDefaultInstallStreamBothShapes(t *testing.T) {
	for _, pointer := range []bool{false, true} {
		name := "Stream"
		if pointer {
			name = "&Stream"
		}
		t.Run(name, func(t *testing.T) {
			dir := writeFixture(t, example.RPOptions{Pointer: pointer})
			goBuild(t, dir)
			path := filepath.Join(dir, example.RPConstPath)
			src := read(t, path)

			e, err := SetDefaultInstallStream(example.RPConstPath, src, release.Patch{Minor: release.Minor{Major: 4, Minor: 16}, Patch: 3}, newPullSpec)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Changed() || !e.Reformatted {
				t.Fatalf("changed=%v reformatted=%v, want both", e.Changed(), e.Reformatted)
			}
			if e.Before.Version != "4.15.35" || e.Before.PullSpec != example.RPDefaultPullSpec {
				t.Errorf("before = %+v", e.Before)
			}
			old, new := changedLines(t, src, e.New)
			wantNew := []string{
				"\tVersion:  NewVersion(4, 16, 3),",
				"\tPullSpec: \"" + newPullSpec + "\", // keep in sync with the hive stream below",
			}
			if strings.Join(new, "\n") != strings.Join(wantNew, "\n") {
				t.Errorf("changed lines:\n%s\nwant:\n%s\n(old: %q)", strings.Join(new, "\n"), strings.Join(wantNew, "\n"), old)
			}
			// The hive stream carries the old digest too and must not be touched.
			if !bytes.Contains(e.New, []byte("NewVersion(4, 15, 35),\n\t\t\tPullSpec: \""+example.RPDefaultPullSpec)) {
				t.Errorf("HiveInstallStreams changed")
			}
			mustGofmtClean(t, e.New)
			if d := e.Diff(example.RPConstPath); !strings.Contains(d, "-\tVersion:  NewVersion(4, 15, 35),") || !strings.Contains(d, "+\tVersion:  NewVersion(4, 16, 3),") {
				t.Errorf("diff:\n%s", d)
			}
			if err := os.WriteFile(path, e.New, 0o644); err != nil {
				t.Fatal(err)
			}
			goBuild(t, dir)

			got, err := ReadDefaultInstallStream(path, e.New)
			if err != nil || got.Version != "4.16.3" || got.PullSpec != newPullSpec {
				t.Errorf("read back %+v, %v", got, err)
			}
			// Again: nothing to do.
			again, err := SetDefaultInstallStream(path, e.New, release.Patch{Minor: release.Minor{Major: 4, Minor: 16}, Patch: 3}, newPullSpec)
			if err != nil || again.Changed() || again.Diff("x") != "" {
				t.Errorf("second run changed=%v err=%v", again.Changed(), err)
			}
		})
	}
}

func TestSetDefaultInstallStreamOneLine(t *testing.T) {
	src := []byte(`package version

// DefaultInstallStream is the default.
var DefaultInstallStream = Stream{Version: NewVersion(4, 19, 24), PullSpec: "quay.io/openshift-release-dev/ocp-release@sha256:0000000000000000000000000000000000000000000000000000000000000000"} // current

type Stream struct {
	Version  [3]int
	PullSpec string
}

func NewVersion(v ...int) (r [3]int) { copy(r[:], v); return }
`)
	e, err := SetDefaultInstallStream("const.go", src, release.Patch{Minor: release.Minor{Major: 4, Minor: 20}, Patch: 1}, newPullSpec)
	if err != nil {
		t.Fatal(err)
	}
	_, new := changedLines(t, src, e.New)
	want := `var DefaultInstallStream = Stream{Version: NewVersion(4, 20, 1), PullSpec: "` + newPullSpec + `"} // current`
	if len(new) != 1 || new[0] != want {
		t.Errorf("changed %q\nwant %q", new, want)
	}
}

func TestSetDefaultInstallStreamOnlyPullSpec(t *testing.T) {
	dir := writeFixture(t, example.RPOptions{})
	src := read(t, filepath.Join(dir, example.RPConstPath))
	e, err := SetDefaultInstallStream("const.go", src, release.Patch{Minor: release.Minor{Major: 4, Minor: 15}, Patch: 35}, newPullSpec)
	if err != nil {
		t.Fatal(err)
	}
	old, new := changedLines(t, src, e.New)
	if len(new) != 1 || !strings.Contains(new[0], newPullSpec) || !strings.Contains(old[0], example.RPDefaultPullSpec) {
		t.Errorf("changed %q", new)
	}
}

func TestSetDefaultInstallStreamRefuses(t *testing.T) {
	v := release.Patch{Minor: release.Minor{Major: 4, Minor: 16}, Patch: 3}
	for _, tc := range []struct {
		name string
		src  string
		want error
	}{
		{"no variable", "package version\n\nvar InstallStream = Stream{}\n", ErrNoStream},
		{"generated", "// Code generated by hand. DO NOT EDIT.\n\npackage version\n\nvar DefaultInstallStream = Stream{Version: NewVersion(4, 1, 1), PullSpec: \"x\"}\n", ErrGenerated},
		{"not a literal", "package version\n\nvar DefaultInstallStream = streams[0]\n", ErrUnsupportedShape},
		{"version not a call", "package version\n\nvar DefaultInstallStream = Stream{Version: v4161, PullSpec: \"x\"}\n", ErrUnsupportedShape},
		{"pull spec not a literal", "package version\n\nvar DefaultInstallStream = Stream{Version: NewVersion(4, 1, 1), PullSpec: spec}\n", ErrUnsupportedShape},
		{"no pull spec", "package version\n\nvar DefaultInstallStream = Stream{Version: NewVersion(4, 1, 1)}\n", ErrUnsupportedShape},
		{"comment in args", "package version\n\nvar DefaultInstallStream = Stream{Version: NewVersion(4, /* y */ 1, 1), PullSpec: \"x\"}\n", ErrUnsupportedShape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SetDefaultInstallStream("const.go", []byte(tc.src), v, newPullSpec)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	_, err := SetDefaultInstallStream("const.go", []byte("package version\n\nvar DefaultInstallStream = Stream{\n"), v, newPullSpec)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "cannot parse const.go") {
		t.Fatalf("err = %v, want a ParseError", err)
	}
}

func TestAddNamespaces(t *testing.T) {
	dir := writeFixture(t, example.RPOptions{})
	goBuild(t, dir)
	path := filepath.Join(dir, example.RPNamespacePath)
	src := read(t, path)
	before, err := Namespaces(path, src)
	if err != nil {
		t.Fatal(err)
	}

	added := []string{
		"openshift-network-node-identity",
		"openshift-cluster-olm-operator",
		"openshift-a-very-long-namespace-name-that-realigns-the-group", // longer than any: realigns
		"openshift-zz-last",
		"openshift-azure-operator", // in the ARO group already
		"openshift-etcd",           // in the OCP group already
		"openshift-cluster-olm-operator",
	}
	e, err := AddNamespaces(path, src, added)
	if err != nil {
		t.Fatal(err)
	}
	wantAdded := []string{"openshift-a-very-long-namespace-name-that-realigns-the-group", "openshift-cluster-olm-operator", "openshift-network-node-identity", "openshift-zz-last"}
	if strings.Join(e.Added, ",") != strings.Join(wantAdded, ",") {
		t.Errorf("added %q", e.Added)
	}
	if strings.Join(e.Present, ",") != "openshift-azure-operator,openshift-etcd" {
		t.Errorf("present %q", e.Present)
	}
	if strings.Join(e.Group, ",") != strings.Join(example.RPOCPNamespaces, ",") {
		t.Errorf("group %q", e.Group)
	}
	mustGofmtClean(t, e.New)
	after, err := Namespaces(path, e.New)
	if err != nil {
		t.Fatal(err)
	}
	// The ARO group is untouched and the OCP group is the old one plus the new names, sorted.
	aro := 1 + len(example.RPAROSpecificNamespaces) // "" and the ARO group
	if strings.Join(after[:aro], ",") != strings.Join(before[:aro], ",") {
		t.Errorf("ARO group changed: %q", after[:aro])
	}
	ocp := after[aro:]
	wantOCP := append(append([]string{}, example.RPOCPNamespaces...), wantAdded...)
	sortStrings(wantOCP)
	if strings.Join(ocp, ",") != strings.Join(wantOCP, ",") {
		t.Errorf("OCP group:\n%q\nwant\n%q", ocp, wantOCP)
	}
	// Every old line survives as itself apart from whitespace (gofmt realigns the values).
	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	newLines := map[string]bool{}
	for _, l := range strings.Split(string(e.New), "\n") {
		newLines[squash(l)] = true
	}
	for _, l := range strings.Split(string(src), "\n") {
		if !newLines[squash(l)] {
			t.Errorf("line lost: %q", l)
		}
	}
	if !bytes.Contains(e.New, []byte("// Namespaces in this map may be added, never deleted")) {
		t.Errorf("comment lost")
	}
	if err := os.WriteFile(path, e.New, 0o644); err != nil {
		t.Fatal(err)
	}
	goBuild(t, dir)

	again, err := AddNamespaces(path, e.New, added)
	if err != nil || again.Changed() || len(again.Added) != 0 {
		t.Errorf("second run: changed=%v added=%q err=%v", again.Changed(), again.Added, err)
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestAddNamespacesKeepsEntryComments(t *testing.T) {
	src := []byte(`package namespace

func IsOpenShiftNamespace(ns string) bool {
	_, ok := map[string]struct{}{
		// ARO specific namespaces
		"openshift-azure-operator": {},

		// OCP namespaces
		"openshift":     {},
		"openshift-dns": {}, // since 4.1
		// added in 4.14, see the release notes
		"openshift-network-node-identity": {},
	}[ns]
	return ok
}
`)
	e, err := AddNamespaces("namespace.go", src, []string{"openshift-ingress", "openshift-apiserver"})
	if err != nil {
		t.Fatal(err)
	}
	want := `		// OCP namespaces
		"openshift":           {},
		"openshift-apiserver": {},
		"openshift-dns":       {}, // since 4.1
		"openshift-ingress":   {},
		// added in 4.14, see the release notes
		"openshift-network-node-identity": {},
	}[ns]`
	if !strings.Contains(string(e.New), want) {
		t.Errorf("got:\n%s", e.New)
	}
	if !strings.Contains(string(e.New), "\t\t// ARO specific namespaces\n\t\t\"openshift-azure-operator\": {},\n\n") {
		t.Errorf("ARO group changed:\n%s", e.New)
	}
}

func TestAddNamespacesWithoutGroups(t *testing.T) {
	src := []byte("package namespace\n\nfunc IsOpenShiftNamespace(ns string) bool {\n\t_, ok := map[string]struct{}{\n\t\t\"b\": {},\n\t}[ns]\n\treturn ok\n}\n")
	e, err := AddNamespaces("namespace.go", src, []string{"c", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(e.New), "\t\t\"a\": {},\n\t\t\"b\": {},\n\t\t\"c\": {},\n\t}[ns]") {
		t.Errorf("got:\n%s", e.New)
	}
}

func TestAddNamespacesRefuses(t *testing.T) {
	dir := writeFixture(t, example.RPOptions{})
	src := read(t, filepath.Join(dir, example.RPNamespacePath))
	if _, err := AddNamespaces("namespace.go", src, []string{`openshift-x": {}, "evil`}); !errors.Is(err, ErrInvalidNamespace) {
		t.Errorf("invalid name: err = %v", err)
	}
	noOCP := bytes.Replace(src, []byte("// OCP namespaces"), []byte("// Platform namespaces"), 1)
	if _, err := AddNamespaces("namespace.go", noOCP, []string{"openshift-new"}); !errors.Is(err, ErrNoOCPGroup) || !strings.Contains(err.Error(), "ARO specific namespaces") {
		t.Errorf("no OCP group: err = %v", err)
	}
	noFunc := bytes.Replace(src, []byte("func IsOpenShiftNamespace("), []byte("func IsOCPNamespace("), 1)
	if _, err := AddNamespaces("namespace.go", noFunc, []string{"openshift-new"}); !errors.Is(err, ErrNoNamespaceMap) {
		t.Errorf("no function: err = %v", err)
	}
	var pe *ParseError
	if _, err := AddNamespaces("namespace.go", src[:len(src)/2], []string{"openshift-new"}); !errors.As(err, &pe) {
		t.Errorf("truncated file: err = %v", err)
	}
}

func TestDiffHunkHeaders(t *testing.T) {
	var a, b []string
	for i := 0; i < 60; i++ {
		a = append(a, fmt.Sprint("line ", i))
		b = append(b, fmt.Sprint("line ", i))
		if i == 10 || i == 50 {
			b = append(b, "new")
		}
	}
	e := Edit{Old: []byte(strings.Join(a, "\n") + "\n"), New: []byte(strings.Join(b, "\n") + "\n")}
	d := e.Diff("f")
	// The second hunk starts one line later in the new file than in the old one.
	if !strings.Contains(d, "@@ -9,6 +9,7 @@\n line 8\n") || !strings.Contains(d, "@@ -49,6 +50,7 @@\n line 48\n") {
		t.Errorf("diff:\n%s", d)
	}
}

// A file that was not gofmt-clean is spliced but not reformatted: lines the edit does not touch
// keep their bytes.
func TestSetDefaultInstallStreamNotGofmtClean(t *testing.T) {
	src := []byte("package version\n\nconst (\n\tA = 1\n\tLonger = 2\n)\n\nvar DefaultInstallStream = Stream{\n\tVersion:  NewVersion(4, 15, 35),\n\tPullSpec: \"x\",\n}\n")
	e, err := SetDefaultInstallStream("const.go", src, release.Patch{Minor: release.Minor{Major: 4, Minor: 16}, Patch: 3}, newPullSpec)
	if err != nil {
		t.Fatal(err)
	}
	if e.Reformatted {
		t.Errorf("reformatted a file that was not gofmt-clean")
	}
	old, new := changedLines(t, src, e.New)
	if len(new) != 2 || !strings.Contains(new[0], "NewVersion(4, 16, 3)") || !strings.Contains(old[1], `"x"`) {
		t.Errorf("changed %q → %q", old, new)
	}
}

// A CRLF file (core.autocrlf) stays CRLF on every line, the inserted ones included.
func TestEditsKeepCRLF(t *testing.T) {
	dir := writeFixture(t, example.RPOptions{})
	crlf := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }
	ns := crlf(read(t, filepath.Join(dir, example.RPNamespacePath)))
	e, err := AddNamespaces("namespace.go", ns, []string{"openshift-zzz-new", "openshift-aaa-new"})
	if err != nil {
		t.Fatal(err)
	}
	c := read(t, filepath.Join(dir, example.RPConstPath))
	se, err := SetDefaultInstallStream("const.go", crlf(c), release.Patch{Minor: release.Minor{Major: 4, Minor: 16}, Patch: 3}, newPullSpec)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]Edit{"namespace.go": e.Edit, "const.go": se.Edit} {
		if !out.Reformatted || !out.Changed() {
			t.Errorf("%s: reformatted=%v changed=%v", name, out.Reformatted, out.Changed())
		}
		if n, m := bytes.Count(out.New, []byte("\n")), bytes.Count(out.New, []byte("\r\n")); n != m {
			t.Errorf("%s: %d of %d lines end in CRLF", name, m, n)
		}
	}
}
