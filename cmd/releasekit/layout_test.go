package main

import (
	"flag"
	"fmt"
	"go/format"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/commands"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

// TestBinaryShipsNoTestCode: the release binary, and the mage door to it, link no test helpers.
// The demo's examples are product code; test servers live in _test.go files and *test packages.
func TestBinaryShipsNoTestCode(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"./cmd/releasekit"}, {"-tags", "mage", "./magefiles"}} {
		cmd := exec.Command("go", append([]string{"list", "-deps"}, args...)...)
		cmd.Dir = "../.."
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %v: %v\n%s", args, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "testing" || dep == "net/http/httptest" || strings.HasSuffix(dep, "test") && strings.Contains(dep, "/releasekit/") {
				t.Errorf("%v links %s", args, dep)
			}
		}
	}
}

// sampleArgs are positional arguments that parse for a target.
func sampleArgs(c *cli.Command) []string {
	var out []string
	for _, a := range c.Args {
		out = append(out, map[string]string{"X.Y": "4.15", "X.Y.Z": "4.16.3"}[a])
	}
	return out
}

// sampleFlag is one flag of c in its --flag form, with a value when it takes one.
func sampleFlag(c *cli.Command) (string, bool) {
	fs, _ := c.FlagSet()
	var arg string
	fs.VisitAll(func(f *flag.Flag) {
		if arg != "" {
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			arg = "--" + f.Name
		} else {
			// A value the flag's type takes: a word, a number or a duration.
			for _, v := range []string{"x", "1", "1s"} {
				if f.Value.Set(v) == nil {
					arg = "--" + f.Name + "=" + v
					break
				}
			}
		}
	})
	return arg, arg != ""
}

// TestFlagsAnywhere: every target takes its flags before or after its arguments, in -flag and
// --flag forms alike.
func TestFlagsAnywhere(t *testing.T) {
	t.Parallel()
	for _, c := range commands.Table.Commands {
		fl, ok := sampleFlag(c)
		if !ok {
			continue
		}
		args := sampleArgs(c)
		for _, line := range [][]string{
			append(append([]string{c.Name}, args...), fl),
			append([]string{c.Name, fl}, args...),
			append(append([]string{c.Name}, args...), strings.TrimPrefix(fl, "-")),
			append([]string{strings.ToLower(c.Name), fl}, args...),
		} {
			got, _, pos, err := commands.Table.Parse(line)
			if err != nil || got != c || !slices.Equal(pos, args) {
				t.Errorf("releasekit %s: %v, positional %q; want it parsed with %q", strings.Join(line, " "), err, pos, args)
			}
		}
	}
}

// TestUsageErrorsExit1: for every target, a missing argument, an unknown flag and an extra
// argument are usage errors: exit status 1 (2 means "stopped, needs a person"), a message that
// names the problem, the target's usage, and nothing run.
func TestUsageErrorsExit1(t *testing.T) {
	t.Parallel()
	bin := releasekitBin(t)
	empty := t.TempDir()
	run := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = empty
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	for _, c := range commands.Table.Commands {
		t.Run(strings.ReplaceAll(c.Name, ":", "_"), func(t *testing.T) {
			t.Parallel()
			args := sampleArgs(c)
			cases := map[string][]string{
				"unknown flag":      append(append([]string{c.Name}, args...), "-nosuchflag"),
				"unknown --flag":    append([]string{c.Name, "--nosuchflag"}, args...),
				"extra argument":    append(append([]string{c.Name}, args...), "extra"),
				"flag needs values": append(append([]string{c.Name}, args...), "-json=maybe"),
			}
			if len(args) > 0 {
				cases["missing argument"] = []string{c.Name}
				if fl, ok := sampleFlag(c); ok {
					cases["flag but no argument"] = []string{c.Name, fl}
				}
			}
			for what, line := range cases {
				code, out := run(line...)
				if code != 1 || !strings.Contains(out, "Error: ") || !strings.Contains(out, "usage: releasekit "+c.Name) {
					t.Errorf("%s: releasekit %s: exit %d, want 1 with the error and the usage\n%s", what, strings.Join(line, " "), code, out)
				}
			}
		})
	}
	if code, out := run("nosuchtarget"); code != 1 || !strings.Contains(out, `unknown target "nosuchtarget"`) {
		t.Errorf("unknown target: exit %d\n%s", code, out)
	}
	if code, out := run("cherrypick", "4.15"); code != 1 || !strings.Contains(out, "did you mean fork:cherryPick?") {
		t.Errorf("a target without its namespace: exit %d\n%s", code, out)
	}
	if code, out := run("-w", empty, "fork:status"); code != 1 || !strings.Contains(out, "cd into it") {
		t.Errorf("-w: exit %d\n%s", code, out)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a refused command left files behind: %v", entries)
	}
}

// TestEveryFlagIsDocumented: help shows each flag's usage; every flag of every target has one,
// and every target a synopsis.
func TestEveryFlagIsDocumented(t *testing.T) {
	t.Parallel()
	for _, c := range commands.Table.Commands {
		if c.Short == "" {
			t.Errorf("%s has no synopsis", c.Name)
		}
		fs, _ := c.FlagSet()
		fs.VisitAll(func(f *flag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s: flag -%s has no usage", c.Name, f.Name)
			}
		})
	}
}

