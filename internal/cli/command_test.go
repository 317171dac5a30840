package cli

import (
	"bytes"
	"context"
	"flag"
	"slices"
	"strings"
	"testing"
)

// testTable is a table of two targets that record what their entry points received.
func testTable(got *[]string) *Table {
	return &Table{Commands: []*Command{
		{Name: "fork:cherryPick", Args: []string{"X.Y"}, Short: "Port.", Flags: func(fs *flag.FlagSet) Run {
			jobs := fs.Int("jobs", 1, "verify `N` at once")
			json := fs.Bool("json", false, "print JSON")
			return func(_ context.Context, args []string) error {
				*got = append(append([]string{}, args...), strings.Repeat("j", *jobs), map[bool]string{true: "json"}[*json])
				return nil
			}
		}},
		{Name: "fork:continue", Short: "Go on."},
	}}
}

func TestTableParsesFlagsAnywhere(t *testing.T) {
	t.Setenv("RELEASEKIT_PROG", "")
	SetProgram("releasekit")
	var got []string
	tab := testTable(&got)
	for _, line := range [][]string{
		{"fork:cherryPick", "4.15", "-jobs=2", "--json"},
		{"fork:cherryPick", "--jobs", "2", "4.15", "-json"},
		{"FORK:CHERRYPICK", "-json", "--jobs=2", "4.15"},
		{"fork:cherryPick", "-json", "-jobs=2", "--", "4.15"},
	} {
		got = nil
		var stderr bytes.Buffer
		if code := tab.Main(context.Background(), Env{Stderr: &stderr}, line); code != 0 {
			t.Errorf("%q: exit %d\n%s", line, code, stderr.String())
		}
		if !slices.Equal(got, []string{"4.15", "jj", "json"}) {
			t.Errorf("%q: the entry point got %q", line, got)
		}
	}
}

func TestTableUsageErrors(t *testing.T) {
	t.Setenv("RELEASEKIT_PROG", "")
	SetProgram("releasekit")
	var got []string
	tab := testTable(&got)
	for want, line := range map[string][]string{
		"fork:cherryPick needs the argument X.Y":                                      {"fork:cherryPick", "-json"},
		"unknown flag -nope for fork:cherryPick":                                      {"fork:cherryPick", "4.15", "--nope"},
		`unexpected argument "x" after fork:cherryPick 4.15`:                          {"fork:cherryPick", "4.15", "x"},
		`invalid value "many" for flag -jobs: want a whole number`:                    {"fork:cherryPick", "4.15", "-jobs=many"},
		`invalid value "maybe" for flag -json: want true or false, or the flag alone`: {"fork:cherryPick", "4.15", "-json=maybe"},
		"flag -jobs of fork:cherryPick needs a value":                                 {"fork:cherryPick", "4.15", "-jobs"},
		`unexpected argument "4.15" after fork:continue`:                              {"fork:continue", "4.15"},
		`unknown target "cherrypick"`:                                                 {"cherrypick"},
		"did you mean fork:cherryPick?":                                               {"cherrypick"},
		"cd into it and run the target there":                                         {"-w", "/x", "fork:continue"},
		"help takes one target":                                                       {"help", "a", "b"},
		"unknown flag -jbos for fork:cherryPick\nhint: did you mean -jobs?":           {"fork:cherryPick", "4.15", "-jbos=2"},
		`unknown target "frk:cherrypik"` + "\nhint: did you mean fork:cherryPick?":    {"frk:cherrypik", "4.15"},
		`unknown target "contnue"` + "\nhint: did you mean fork:continue?":            {"contnue"},
		"unknown option --verison\nhint: did you mean --version?":                     {"--verison"},
	} {
		got = nil
		var stderr bytes.Buffer
		code := tab.Main(context.Background(), Env{Stderr: &stderr, Stdout: &bytes.Buffer{}}, line)
		if code != ExitFailed || !strings.Contains(stderr.String(), want) || got != nil {
			t.Errorf("%q: exit %d, ran %v, want exit 1 with %q:\n%s", line, code, got, want, stderr.String())
		}
		if strings.HasPrefix(line[0], "fork:") && !strings.Contains(stderr.String(), "usage: releasekit "+line[0]) {
			t.Errorf("%q: no usage after the error:\n%s", line, stderr.String())
		}
	}
}

func TestTableHelpAndCompletion(t *testing.T) {
	t.Setenv("RELEASEKIT_PROG", "")
	SetProgram("go tool mage")
	defer SetProgram("releasekit")
	var got []string
	tab := testTable(&got)
	var out bytes.Buffer
	if code := tab.Main(context.Background(), Env{Stdout: &out}, []string{"help", "fork:cherryPick"}); code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, want := range []string{"usage: go tool mage fork:cherryPick X.Y [flags]", "-jobs=N", "verify N at once (default 1)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := tab.Main(context.Background(), Env{Stdout: &out}, []string{"fork:cherryPick", "-h"}); code != 0 || !strings.Contains(out.String(), "usage: go tool mage fork:cherryPick") {
		t.Errorf("TARGET -h: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := tab.Main(context.Background(), Env{Stdout: &out}, []string{"completion", "bash"}); code != 0 {
		t.Fatalf("completion: exit %d", code)
	}
	for _, want := range []string{`fork\:cherryPick) words="-jobs= -json"`, `fork\:continue) words=""`, "complete -F _releasekit_complete releasekit"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("completion lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := tab.Main(context.Background(), Env{Stdout: &out}, []string{"--version"}); code != 0 || !strings.Contains(out.String(), "github.com/aro-releasekit/releasekit") {
		t.Errorf("--version: exit %d: %s", code, out.String())
	}
}

// A typo gets a suggestion; a word that is not near any name gets none.
func TestTableSuggestsOnlyNearNames(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"kitten", "sitting", 3}, {"json", "jsno", 1}, {"", "abc", 3}, {"verify", "verfy", 1}, {"fork:sync", "fork:snyc", 1}} {
		if d := editDistance(c.a, c.b); d != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, d, c.want)
		}
	}
	names := []string{"jobs", "json", "dryrun", "verify"}
	for name, want := range map[string]string{
		"jsn":     "did you mean -json?",
		"JOBS2":   "did you mean -jobs?",
		"jso":     "did you mean -json?",
		"jobz":    "did you mean -jobs?",
		"x":       "",
		"bogus":   "",
		"verbose": "",
	} {
		if got := strings.Join(didYouMean(name, names, "-"), ""); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", name, got, want)
		}
	}
	var got []string
	var stderr bytes.Buffer
	if code := testTable(&got).Main(context.Background(), Env{Stderr: &stderr}, []string{"xyz"}); code != ExitFailed || strings.Contains(stderr.String(), "did you mean") {
		t.Errorf("xyz: exit %d, want 1 without a suggestion:\n%s", code, stderr.String())
	}
	// Names equally near all come back; a bare name is compared with the targets' own names.
	two := &Table{Commands: []*Command{{Name: "release:status"}, {Name: "fork:status"}}}
	for name, want := range map[string]string{
		"stats":       "did you mean fork:status or release:status?",
		"status":      "did you mean fork:status or release:status?",
		"fork:stauts": "did you mean fork:status?",
	} {
		err := two.unknown(name)
		if !strings.Contains(err.Error(), "hint: "+want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}
