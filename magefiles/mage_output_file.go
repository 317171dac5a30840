//go:build ignore
// +build ignore

package main

import (
	_context "context"
	_flag "flag"
	_fmt "fmt"
	_io "io"
	_log "log"
	_os "os"
	_signal "os/signal"
	_filepath "path/filepath"
	_sort "sort"
	_strconv "strconv"
	_strings "strings"
	_syscall "syscall"
	_tabwriter "text/tabwriter"
	_time "time"
	
)

func main() {
	// Use local types and functions in order to avoid name conflicts with additional magefiles.
	type arguments struct {
		Verbose       bool          // print out log statements
		List          bool          // print out a list of targets
		Help          bool          // print out help for a specific target
		Timeout       _time.Duration // set a timeout to running the targets
		Args          []string      // args contain the non-flag command-line arguments
	}

	parseBool := func(env string) bool {
		val := _os.Getenv(env)
		if val == "" {
			return false
		}		
		b, err := _strconv.ParseBool(val)
		if err != nil {
			_log.Printf("warning: environment variable %s is not a valid bool value: %v", env, val)
			return false
		}
		return b
	}

	parseDuration := func(env string) _time.Duration {
		val := _os.Getenv(env)
		if val == "" {
			return 0
		}		
		d, err := _time.ParseDuration(val)
		if err != nil {
			_log.Printf("warning: environment variable %s is not a valid duration value: %v", env, val)
			return 0
		}
		return d
	}
	args := arguments{}
	fs := _flag.FlagSet{}
	fs.SetOutput(_os.Stdout)

	// default flag set with ExitOnError and auto generated PrintDefaults should be sufficient
	fs.BoolVar(&args.Verbose, "v", parseBool("MAGEFILE_VERBOSE"), "show verbose output when running targets")
	fs.BoolVar(&args.List, "l", parseBool("MAGEFILE_LIST"), "list targets for this binary")
	fs.BoolVar(&args.Help, "h", parseBool("MAGEFILE_HELP"), "print out help for a specific target")
	fs.DurationVar(&args.Timeout, "t", parseDuration("MAGEFILE_TIMEOUT"), "timeout in duration parsable format (e.g. 5m30s)")
	fs.Usage = func() {
		_fmt.Fprintf(_os.Stdout, `
%s [options] [target]

Commands:
  -l    list targets in this binary
  -h    show this help

Options:
  -h    show description of a target
  -t <string>
        timeout in duration parsable format (e.g. 5m30s)
  -v    show verbose output when running targets
 `[1:], _filepath.Base(_os.Args[0]))
	}
	if err := fs.Parse(_os.Args[1:]); err != nil {
		// flag will have printed out an error already.
		return
	}
	args.Args = fs.Args()
	if args.Help && len(args.Args) == 0 {
		fs.Usage()
		return
	}
		
	var printName = func(str string) string {
	// color is ANSI color type
	type color int

	// If you add/change/remove any items in this constant,
	// you will need to run "stringer -type=color" in this directory again.
	// NOTE: Please keep the list in an alphabetical order.
	const (
		black color = iota
		red
		green
		yellow
		blue
		magenta
		cyan
		white
		brightblack
		brightred
		brightgreen
		brightyellow
		brightblue
		brightmagenta
		brightcyan
		brightwhite
	)

	// AnsiColor are ANSI color codes for supported terminal colors.
	var ansiColor = map[color]string{
		black:         "\u001b[30m",
		red:           "\u001b[31m",
		green:         "\u001b[32m",
		yellow:        "\u001b[33m",
		blue:          "\u001b[34m",
		magenta:       "\u001b[35m",
		cyan:          "\u001b[36m",
		white:         "\u001b[37m",
		brightblack:   "\u001b[30;1m",
		brightred:     "\u001b[31;1m",
		brightgreen:   "\u001b[32;1m",
		brightyellow:  "\u001b[33;1m",
		brightblue:    "\u001b[34;1m",
		brightmagenta: "\u001b[35;1m",
		brightcyan:    "\u001b[36;1m",
		brightwhite:   "\u001b[37;1m",
	}

	const colorName = "blackredgreenyellowbluemagentacyanwhitebrightblackbrightredbrightgreenbrightyellowbrightbluebrightmagentabrightcyanbrightwhite"

	var colorIndex = [...]uint8{0, 5, 8, 13, 19, 23, 30, 34, 39, 50, 59, 70, 82, 92, 105, 115, 126}

	colorToLowerString := func(i color) string {
		if i < 0 || i >= color(len(colorIndex)-1) {
			return "color(" + _strconv.FormatInt(int64(i), 10) + ")"
		}
		return colorName[colorIndex[i]:colorIndex[i+1]]
	}

	// ansiColorReset is an ANSI color code to reset the terminal color.
	const ansiColorReset = "\033[0m"

	// defaultTargetAnsiColor is a default ANSI color for colorizing targets.
	// It is set to Cyan as an arbitrary color, because it has a neutral meaning
	var defaultTargetAnsiColor = ansiColor[cyan]

	getAnsiColor := func(color string) (string, bool) {
		colorLower := _strings.ToLower(color)
		for k, v := range ansiColor {
			colorConstLower := colorToLowerString(k)
			if colorConstLower == colorLower {
				return v, true
			}
		}
		return "", false
	}

	// Terminals which  don't support color:
	//
	//	TERM=vt100
	//	TERM=cygwin
	//	TERM=xterm-mono
	var noColorTerms = map[string]bool{
		"vt100":      false,
		"cygwin":     false,
		"xterm-mono": false,
	}

	// terminalSupportsColor checks if the current console supports color output
	//
	// Supported:
	//
	//	linux, mac, or windows's ConEmu, Cmder, putty, git-bash.exe, pwsh.exe
	//
	// Not supported:
	//
	//	windows cmd.exe, powerShell.exe
	terminalSupportsColor := func() bool {
		envTerm := _os.Getenv("TERM")
		if _, ok := noColorTerms[envTerm]; ok {
			return false
		}
		return true
	}

	// enableColor reports whether the user has requested to enable a color output.
	enableColor := func() bool {
		b, _ := _strconv.ParseBool(_os.Getenv("MAGEFILE_ENABLE_COLOR"))
		return b
	}

	// targetColor returns the ANSI color which should be used to colorize targets.
	targetColor := func() string {
		s, exists := _os.LookupEnv("MAGEFILE_TARGET_COLOR")
		if exists {
			if c, ok := getAnsiColor(s); ok {
				return c
			}
		}
		return defaultTargetAnsiColor
	}

	// store the color terminal variables, so that the detection isn't repeated for each target
	var enableColorValue = enableColor() && terminalSupportsColor()
	var targetColorValue = targetColor()

	if enableColorValue {
		return _fmt.Sprintf("%s%s%s", targetColorValue, str, ansiColorReset)
	}

	return str
}


	list := func() error {
		_fmt.Println(`releasekit: the ARO new-release runbook as targets; each acts on the repository in the current directory.
`)
		targets := map[string]string{
			"demo": "runs the toolkit on built-in example repositories in a temporary directory.",
			"fork:abort": "stops the sequence and puts the branch back where it was before the run.",
			"fork:assess": "reports what changed upstream from release-X.Y-1 to release-X.Y that ARO must act on.",
			"fork:branch": "creates release-X.Y-azure from upstream/release-X.Y and bumps Go in the hack scripts.",
			"fork:canary": "replays the carry patches of release-X.Y-azure onto upstream's tip in a temporary worktree, to learn which still apply.",
			"fork:cherryPick": "ports the carry patches of release-X.Y-1-azure onto release-X.Y-azure, verifying after each.",
			"fork:continue": "goes on with a stopped fork:cherryPick or fork:rebaseAgain after you fixed what stopped it.",
			"fork:patches": "lists the carry patches of release-X.Y-azure: what the fork adds to upstream.",
			"fork:rebaseAgain": "fetches upstream and replays release-X.Y-azure's carry patches onto the new upstream/release-X.Y tip.",
			"fork:share": "pushes your recorded conflict resolutions (rerere) to the fork remote as refs/releasekit/rerere, for your colleagues and CI.",
			"fork:skip": "drops the patch a stopped sequence is on, cleans the tree, and goes on with the rest.",
			"fork:status": "shows where a stopped or running sequence stands.",
			"fork:sync": "merges the resolutions your colleagues shared (refs/releasekit/rerere on the fork remote) into your rerere cache.",
			"fork:verify": "verifies every commit of release-X.Y-azure over upstream/release-X.Y, in parallel worktrees, skipping trees already verified.",
			"rhcos:publish": "copies each architecture's RHCOS VHD of release X.Y into the images storage account and prints read-only SAS URLs.",
			"rp:bumpVersion": "sets ARO-RP's default install stream to release X.Y.Z with its digest pull spec.",
			"rp:namespaces": "adds the new OpenShift namespaces of release X.Y.Z to ARO-RP's namespace.go.",
			"wrapper:vendor": "points the wrapper's OpenShift modules at release-X.Y, repairs replace chains, then tidies and vendors.",
		}

		keys := make([]string, 0, len(targets))
		for name := range targets {
			keys = append(keys, name)
		}
		_sort.Strings(keys)

		_fmt.Println("Targets:")
		w := _tabwriter.NewWriter(_os.Stdout, 0, 4, 4, ' ', 0)
		for _, name := range keys {
			_fmt.Fprintf(w, "  %v\t%v\n", printName(name), targets[name])
		}
		err := w.Flush()
		return err
	}

	var ctx _context.Context
	ctxCancel := func(){}

	// by deferring in a closure, we let the cancel function get replaced
	// by the getContext function.
	defer func() {
		ctxCancel()
	}()

	getContext := func() (_context.Context, func()) {
		if ctx == nil {
			if args.Timeout != 0 {
				ctx, ctxCancel = _context.WithTimeout(_context.Background(), args.Timeout)
			} else {
				ctx, ctxCancel = _context.WithCancel(_context.Background())
			}
		}

		return ctx, ctxCancel
	}

	runTarget := func(logger *_log.Logger, fn func(_context.Context) error) interface{} {
		var err interface{}
		ctx, cancel := getContext()
		d := make(chan interface{})
		go func() {
			defer func() {
				err := recover()
				d <- err
			}()
			err := fn(ctx)
			d <- err
		}()
		sigCh := make(chan _os.Signal, 1)
		_signal.Notify(sigCh, _syscall.SIGINT)
		select {
		case <-sigCh:
			logger.Println("cancelling mage targets, waiting up to 5 seconds for cleanup...")
			cancel()
			cleanupCh := _time.After(5 * _time.Second)

			select {
			// target exited by itself
			case err = <-d:
				return err
			// cleanup timeout exceeded
			case <-cleanupCh:
				return _fmt.Errorf("cleanup timeout exceeded")
			// second SIGINT received
			case <-sigCh:
				logger.Println("exiting mage")
				return _fmt.Errorf("exit forced")
			}
		case <-ctx.Done():
			cancel()
			e := ctx.Err()
			_fmt.Printf("ctx err: %v\n", e)
			return e
		case err = <-d:
			// we intentionally don't cancel the context here, because
			// the next target will need to run with the same _context.
			return err
		}
	}
	// This is necessary in case there aren't any targets, to avoid an unused
	// variable error.
	_ = runTarget

	handleError := func(logger *_log.Logger, err interface{}) {
		if err != nil {
			logger.Printf("Error: %+v\n", err)
			type code interface {
				ExitStatus() int
			}
			if c, ok := err.(code); ok {
				_os.Exit(c.ExitStatus())
			}
			_os.Exit(1)
		}
	}
	_ = handleError

	// Set MAGEFILE_VERBOSE so mg.Verbose() reflects the flag value.
	if args.Verbose {
		_os.Setenv("MAGEFILE_VERBOSE", "1")
	} else {
		_os.Setenv("MAGEFILE_VERBOSE", "0")
	}

	_log.SetFlags(0)
	if !args.Verbose {
		_log.SetOutput(_io.Discard)
	}
	logger := _log.New(_os.Stderr, "", 0)
	if args.List {
		if err := list(); err != nil {
			_log.Println(err)
			_os.Exit(1)
		}
		return
	}

	if args.Help {
		if len(args.Args) < 1 {
			logger.Println("no target specified")
			_os.Exit(2)
		}
		switch _strings.ToLower(args.Args[0]) {
			case "demo":
				_fmt.Println("Demo runs the toolkit on built-in example repositories in a temporary directory.\n\nIt builds an upstream installer, an ARO fork with carry patches and an engineer's clone, then\nruns the targets on them as a user would, printing what the user sees. Set\nRELEASEKIT_DEMO_DIR to keep the repositories somewhere to look at afterwards.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit demo\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:abort":
				_fmt.Println("Abort stops the sequence and puts the branch back where it was before the run.\n\nThe branch is never moved before a sequence finishes, so abort checks it out again as it was;\nthe work done so far stays reachable under refs/releasekit/aborted/ so nothing is lost. A\nbranch that someone else moved during the sequence keeps its new commits.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:abort\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:assess":
				_fmt.Println("Assess reports what changed upstream from release-X.Y-1 to release-X.Y that ARO must act on.\n\nIt compares upstream/release-X.Y-1 with upstream/release-X.Y: the Go version (go.mod and the\nCI builder image), changed azure Terraform files (which ARO ports to ARM templates), changed\nazure Go packages, and commit and file counts. The Markdown report is printed and written to\nthe repository's git dir (releasekit/assess-X.Y.md).\n\nFlags: -json prints the assessment for machines.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:assess <version> [-json=<bool>]\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:branch":
				_fmt.Println("Branch creates release-X.Y-azure from upstream/release-X.Y and bumps Go in the hack scripts.\n\nIt adds the upstream remote when missing (RELEASEKIT_UPSTREAM_URL), fetches it with the git\nCLI (your credentials apply; a fetch that stalls for RELEASEKIT_FETCH_TIMEOUT, default 2m,\ngives up), creates release-X.Y-azure from upstream/release-X.Y and checks it out. When\nhack/build.sh or hack/go-test.sh carry a lower Go than the release needs (the higher of\ngo.mod's go directive and the CI builder image's golang), both are rewritten and committed.\nThen it prints the assessment of upstream X.Y-1 → X.Y. Re-running on the branch at the same\nbase does nothing; a branch with other commits is never moved.\n\nFlags: -dryrun prints what would be done and changes nothing.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:branch <version> [-dryrun=<bool>]\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:canary":
				_fmt.Println("Canary replays the carry patches of release-X.Y-azure onto upstream's tip in a temporary worktree, to learn which still apply.\n\nThe carry patches of origin/release-X.Y-azure over upstream/release-X.Y are cherry-picked, in\na detached worktree of their own, onto the tip of upstream/release-X.Y (or -onto=REF:\n\"-onto=upstream/master\" shows what the next minor will look like). Your branch, index, work\ntree, stash and a stopped fork:cherryPick are never touched, and it never stops: each patch is\nclean, resolved by rerere, conflict (left out, and the patches after it are tried without\nit), empty (already upstream) or, with -verify, verify failed. Exit status 0 when every patch\napplies cleanly or through rerere, 1 when a person will be needed.\n\nFlags: -onto=REF replays onto REF instead of upstream/release-X.Y; -verify='CMD' runs CMD\n(sh -c) after each patch that applies (default: none); -fetch fetches the upstream remote\nfirst (not done by default); -sync merges the shared resolutions (fork:sync) into your\nrr-cache first; -json prints the result as JSON instead of the table; -report=FILE also writes\na Markdown report to FILE, for an issue or a chat post.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:canary <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-onto=<string>\n\t-verify=<string>\n\t-fetch=<bool>\n\t-sync=<bool>\n\t-json=<bool>\n\t-report=<string>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:cherrypick":
				_fmt.Println("CherryPick ports the carry patches of release-X.Y-1-azure onto release-X.Y-azure, verifying after each.\n\nrelease-X.Y-azure must be checked out (fork:branch X.Y makes it). The plan is the carry patches\nof upstream/release-X.Y-1..origin/release-X.Y-1-azure, merges left out, oldest first; patches\nwhose change upstream release-X.Y already has are dropped up front. Each patch is cherry-picked\n(rerere on, so a resolution recorded once is reused), then the verify command runs. The assets\ncommit is regenerated (RELEASEKIT_REGEN), verified and amended. A conflict, a failed verify or\nregenerate, files in the way or an interruption stop with exit status 2 and the next commands;\ngo on with fork:continue, fork:skip or fork:abort. The branch moves only when every patch is done.\n\nFlags: -verify='CMD' runs CMD after each patch (default RELEASEKIT_VERIFY, else\n\"./hack/build.sh && ./hack/go-test.sh\"; empty for none); -dryrun prints the plan and changes\nnothing; -sync merges the resolutions shared on the fork remote (fork:sync) into your rerere\ncache first.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:cherrypick <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-verify=<string>\n\t-dryrun=<bool>\n\t-sync=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:continue":
				_fmt.Println("Continue goes on with a stopped fork:cherryPick or fork:rebaseAgain after you fixed what stopped it.\n\nAfter a conflict: resolve the files and \"git add\" them (or commit them yourself); the commit\nkeeps the patch's own message and author. After a failed verify or regenerate: fix the tree and\nstage the fix, which is amended into the patch. The pending regenerate and verify of that patch\nrun again, then the rest of the sequence. It also resumes a run that was interrupted or killed.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:continue\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:patches":
				_fmt.Println("Patches lists the carry patches of release-X.Y-azure: what the fork adds to upstream.\n\nThe carry patches are the commits of origin/release-X.Y-azure that are not in\nupstream/release-X.Y, merges left out, oldest first. Each row gives the short hash, the kind\n(carry, hack, assets, other) and whether upstream release-X.Y+1 already has the same change\n(same patch-id), when that branch exists.\n\nFlags: -json prints the list for machines.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:patches <version> [-json=<bool>]\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:rebaseagain":
				_fmt.Println("RebaseAgain fetches upstream and replays release-X.Y-azure's carry patches onto the new upstream/release-X.Y tip.\n\nIt is the runbook's \"update installer fork again\": the carry patches are the commits of\nrelease-X.Y-azure not in upstream/release-X.Y (merges left out), replayed with the same steps,\nstops, rerere, assets regeneration, fork:continue/skip/abort/status and report as\nfork:cherryPick. Before anything changes, the old tip is recorded under\nrefs/releasekit/backup/release-X.Y-azure/<UTC time>; the branch moves only when the sequence\nfinishes, and fork:abort returns it to that tip. The report adds a range-diff of the old and\nnew series and warns of upstream lines a conflict resolution removed. A fetch that stalls for\nRELEASEKIT_FETCH_TIMEOUT (default 2m) gives up.\n\nFlags: -verify='CMD' as for fork:cherryPick; -dryrun prints the plan; -todo prints the\nequivalent `git rebase -i` todo list instead. Neither -dryrun nor -todo fetches. -sync merges\nthe resolutions shared on the fork remote (fork:sync) into your rerere cache first.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:rebaseagain <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-verify=<string>\n\t-dryrun=<bool>\n\t-todo=<bool>\n\t-sync=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:share":
				_fmt.Println("Share pushes your recorded conflict resolutions (rerere) to the fork remote as refs/releasekit/rerere, for your colleagues and CI.\n\nThe rr-cache's recorded resolutions (git's own preimage and postimage files) become a commit\nunder refs/releasekit/rerere whose tree is the rr-cache layout, on top of the previous one,\npushed to the fork remote (RELEASEKIT_FORK_REMOTE, default origin) together with\nrefs/notes/releasekit-verify when it exists, in one atomic push. Nothing is shared unless you\nrun this; the local ref moves only when the push succeeded.\n\nFlags: -dryrun says what would be pushed, and pushes and changes nothing; -json prints the\nresult as JSON.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:share [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-dryrun=<bool>\n\t-json=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:skip":
				_fmt.Println("Skip drops the patch a stopped sequence is on, cleans the tree, and goes on with the rest.\n\nThe patch is recorded as skipped in the report.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:skip\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:status":
				_fmt.Println("Status shows where a stopped or running sequence stands.\n\nFlags: -json prints the state for machines.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:status [-json=<bool>]\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:sync":
				_fmt.Println("Sync merges the resolutions your colleagues shared (refs/releasekit/rerere on the fork remote) into your rerere cache.\n\nIt fetches refs/releasekit/rerere from the fork remote (RELEASEKIT_FORK_REMOTE, default\norigin), checks that its tree holds nothing but git's rr-cache files\n(<id>/preimage, postimage, thisimage, and their .N variants, regular files) and refuses it,\nnaming the paths, when it holds anything else; then adds the entries you do not have. Your\nown entries are never overwritten. refs/notes/releasekit-verify is fetched too when it\nfast-forwards yours. fork:cherryPick, fork:rebaseAgain and fork:canary take -sync to do this first.\n\nFlags: -json prints the result as JSON.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:sync [-json=<bool>]\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "fork:verify":
				_fmt.Println("Verify verifies every commit of release-X.Y-azure over upstream/release-X.Y, in parallel worktrees, skipping trees already verified.\n\nIt works on your finished port (the local release-X.Y-azure) or, when there is no local\nbranch, on the fork remote's (a colleague's pushed branch). Each commit is checked out in a\ndetached worktree of its own under the git dir and the verify command runs there; the build\ncache is shared. Every result is kept as a git note on the commit's tree, under\nrefs/notes/releasekit-verify: a tree with a recorded pass for the same command is reported as\ncached and not run again (push and fetch that ref to share the results; see the README).\nA failure is never a cache hit. It prints a table of n, commit, subject, result (pass, fail,\ncached) and duration, and exits 1 when any commit fails, naming the first.\n\nFlags:\n-verify='CMD' the verify command (default RELEASEKIT_VERIFY, else \"./hack/build.sh && ./hack/go-test.sh\").\n-jobs=N how many verifies run at once (default RELEASEKIT_VERIFY_JOBS, else 1).\n-commit=REV verify that one commit of the series: the job of one CI runner.\n-matrix print the commits that still need a verify as a GitHub Actions matrix, and run nothing.\n-json print the result for machines.\n-reverify run even where a pass is recorded.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit fork:verify <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-verify=<string>\n\t-jobs=<string>\n\t-commit=<string>\n\t-matrix=<bool>\n\t-json=<bool>\n\t-reverify=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "rhcos:publish":
				_fmt.Println("Publish copies each architecture's RHCOS VHD of release X.Y into the images storage account and prints read-only SAS URLs.\n\nSources: rhel-coreos-extensions.azure-disk of data/data/coreos/rhcos.json at\norigin/release-X.Y-azure (or -stream=FILE). Each VHD is copied server-side into container\n\"rhcos\" as a page blob named after the source file; a finished copy is never made twice and a\npending one is waited for. stdout: \"ARCH<TAB>SAS-URL\" per architecture, then the Partner\nCenter JSON snippet (-json: only the JSON).\n\nFlags: -arch=x86_64,aarch64 -stream=FILE -expiry=21d -timeout=2h -dryrun -json.\nEnvironment: RELEASEKIT_STORAGE_ACCOUNT [openshiftimages], RELEASEKIT_STORAGE_RESOURCE_GROUP\n[images] and RELEASEKIT_SUBSCRIPTION_ID [$AZURE_SUBSCRIPTION_ID] to list the key with your\nAzure login; or RELEASEKIT_STORAGE_KEY; RELEASEKIT_BLOB_ENDPOINT\n[https://ACCOUNT.blob.core.windows.net/]; RELEASEKIT_FORK_REMOTE [origin].")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit rhcos:publish <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-stream=<string>\n\t-arch=<string>\n\t-expiry=<string>\n\t-timeout=<string>\n\t-dryrun=<bool>\n\t-json=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "rp:bumpversion":
				_fmt.Println("BumpVersion sets ARO-RP's default install stream to release X.Y.Z with its digest pull spec.\n\nIt rewrites only the Version and PullSpec of DefaultInstallStream in\npkg/util/version/const.go and prints the diff. The pull spec is -pullspec= when given\n(registry/repository@sha256:<64 hex>); otherwise it is the payload of X.Y.Z in the update\ngraph's channel stable-X.Y (-channel= for another), checked against the digest of the\nregistry's X.Y.Z-x86_64 tag. -dryrun prints the diff without writing.\n\nEnvironment: RELEASEKIT_GRAPH_URL [https://api.openshift.com],\nRELEASEKIT_RELEASE_REPO [quay.io/openshift-release-dev/ocp-release].")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit rp:bumpversion <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-pullspec=<string>\n\t-channel=<string>\n\t-dryrun=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "rp:namespaces":
				_fmt.Println("Namespaces adds the new OpenShift namespaces of release X.Y.Z to ARO-RP's namespace.go.\n\nThe namespaces are the kind: Namespace manifests of the release payload whose names start\nwith a prefix of -prefix= (comma-separated, default openshift). They are read from -from=DIR,\na directory of manifests such as `oc adm release extract` writes, or else streamed from the\nrelease image's release-manifests/ (the image is -pullspec= or resolved as rp:bumpVersion\ndoes, -channel= included). Missing names are added to the \"OCP namespaces\" group of\nIsOpenShiftNamespace in sorted position; nothing is deleted or reordered. -dryrun prints the\ndiff without writing.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit rp:namespaces <version> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-from=<string>\n\t-pullspec=<string>\n\t-channel=<string>\n\t-prefix=<string>\n\t-dryrun=<bool>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "wrapper:vendor":
				_fmt.Println("Vendor points the wrapper's OpenShift modules at release-X.Y, repairs replace chains, then tidies and vendors.\n\nRun it in the installer wrapper repository. Each module the rules name gets a replace at its\nbranch: github.com/openshift/* modules the wrapper requires follow release-X.Y, the installer\nis replaced by the ARO fork's release-X.Y-azure, hive is skipped, CAPZ comes from the\nOpenShift fork. Branches are resolved with the go command, honouring GOPROXY, GOPRIVATE,\nGONOPROXY and GOFLAGS. Replaces that dependencies rely on but Go does not carry over are\ncopied into go.mod; then go mod tidy runs (and go mod vendor when the repository vendors),\nand chains ending in v0.0.0-00010101000000-000000000000 are repaired from the go.mod of the\nmodule that requires the placeholder.\n\nRules come from hack/releasekit-modules.json (or -rules=FILE) over the defaults.\nFlags: -dryrun resolves and prints the plan, writing nothing; -json prints the report as JSON;\n-report=FILE also writes it as Markdown, ready for the pull request's body.\nEnvironment: RELEASEKIT_JOBS, how many go commands run at once (default 16).")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\treleasekit wrapper:vendor <xy> [<flags>]\n\n")
				_fmt.Print("Flags:\n\n\t-dryrun=<bool>\n\t-rules=<string>\n\t-json=<bool>\n\t-report=<string>\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			default:
				logger.Printf("Unknown target: %q\n", args.Args[0])
				_os.Exit(2)
		}
	}
	if len(args.Args) < 1 {
		if err := list(); err != nil {
			logger.Println("Error:", err)
			_os.Exit(1)
		}
		return
	}
	for x := 0; x < len(args.Args); {
		target := args.Args[x]
		x++

		// resolve aliases
		switch _strings.ToLower(target) {
		
		}

		switch _strings.ToLower(target) {
		
			case "demo":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Demo\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Demo")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Demo(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:abort":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Abort\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Abort")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Abort(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:assess":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Assess\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Assess")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Assess\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "json":
						_tmp1, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg1 = &_tmp1
					default:
						logger.Printf("unknown option %q for target \"Fork:Assess\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Assess(ctx, arg0, arg1)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:branch":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Branch\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Branch")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Branch\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "dryrun":
						_tmp1, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg1 = &_tmp1
					default:
						logger.Printf("unknown option %q for target \"Fork:Branch\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Branch(ctx, arg0, arg1)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:canary":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Canary\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Canary")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *string
				var arg3 *bool
				var arg4 *bool
				var arg5 *bool
				var arg6 *string
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "fetch":
							_optVal = "true"
						case "sync":
							_optVal = "true"
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Canary\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "onto":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "verify":
						_tmp2 := _optVal
						arg2 = &_tmp2
					case "fetch":
						_tmp3, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg3 = &_tmp3
					case "sync":
						_tmp4, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg4 = &_tmp4
					case "json":
						_tmp5, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg5 = &_tmp5
					case "report":
						_tmp6 := _optVal
						arg6 = &_tmp6
					default:
						logger.Printf("unknown option %q for target \"Fork:Canary\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Canary(ctx, arg0, arg1, arg2, arg3, arg4, arg5, arg6)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:cherrypick":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:CherryPick\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:CherryPick")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *bool
				var arg3 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						case "sync":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:CherryPick\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "verify":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "dryrun":
						_tmp2, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg2 = &_tmp2
					case "sync":
						_tmp3, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg3 = &_tmp3
					default:
						logger.Printf("unknown option %q for target \"Fork:CherryPick\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.CherryPick(ctx, arg0, arg1, arg2, arg3)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:continue":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Continue\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Continue")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Continue(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:patches":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Patches\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Patches")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Patches\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "json":
						_tmp1, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg1 = &_tmp1
					default:
						logger.Printf("unknown option %q for target \"Fork:Patches\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Patches(ctx, arg0, arg1)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:rebaseagain":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:RebaseAgain\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:RebaseAgain")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *bool
				var arg3 *bool
				var arg4 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						case "todo":
							_optVal = "true"
						case "sync":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:RebaseAgain\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "verify":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "dryrun":
						_tmp2, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg2 = &_tmp2
					case "todo":
						_tmp3, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg3 = &_tmp3
					case "sync":
						_tmp4, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg4 = &_tmp4
					default:
						logger.Printf("unknown option %q for target \"Fork:RebaseAgain\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.RebaseAgain(ctx, arg0, arg1, arg2, arg3, arg4)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:share":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Share\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Share")
				}
				
				var arg0 *bool
				var arg1 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Share\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "dryrun":
						_tmp0, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg0 = &_tmp0
					case "json":
						_tmp1, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg1 = &_tmp1
					default:
						logger.Printf("unknown option %q for target \"Fork:Share\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Share(ctx, arg0, arg1)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:skip":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Skip\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Skip")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Skip(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:status":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Status\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Status")
				}
				
				var arg0 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Status\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "json":
						_tmp0, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg0 = &_tmp0
					default:
						logger.Printf("unknown option %q for target \"Fork:Status\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Status(ctx, arg0)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:sync":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Sync\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Sync")
				}
				
				var arg0 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Sync\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "json":
						_tmp0, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg0 = &_tmp0
					default:
						logger.Printf("unknown option %q for target \"Fork:Sync\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Sync(ctx, arg0)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "fork:verify":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Fork:Verify\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Fork:Verify")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *string
				var arg3 *string
				var arg4 *bool
				var arg5 *bool
				var arg6 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "matrix":
							_optVal = "true"
						case "json":
							_optVal = "true"
						case "reverify":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Fork:Verify\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "verify":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "jobs":
						_tmp2 := _optVal
						arg2 = &_tmp2
					case "commit":
						_tmp3 := _optVal
						arg3 = &_tmp3
					case "matrix":
						_tmp4, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg4 = &_tmp4
					case "json":
						_tmp5, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg5 = &_tmp5
					case "reverify":
						_tmp6, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg6 = &_tmp6
					default:
						logger.Printf("unknown option %q for target \"Fork:Verify\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Fork{}.Verify(ctx, arg0, arg1, arg2, arg3, arg4, arg5, arg6)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "rhcos:publish":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Rhcos:Publish\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Rhcos:Publish")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *string
				var arg3 *string
				var arg4 *string
				var arg5 *bool
				var arg6 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Rhcos:Publish\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "stream":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "arch":
						_tmp2 := _optVal
						arg2 = &_tmp2
					case "expiry":
						_tmp3 := _optVal
						arg3 = &_tmp3
					case "timeout":
						_tmp4 := _optVal
						arg4 = &_tmp4
					case "dryrun":
						_tmp5, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg5 = &_tmp5
					case "json":
						_tmp6, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg6 = &_tmp6
					default:
						logger.Printf("unknown option %q for target \"Rhcos:Publish\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Rhcos{}.Publish(ctx, arg0, arg1, arg2, arg3, arg4, arg5, arg6)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "rp:bumpversion":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Rp:BumpVersion\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Rp:BumpVersion")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *string
				var arg3 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Rp:BumpVersion\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "pullspec":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "channel":
						_tmp2 := _optVal
						arg2 = &_tmp2
					case "dryrun":
						_tmp3, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg3 = &_tmp3
					default:
						logger.Printf("unknown option %q for target \"Rp:BumpVersion\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Rp{}.BumpVersion(ctx, arg0, arg1, arg2, arg3)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "rp:namespaces":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Rp:Namespaces\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Rp:Namespaces")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *string
				var arg2 *string
				var arg3 *string
				var arg4 *string
				var arg5 *bool
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Rp:Namespaces\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "from":
						_tmp1 := _optVal
						arg1 = &_tmp1
					case "pullspec":
						_tmp2 := _optVal
						arg2 = &_tmp2
					case "channel":
						_tmp3 := _optVal
						arg3 = &_tmp3
					case "prefix":
						_tmp4 := _optVal
						arg4 = &_tmp4
					case "dryrun":
						_tmp5, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg5 = &_tmp5
					default:
						logger.Printf("unknown option %q for target \"Rp:Namespaces\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Rp{}.Namespaces(ctx, arg0, arg1, arg2, arg3, arg4, arg5)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "wrapper:vendor":
				expected := x + 1
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Wrapper:Vendor\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Wrapper:Vendor")
				}
				
			arg0 := args.Args[x]
			x++
				var arg1 *bool
				var arg2 *string
				var arg3 *bool
				var arg4 *string
				for x < len(args.Args) && _strings.HasPrefix(args.Args[x], "-") {
					_optArg := args.Args[x]
					_eqIdx := _strings.Index(_optArg, "=")
					var _optName, _optVal string
					if _eqIdx < 0 {
						_optName = _strings.ToLower(_optArg[1:])
						switch _optName {
						case "dryrun":
							_optVal = "true"
						case "json":
							_optVal = "true"
						default:
							logger.Printf("invalid option %q for target \"Wrapper:Vendor\", expected -name=value format\n", _optArg)
							_os.Exit(2)
						}
					} else {
						_optName = _strings.ToLower(_optArg[1:_eqIdx])
						_optVal = _optArg[_eqIdx+1:]
					}
					switch _optName {
					case "dryrun":
						_tmp1, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg1 = &_tmp1
					case "rules":
						_tmp2 := _optVal
						arg2 = &_tmp2
					case "json":
						_tmp3, err := _strconv.ParseBool(_optVal)
						if err != nil {
							logger.Printf("can't convert option %q value %q to bool\n", _optName, _optVal)
							_os.Exit(2)
						}
						arg3 = &_tmp3
					case "report":
						_tmp4 := _optVal
						arg4 = &_tmp4
					default:
						logger.Printf("unknown option %q for target \"Wrapper:Vendor\"\n", _optName)
						_os.Exit(2)
					}
					x++
				}
				wrapFn := func(ctx _context.Context) error {
					return Wrapper{}.Vendor(ctx, arg0, arg1, arg2, arg3, arg4)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
		
		default:
			logger.Printf("Unknown target specified: %q\n", target)
			_os.Exit(2)
		}
	}
}