// TestReadmeTargetTable: the README's target table lists every target with exactly the flags
// it takes, so that the two cannot drift.
func TestReadmeTargetTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(b)
	start := strings.Index(section, "\n## Targets\n")
	if start < 0 {
		t.Fatal("README.md has no ## Targets section")
	}
	section = section[start+len("\n## Targets\n"):]
	// The table is the first run of lines that start with "|".
	section = strings.TrimLeft(section, "\n")
	if end := strings.Index(section, "\n\n"); end >= 0 {
		section = section[:end]
	}
	targetRE := regexp.MustCompile("`([a-z]+(?::[a-zA-Z]+)?)`")
	flagRE := regexp.MustCompile("`-([a-z0-9]+)")
	seen := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "or"), "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`") {
			continue
		}
		var flags []string
		for _, m := range flagRE.FindAllStringSubmatch(cells[2], -1) {
			flags = append(flags, m[1])
		}
		slices.Sort(flags)
		for _, m := range targetRE.FindAllStringSubmatch(cells[1], -1) {
			c := commands.Table.Lookup(m[1])
			if c == nil {
				t.Errorf("README lists %s, which is no target", m[1])
				continue
			}
			seen[c.Name] = true
			var want []string
			fs, _ := c.FlagSet()
			fs.VisitAll(func(f *flag.Flag) { want = append(want, f.Name) })
			if !slices.Equal(flags, want) {
				t.Errorf("README: %s takes %v, the table says %v", c.Name, flags, want)
			}
		}
	}
	for _, c := range commands.Table.Commands {
		if !seen[c.Name] {
			t.Errorf("README's target table misses %s", c.Name)
		}
	}
}

var update = flag.Bool("update", false, "rewrite magefiles/targets.go from the command table")

// TestMagefileShims: the mage targets are one-line shims over the command table, generated from
// it. mage shows their doc comments and parameters for -l and -h until it has compiled them
// (then the table answers), so they must say what the table says.
func TestMagefileShims(t *testing.T) {
	got := renderShims(t)
	path := filepath.Join("..", "..", "magefiles", "targets.go")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("magefiles/targets.go is not what the command table says: run go test ./cmd/releasekit -run TestMagefileShims -update")
	}
}

func renderShims(t *testing.T) []byte {
	var b strings.Builder
	b.WriteString("//go:build mage\n\n// Code generated by go test ./cmd/releasekit -run TestMagefileShims -update from the command\n// table (internal/commands); DO NOT EDIT.\n\npackage main\n")
	for _, c := range commands.Table.Commands {
		ns, name, ok := strings.Cut(c.Name, ":")
		recv := ""
		if ok {
			recv = "(" + strings.ToUpper(ns[:1]) + ns[1:] + ") "
		} else {
			name = ns
		}
		name = strings.ToUpper(name[:1]) + name[1:]
		// The doc starts with the summary, not the Go name: mage's -h prints the comment whole
		// ("Patches List the carry patches" read badly), and -l shows the summary either way.
		fmt.Fprintf(&b, "\n// %s\n", c.Short)
		if c.Long != "" {
			b.WriteString("//\n")
			for _, line := range strings.Split(strings.TrimSpace(c.Long), "\n") {
				b.WriteString(strings.TrimRight("// "+line, " ") + "\n")
			}
		}
		fmt.Fprintf(&b, "func %s%s(", recv, name)
		var args, flags []string
		for range c.Args {
			args = append(args, "version string")
		}
		fs, _ := c.FlagSet()
		fs.VisitAll(func(f *flag.Flag) {
			typ := "*string"
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				typ = "*bool"
			}
			_, usage := flag.UnquoteUsage(f)
			param := f.Name
			if token.IsKeyword(param) {
				// A Go keyword cannot name a parameter: mage shows this one as -NAME_.
				param += "_"
				usage = "-" + f.Name + ": " + usage
			}
			flags = append(flags, fmt.Sprintf("\n\t%s %s, // %s", param, typ, usage))
		})
		b.WriteString(strings.Join(args, ", "))
		if len(flags) > 0 {
			if len(args) > 0 {
				b.WriteString(",")
			}
			b.WriteString(strings.Join(flags, "") + "\n")
		}
		fmt.Fprintf(&b, ") error {\n\treturn run(%q)\n}\n", c.Name)
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		t.Fatalf("the shims do not format: %v\n%s", err, b.String())
	}
	return out
}

// TestReadmeSettings: the README's configuration table names every setting there is, and no other.
func TestReadmeSettings(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	section := readme[strings.Index(readme, "\n## Configuration\n"):]
	section = section[:strings.Index(section[1:], "\n## ")+1]
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z][A-Z_]+)`").FindAllStringSubmatch(section, -1) {
		listed[m[1]] = true
	}
	for _, s := range settings.All() {
		if !listed[s.Name()] {
			t.Errorf("README's configuration table misses %s", s.Name())
		}
		delete(listed, s.Name())
	}
	for name := range listed {
		t.Errorf("README lists %s, which internal/settings does not declare", name)
	}
}
