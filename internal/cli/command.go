package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aro-releasekit/releasekit/internal/settings"
)

// Run is a command's entry point. The flags are already parsed into the variables the
// command's Flags bound them to; args are the positional arguments, as many as the command
// declares.
type Run func(ctx context.Context, args []string) error

// Command is one target in the command table: everything that parsing, help, usage errors,
// completion and dispatch need to know about it.
type Command struct {
	// Name is the target as the user types it: fork:cherryPick (matched case-insensitively).
	Name string
	// Args names the positional arguments as usage shows them (X.Y, X.Y.Z).
	Args []string
	// Short is one line: what the target does (the list shows it).
	Short string
	// Long is the rest of the help, paragraphs separated by blank lines.
	Long string
	// Settings are the RELEASEKIT_* settings the target reads.
	Settings []settings.Info
	// Flags declares the target's flags on fs, bound to variables of its own, and returns the
	// entry point that reads them. It is called once per command line.
	Flags func(fs *flag.FlagSet) Run
}

// UsageLine is the target's synopsis: NAME ARGS [flags].
func (c *Command) UsageLine() string {
	parts := append([]string{Program(), c.Name}, c.Args...)
	if len(c.flagNames()) > 0 {
		parts = append(parts, "[flags]")
	}
	return strings.Join(parts, " ")
}

// FlagSet is a fresh flag set with the command's flags, and the entry point bound to it.
func (c *Command) FlagSet() (*flag.FlagSet, Run) {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var run Run
	if c.Flags != nil {
		run = c.Flags(fs)
	}
	return fs, run
}

func (c *Command) flagNames() []string {
	fs, _ := c.FlagSet()
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// Table is the product's command table: the binary and the mage targets both enter it.
type Table struct {
	// Doc says what the program is, for the top of the help.
	Doc      string
	Commands []*Command
}

// Lookup finds a command by name, case-insensitively (as mage matches targets).
func (t *Table) Lookup(name string) *Command {
	for _, c := range t.Commands {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// Env is where a command line runs: its output streams and, for the mage door, the timeout
// mage's -t asks for.
type Env struct {
	Stdout, Stderr io.Writer
	Timeout        time.Duration
}

// Main runs one command line (without the program name) and returns the exit status: 0 done,
// 1 failed or called wrongly (with the target's usage), 2 stopped for a person.
func (t *Table) Main(ctx context.Context, env Env, args []string) int {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	err := t.dispatch(ctx, env, args)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "Error: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd != nil {
		fmt.Fprintln(env.Stderr)
		ue.cmd.printUsage(env.Stderr)
	} else if IsUsage(err) {
		if c := ctxCommand(err); c != nil {
			fmt.Fprintf(env.Stderr, "usage: %s (see %s)\n", c.UsageLine(), Cmd("help", c.Name))
		}
	}
	return Code(err)
}

// usageError is a command line the table refused: the command's usage follows it.
type usageError struct {
	cmd *Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// ranError remembers which command an error came from, for its usage line.
type ranError struct {
	cmd *Command
	err error
}

func (e *ranError) Error() string { return e.err.Error() }
func (e *ranError) Unwrap() error { return e.err }

func ctxCommand(err error) *Command {
	var re *ranError
	if errors.As(err, &re) {
		return re.cmd
	}
	return nil
}

func (t *Table) refuse(c *Command, err error, hints ...string) error {
	return &usageError{cmd: c, err: Usage(err, hints...)}
}

func (t *Table) dispatch(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		t.printList(env.Stdout)
		return nil
	}
	switch first := args[0]; first {
	case "-l", "--l", "-list", "--list":
		t.printList(env.Stdout)
		return nil
	case "-h", "--h", "-help", "--help", "help":
		return t.help(env.Stdout, args[1:])
	case "-version", "--version":
		fmt.Fprintln(env.Stdout, Version())
		return nil
	case "completion":
		return t.completion(env.Stdout, args[1:])
	}
	if strings.HasPrefix(args[0], "-") {
		name, _, _ := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if name == "w" || name == "d" {
			return Usage(fmt.Errorf("unknown option %s", args[0]),
				"this program acts on the repository in the current directory: cd into it and run the target there",
				"-w DIR and -d DIR are options of mage itself (go tool mage -w DIR TARGET)")
		}
		return Usage(fmt.Errorf("unknown option %s", args[0]), append(didYouMean(name, []string{"list", "help", "version"}, "--"),
			"the options are --list, --help [TARGET], --version; see "+Cmd("help"))...)
	}
	c := t.Lookup(args[0])
	if c == nil {
		return t.unknown(args[0])
	}
	run, pos, err := t.parse(c, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		c.printHelp(env.Stdout)
		return nil
	}
	if err != nil {
		return err
	}
	if env.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, env.Timeout)
		defer cancel()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, the next one ends the program as usual.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, pos); err != nil {
		return &ranError{cmd: c, err: err}
	}
	return nil
}

