package cli

import (
	"strings"
	"testing"
)

var testTargets = Targets{
	"demo":            {},
	"fork:assess":     {Args: []string{"version"}, Flags: map[string]FlagKind{"json": Bool}},
	"fork:cherrypick": {Args: []string{"version"}, Flags: map[string]FlagKind{"verify": String, "dryrun": Bool, "jobs": Int}},
	"fork:continue":   {},
}

func TestCheckArgs(t *testing.T) {
	program = func() string { return "releasekit" }
	ok := [][]string{
		nil, {"-l"}, {"-h"}, {"-h", "fork:assess"}, {"demo"}, {"fork:assess", "4.15"}, {"fork:assess", "4.15", "-json"},
		{"fork:cherryPick", "4.15", "-verify=make test", "-dryrun=false", "-jobs=4"}, {"-v", "-t", "5m", "fork:continue"},
		{"fork:continue", "fork:assess", "4.15"}, {"fork:assess", "x.y"}, // the target itself judges the value
	}
	for _, args := range ok {
		if err := CheckArgs(args, testTargets); err != nil {
			t.Errorf("CheckArgs(%q) = %v, want nil", args, err)
		}
	}
	bad := map[string][]string{
		`unknown target "nope"`:                              {"nope"},
		`did you mean fork:cherrypick`:                       {"cherrypick", "4.15"},
		`fork:assess needs the argument <version>`:           {"fork:assess"},
		`fork:cherryPick needs the argument <version>`:       {"fork:cherryPick", "-dryrun"},
		`unexpected argument "extra" after fork:assess 4.15`: {"fork:assess", "4.15", "extra"},
		`unknown flag -force for fork:assess`:                {"fork:assess", "4.15", "-force"},
		`flag -verify of fork:cherryPick needs a value`:      {"fork:cherryPick", "4.15", "-verify", "true"},
		`flag -jobs=x of fork:cherryPick: want a int`:        {"fork:cherryPick", "4.15", "-jobs=x"},
		`flag provided but not defined: -w`:                  {"-w", "/repo", "fork:continue"},
		`unknown target "nopeh"`:                             {"-h", "nopeh"},
	}
	for want, args := range bad {
		err := CheckArgs(args, testTargets)
		if err == nil || !strings.Contains(err.Error(), want) || Code(err) != ExitFailed {
			t.Errorf("CheckArgs(%q) = %v (exit %d), want an exit-1 error containing %q", args, err, Code(err), want)
		}
	}
}
