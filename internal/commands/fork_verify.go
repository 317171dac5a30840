package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aro-releasekit/releasekit/internal/canary"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/settings"
	vfy "github.com/aro-releasekit/releasekit/internal/verify"
)

func secondsText(s float64) string { return humanize.Seconds(s) }

var forkVerify = &cli.Command{
	Name:  "fork:verify",
	Args:  []string{"X.Y"},
	Short: "Verify every commit of release-X.Y-azure over upstream/release-X.Y, in parallel worktrees, skipping trees already verified.",
	Long: `It works on your finished port (the local release-X.Y-azure) or, when there is no local
branch, on the fork remote's (a colleague's pushed branch). Each commit is checked out in a
detached worktree under the git dir, one per running verify (moved and cleaned between
commits, kept as a pool for the next run, which checks out only what differs; fork:gc removes
it), and the verify command runs there; the build cache is shared.

Every result is kept as a git note on the commit's tree, under refs/notes/releasekit-verify:
a tree with a recorded pass for the same command is reported as cached and not run again
(push and fetch that ref to share the results; see the README). A failure is never a cache
hit. It prints a table of n, commit, subject, result (pass, fail, cached) and duration, and
exits 1 when any commit fails, naming the first.`,
	Settings: []settings.Info{settings.ForkRemote, settings.UpstreamRemote, settings.Verify, settings.VerifyJobs},
	Flags: func(fs *flag.FlagSet) cli.Run {
		verify := stringFlag(fs, "verify", "the verify `CMD` (default RELEASEKIT_VERIFY, else \"./hack/build.sh && ./hack/go-test.sh\")")
		jobs := jobs(fs, "verify `N` commits at once, each in a worktree (default RELEASEKIT_VERIFY_JOBS, else 1)")
		commit := stringFlag(fs, "commit", "verify this one `COMMIT` of the series: the job of one CI runner")
		matrix := fs.Bool("matrix", false, "print the commits still to verify as a GitHub Actions matrix; run nothing")
		json := fs.Bool("json", false, "print the result as JSON")
		reverify := fs.Bool("reverify", false, "verify even trees the notes record a pass for")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			n, err := jobs.Get()
			if err != nil {
				return err
			}
			dir, err := workdir()
			if err != nil {
				return err
			}
			def, _ := settings.Verify.Get()
			opts := vfy.Options{Dir: dir, Release: m, Remotes: forkRemotes(),
				Command: verify.Or(def), Jobs: n, Reverify: *reverify, Commit: commit.Or(""),
				Matrix: *matrix, Warn: func(s string) { logf("warning: %s", s) }, Note: note}
			if !opts.Matrix {
				opts.Progress = func(r vfy.Row) { logf("verify %d %.7s: %s", r.N, r.Commit, resultText(r)) }
			}
			res, err := vfy.Run(ctx, opts)
			switch {
			case opts.Matrix && err == nil:
				return cli.Fail(printJSONLine(res.Matrix()))
			case *json && res.Rows != nil:
				if jerr := printJSON(res); jerr != nil {
					return cli.Fail(jerr)
				}
			case res.Rows != nil:
				printVerifyTable(res)
			}
			if err != nil {
				var fe *vfy.FailedError
				if errors.As(err, &fe) && fe.First.Tail != "" {
					logf("    %s", strings.ReplaceAll(fe.First.Tail, "\n", "\n    "))
				}
				return cli.Fail(err)
			}
			return nil
		}
	},
}

func resultText(r vfy.Row) string {
	if r.Result == vfy.Cached {
		return fmt.Sprintf("passed on %s at %s (cached)", r.Host, r.Time.Format(time.RFC3339))
	}
	return fmt.Sprintf("%s in %s", r.Result, secondsText(r.Seconds))
}

func printVerifyTable(res vfy.Result) {
	fmt.Fprintf(out, "%s over %s, verified with %s\n\n", res.Branch, res.Base, res.Command)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "n\tcommit\tsubject\tresult\tduration")
	for _, r := range res.Rows {
		dur := secondsText(r.Seconds)
		if r.Result == vfy.Cached {
			dur = "passed on " + r.Host + " at " + r.Time.Format(time.RFC3339)
		}
		if r.Result == "" {
			dur = ""
		}
		fmt.Fprintf(tw, "%d\t%.7s\t%s\t%s\t%s\n", r.N, r.Commit, r.Subject, orDash(r.Result), dur)
	}
	tw.Flush()
	counts := map[string]int{}
	for _, r := range res.Rows {
		counts[r.Result]++
	}
	fmt.Fprintf(out, "\n%d of %d commits: %d pass, %d cached, %d fail\n", len(res.Rows), res.Total, counts[vfy.Pass], counts[vfy.Cached], counts[vfy.Fail])
}

var forkGC = &cli.Command{
	Name:  "fork:gc",
	Short: "Remove the verify worktrees kept between runs, and what killed verifies and canaries left.",
	Long: `fork:verify and the parallel verifies of a port keep their worktrees under the git dir
(releasekit/worktrees/pool-N), so that the next run checks out only the files that differ.
fork:gc removes them, except those a running verify holds, and says how much disk it freed.
With -age it removes only the worktrees unused for longer than that.`,
	Flags: func(fs *flag.FlagSet) cli.Run {
		age := fs.Duration("age", 0, "remove only the worktrees unused for longer than this `DURATION` (e.g. 168h); 0 removes them all")
		json := fs.Bool("json", false, "print what was removed as JSON")
		return func(ctx context.Context, _ []string) error {
			dir, err := workdir()
			if err != nil {
				return err
			}
			res, err := vfy.GC(ctx, vfy.GCOptions{Dir: dir, MaxAge: *age, PruneOthers: canary.Prune, Note: note})
			if res != nil {
				if *json {
					if jerr := printJSON(res); jerr != nil {
						return cli.Fail(jerr)
					}
				} else {
					fmt.Fprintln(out, res.Summary())
				}
			}
			return err
		}
	},
}
