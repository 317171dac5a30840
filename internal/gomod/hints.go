package gomod

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// untouched is the hint of every failure: a run changes go.mod, go.sum and vendor/ fully or not at all.
const untouched = "go.mod, go.sum and vendor/ are as they were"

// rulesHints say how to fix the rules file that was read.
func rulesHints(dir, file string) []string {
	if file == "" {
		file = RulesFile
	} else if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = filepath.ToSlash(rel)
	}
	return []string{
		"kinds: " + kindList() + " (see the README, \"Module rules\")",
		"fix " + file + ", then run the target again; " + untouched,
	}
}

// vendorHints say what to do after a failed run.
func vendorHints(err error, opts *Options, rulesFile string) []string {
	again := "then run \"" + cli.Cmd("wrapper:vendor", opts.Release.String()) + "\" again"
	rules := RulesFile
	if rulesFile != "" {
		if rel, rerr := filepath.Rel(opts.Dir, rulesFile); rerr == nil && !strings.HasPrefix(rel, "..") {
			rules = filepath.ToSlash(rel)
		} else {
			rules = rulesFile
		}
	}
	var (
		ce *ConflictError
		ue *UnfixableError
		se *StepError
		ge *GuardError
	)
	switch {
	case errors.Is(err, ErrNoGoMod):
		return []string{"run it in the installer wrapper repository, where its go.mod is"}
	case errors.Is(err, ErrBadRules), errors.Is(err, ErrUnknownKind):
		return rulesHints(opts.Dir, rulesFile)
	case errors.Is(err, gocmd.ErrTimeout):
		return []string{
			"check that the module proxy answers (GOPROXY, GONOPROXY), or give it longer with " + gocmd.TimeoutSetting + "=30m",
			untouched,
		}
	case errors.Is(err, ErrRevisionNotFound):
		h := []string{
			"check that each branch named above exists in its module's repository (and that GOPROXY/GOPRIVATE reach it)",
		}
		if opts.Strict {
			h = append(h, "without -strict, a module that only a follow prefix names and that has no branch is left to go mod and reported")
		}
		return append(h, "a module not branched for "+opts.Release.String()+" can get a skip or pin rule in "+rules, untouched)
	case errors.As(err, &ce):
		return []string{
			"pick one: add {\"module\": \"" + ce.Module + "\", \"kind\": \"pin\", \"fork\": \"<path>\", \"version\": \"<version>\"} to " + rules,
			again,
			untouched,
		}
	case errors.As(err, &ge):
		return []string{
			"check each change above; when it is what you want, run without -strict (it is then a warning), or pin the module in " + rules,
			untouched,
		}
	case errors.As(err, &ue):
		return []string{
			"add the replace to go.mod by hand (go mod edit -replace " + ue.Chain.Failing.Path + "=PATH@VERSION), " + again,
			untouched,
		}
	case errors.As(err, &se):
		return []string{
			"fix what go reports (often code that must follow the new dependencies), " + again,
			"\"" + cli.Cmd("wrapper:vendor", opts.Release.String(), "-dryrun") + "\" shows the plan without changing anything",
			untouched,
		}
	case errors.As(err, new(*git.LockedError)):
		return nil // the lock's own hint says what to do
	case errors.Is(err, ErrGoModChanged):
		return []string{"something else wrote go.mod meanwhile; " + again}
	}
	return []string{untouched}
}