// Parse reads a target's command line (the target and its arguments) as the dispatcher does,
// without running it: the command, its entry point bound to the parsed flags, and the
// positional arguments.
func (t *Table) Parse(args []string) (*Command, Run, []string, error) {
	if len(args) == 0 {
		return nil, nil, nil, Usage(errors.New("no target given"))
	}
	c := t.Lookup(args[0])
	if c == nil {
		return nil, nil, nil, t.unknown(args[0])
	}
	run, pos, err := t.parse(c, args[1:])
	return c, run, pos, err
}

// Call runs one target in-process, as its command line would (the demo does so): no help, no
// signal handling, and the error returned as it is.
func (t *Table) Call(ctx context.Context, args ...string) error {
	_, run, pos, err := t.Parse(args)
	if err != nil {
		return err
	}
	return run(ctx, pos)
}

// parse reads a command's arguments: flags may come before, between and after the positional
// arguments, in -flag and --flag forms alike.
func (t *Table) parse(c *Command, args []string) (Run, []string, error) {
	fs, run := c.FlagSet()
	var pos []string
	rest := args
	for {
		in := rest
		if err := fs.Parse(in); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, err
			}
			return nil, nil, t.refuse(c, flagError(c, err))
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(in) - len(rest); n > 0 && in[n-1] == "--" {
			// Everything after "--" is positional.
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	switch {
	case len(pos) < len(c.Args):
		return nil, nil, t.refuse(c, fmt.Errorf("%s needs the argument %s", c.Name, c.Args[len(pos)]),
			"for example: "+Cmd(c.Name, example(c.Args)...))
	case len(pos) > len(c.Args):
		extra := pos[len(c.Args)]
		if strings.HasPrefix(extra, "-") {
			return nil, nil, t.refuse(c, c.unknownFlag(extra))
		}
		return nil, nil, t.refuse(c, fmt.Errorf("unexpected argument %q after %s", extra, strings.Join(append([]string{c.Name}, pos[:len(c.Args)]...), " ")),
			"run one target at a time")
	}
	if run == nil {
		run = func(context.Context, []string) error { return nil }
	}
	return run, pos, nil
}

// flagError rewords the flag package's errors so that they name the target.
func flagError(c *Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return c.unknownFlag(name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Errorf("flag %s of %s needs a value (write it as %s=VALUE)", name, c.Name, name)
	}
	if v, name, ok := builtinBadValue(msg); ok {
		return fmt.Errorf("%s: invalid value %s for flag -%s: %s", c.Name, v, name, c.wants(name))
	}
	return fmt.Errorf("%s: %s", c.Name, msg)
}

// builtinBadValue reads the flag package's refusal of a value for one of its own flag types,
// which says only "parse error" or "value out of range": `invalid boolean value "maybe" for
// -json: parse error`, `invalid value "soon" for flag -age: parse error`. Flag types of the
// table's own say what they want, and are left as they are.
func builtinBadValue(msg string) (value, name string, ok bool) {
	rest, isBool := strings.CutPrefix(msg, "invalid boolean value ")
	if !isBool {
		if rest, ok = strings.CutPrefix(msg, "invalid value "); !ok {
			return "", "", false
		}
	}
	value, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", "", false
	}
	rest = strings.TrimPrefix(strings.TrimPrefix(rest[len(value):], " for "), "flag ")
	name, why, ok := strings.Cut(strings.TrimPrefix(rest, "-"), ": ")
	if !ok || (why != "parse error" && why != "value out of range") {
		return "", "", false
	}
	return value, name, true
}

// wants says what a flag of the flag package's own types takes.
func (c *Command) wants(name string) string {
	fs, _ := c.FlagSet()
	f := fs.Lookup(name)
	if f == nil {
		return "not a valid value"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "not a valid value"
	}
	switch g.Get().(type) {
	case bool:
		return "want true or false, or the flag alone"
	case time.Duration:
		return "want a duration such as 90s, 15m or 2h"
	case int, int64:
		return "want a whole number"
	case uint, uint64:
		return "want a whole number of 0 or more"
	case float64:
		return "want a number"
	}
	return "not a valid value"
}

// unknownFlag refuses a flag the command has not, with the flags a typo away from it.
func (c *Command) unknownFlag(name string) error {
	return Usage(fmt.Errorf("unknown flag %s for %s", name, c.Name), didYouMean(strings.TrimLeft(name, "-"), c.flagNames(), "-")...)
}

