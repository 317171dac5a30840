package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FlagKind is the type of a target's optional flag (a pointer parameter of the target).
type FlagKind string

const (
	Bool     FlagKind = "bool"
	String   FlagKind = "string"
	Int      FlagKind = "int"
	Duration FlagKind = "time.Duration"
)

// Target is how a target is called: its positional arguments and its flags.
type Target struct {
	Args  []string
	Flags map[string]FlagKind
}

// Targets maps each target's name, in lower case (fork:cherrypick), to how it is called.
type Targets map[string]Target

// CheckArgs checks a command line (without the program name) against the targets, before any
// target runs, so that a mistyped command fails as a usage error (exit 1) that names the problem,
// instead of running the first target and then failing on the rest. It knows the options of
// the program itself (-l, -h, -v, -t DURATION) as the generated main does.
func CheckArgs(args []string, targets Targets) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var help bool
	fs.Bool("v", false, "")
	fs.Bool("l", false, "")
	fs.BoolVar(&help, "h", false, "")
	fs.Duration("t", 0, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		msg := err.Error()
		if _, name, _ := strings.Cut(msg, "not defined: "); name == "-w" || name == "-d" {
			return Usage(fmt.Errorf("%s", msg),
				"this program acts on the repository in the current directory: cd into it and run the target there",
				"-w DIR and -d DIR are options of mage itself (go tool mage -w DIR TARGET)")
		}
		return Usage(fmt.Errorf("%s", msg), "the options are -l (list targets), -h TARGET (help), -v (verbose), -t DURATION (timeout)")
	}
	rest := fs.Args()
	if help {
		if len(rest) > 0 {
			if _, ok := targets[strings.ToLower(rest[0])]; !ok {
				return unknownTarget(rest[0], targets)
			}
		}
		return nil
	}
	for i := 0; i < len(rest); {
		name := rest[i]
		t, ok := targets[strings.ToLower(name)]
		if !ok {
			if i == 0 {
				return unknownTarget(name, targets)
			}
			return Usage(fmt.Errorf("unexpected argument %q after %s", name, strings.Join(rest[:i], " ")),
				"see "+Cmd("-h", targetOf(rest, targets))+" for its arguments and flags")
		}
		i++
		for _, a := range t.Args {
			if i >= len(rest) || (strings.HasPrefix(rest[i], "-") && len(rest[i]) > 1) {
				return Usage(fmt.Errorf("%s needs the argument <%s>", name, a),
					"for example: "+Cmd(name, example(a)), "see "+Cmd("-h", name))
			}
			i++
		}
		for i < len(rest) && strings.HasPrefix(rest[i], "-") {
			if err := checkFlag(name, rest[i], t); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

func checkFlag(target, arg string, t Target) error {
	nameVal := strings.TrimLeft(arg, "-")
	fname, val, hasVal := strings.Cut(nameVal, "=")
	kind, ok := t.Flags[strings.ToLower(fname)]
	if !ok {
		known := make([]string, 0, len(t.Flags))
		for f := range t.Flags {
			known = append(known, "-"+f)
		}
		sort.Strings(known)
		hint := target + " takes no flags"
		if len(known) > 0 {
			hint = target + " takes " + strings.Join(known, ", ")
		}
		return Usage(fmt.Errorf("unknown flag %s for %s", arg, target), hint, "see "+Cmd("-h", target))
	}
	if !hasVal {
		if kind == Bool {
			return nil
		}
		return Usage(fmt.Errorf("flag -%s of %s needs a value", fname, target), "write it as -"+fname+"=VALUE (one word, with =)")
	}
	var err error
	switch kind {
	case Bool:
		_, err = strconv.ParseBool(val)
	case Int:
		_, err = strconv.Atoi(val)
	case Duration:
		_, err = time.ParseDuration(val)
	}
	if err != nil {
		return Usage(fmt.Errorf("flag -%s=%s of %s: want a %s", fname, val, target, kind))
	}
	return nil
}

func unknownTarget(name string, targets Targets) error {
	hints := []string{"list the targets with " + Cmd("-l")}
	if near := closest(strings.ToLower(name), targets); near != "" {
		hints = append([]string{"did you mean " + near + "?"}, hints...)
	}
	return Usage(fmt.Errorf("unknown target %q", name), hints...)
}

// closest is a target whose name ends like name (cherrypick → fork:cherrypick).
func closest(name string, targets Targets) string {
	for t := range targets {
		if _, after, ok := strings.Cut(t, ":"); ok && after == name {
			return t
		}
	}
	return ""
}

func targetOf(rest []string, targets Targets) string {
	for i := len(rest) - 1; i >= 0; i-- {
		if _, ok := targets[strings.ToLower(rest[i])]; ok {
			return rest[i]
		}
	}
	return rest[0]
}

func example(arg string) string {
	if arg == "version" {
		return "4.15"
	}
	return "<" + arg + ">"
}
