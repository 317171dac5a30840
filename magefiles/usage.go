//go:build mage

package main

import "github.com/aro-releasekit/releasekit/internal/cli"

// targets is how each target is called, checked against the targets' signatures by the
// tests (TestUsageTableMatchesTargets), so that a command line is refused before anything runs.
var targets = cli.Targets{
	"demo":             {},
	"fork:abort":       {},
	"fork:assess":      {Args: version, Flags: flags{"json": cli.Bool}},
	"fork:branch":      {Args: version, Flags: flags{"dryrun": cli.Bool}},
	"fork:cherrypick":  {Args: version, Flags: flags{"verify": cli.String, "dryrun": cli.Bool, "jobs": cli.String, "reverify": cli.Bool}},
	"fork:continue":    {},
	"fork:patches":     {Args: version, Flags: flags{"json": cli.Bool}},
	"fork:rebaseagain": {Args: version, Flags: flags{"verify": cli.String, "dryrun": cli.Bool, "todo": cli.Bool, "jobs": cli.String, "reverify": cli.Bool}},
	"fork:skip":        {},
	"fork:status":      {Flags: flags{"json": cli.Bool}},
	"fork:verify": {Args: version, Flags: flags{"verify": cli.String, "jobs": cli.String, "commit": cli.String,
		"matrix": cli.Bool, "json": cli.Bool, "reverify": cli.Bool}},
	"rhcos:publish": {Args: version, Flags: flags{"stream": cli.String, "arch": cli.String, "expiry": cli.String,
		"timeout": cli.String, "force": cli.Bool, "dryrun": cli.Bool, "json": cli.Bool}},
	"rp:bumpversion": {Args: version, Flags: flags{"pullspec": cli.String, "channel": cli.String, "dryrun": cli.Bool}},
	"rp:namespaces": {Args: version, Flags: flags{"from": cli.String, "pullspec": cli.String, "channel": cli.String,
		"prefix": cli.String, "dryrun": cli.Bool}},
	"wrapper:vendor": {Args: version, Flags: flags{"dryrun": cli.Bool, "rules": cli.String, "json": cli.Bool, "report": cli.String,
		"strict": cli.Bool, "k8s": cli.String, "generate": cli.Bool}},
}

type flags = map[string]cli.FlagKind

var version = []string{"version"}