func example(args []string) []string {
	var out []string
	for _, a := range args {
		switch a {
		case "X.Y":
			out = append(out, "4.15")
		case "X.Y.Z":
			out = append(out, "4.16.3")
		default:
			out = append(out, "<"+a+">")
		}
	}
	return out
}

// unknown refuses a target the table has not, suggesting the targets the user may have meant:
// the one of that name in a namespace (cherryPick, status), or one a typo away (fork:cherrypik).
func (t *Table) unknown(name string) error {
	var full, bare, exact []string
	for _, c := range t.sorted() {
		_, after, _ := strings.Cut(c.Name, ":")
		full, bare = append(full, c.Name), append(bare, after)
		if strings.EqualFold(after, name) {
			exact = append(exact, c.Name)
		}
	}
	near := exact
	if len(near) == 0 {
		// A name with a namespace is compared with the whole names; one without, with the
		// targets' own names (the hint gives them whole).
		against := bare
		if strings.Contains(name, ":") {
			against = full
		}
		for _, i := range closest(name, against) {
			near = append(near, full[i])
		}
	}
	return Usage(fmt.Errorf("unknown target %q", name), append(meant(near), "list the targets with "+Cmd("-l"))...)
}

func (t *Table) printList(w io.Writer) {
	if t.Doc != "" {
		fmt.Fprintf(w, "%s\n\n", t.Doc)
	}
	fmt.Fprintln(w, "Targets:")
	tw := tabwriter.NewWriter(w, 0, 4, 4, ' ', 0)
	for _, c := range t.sorted() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Short)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s shows a target's arguments, flags and settings; %s the settings.\n", Cmd("help", "TARGET"), Cmd("help", "settings"))
}

func (t *Table) sorted() []*Command {
	cs := append([]*Command(nil), t.Commands...)
	sort.Slice(cs, func(i, j int) bool { return strings.ToLower(cs[i].Name) < strings.ToLower(cs[j].Name) })
	return cs
}

func (t *Table) help(w io.Writer, args []string) error {
	switch {
	case len(args) == 0:
		fmt.Fprintf(w, "usage: %s TARGET [ARGS] [flags]\n\n", Program())
		t.printList(w)
		fmt.Fprintf(w, "\nOther commands: %s, %s, %s.\n", Cmd("--version"), Cmd("completion", "bash|zsh"), Cmd("help", "settings"))
		return nil
	case len(args) > 1:
		return Usage(fmt.Errorf("help takes one target, not %q", strings.Join(args, " ")))
	case args[0] == "settings":
		PrintSettings(w, settings.All())
		return nil
	}
	c := t.Lookup(args[0])
	if c == nil {
		return t.unknown(args[0])
	}
	c.printHelp(w)
	return nil
}

// printUsage is what follows a usage error: the synopsis and the flags.
func (c *Command) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n", c.UsageLine())
	c.printFlags(w)
	fmt.Fprintf(w, "(%s for the whole help)\n", Cmd("help", c.Name))
}

func (c *Command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.UsageLine(), c.Short)
	if c.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Long))
	}
	if len(c.flagNames()) > 0 {
		fmt.Fprintln(w)
		c.printFlags(w)
	}
	if len(c.Settings) > 0 {
		fmt.Fprintln(w, "\nSettings:")
		printSettings(w, c.Settings)
	}
}

// printFlags lists the flags aligned, with their help and default; -flag and --flag are alike.
func (c *Command) printFlags(w io.Writer) {
	fs, _ := c.FlagSet()
	if len(c.flagNames()) == 0 {
		return
	}
	fmt.Fprintln(w, "Flags:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		name := "-" + f.Name
		if kind != "" {
			name += "=" + strings.ToUpper(kind)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, usage)
	})
	tw.Flush()
}

// PrintSettings lists settings with their defaults and help.
func PrintSettings(w io.Writer, all []settings.Info) {
	fmt.Fprintln(w, "Settings (environment variables):")
	printSettings(w, all)
}

func printSettings(w io.Writer, all []settings.Info) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range all {
		def := s.Default()
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(tw, "  %s\t[%s]\t%s\n", s.Name(), def, s.Help())
	}
	tw.Flush()
}

// Version is the module version and VCS revision the binary was built from.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "releasekit (no build information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified, at string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		case "vcs.time":
			at = " " + s.Value
		}
	}
	out := info.Main.Path + " " + v
	if rev != "" {
		out += " " + rev + modified + at
	}
	return out + " " + info.GoVersion
}
