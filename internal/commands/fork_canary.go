package commands

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aro-releasekit/releasekit/internal/canary"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/rerere"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var forkCanary = &cli.Command{
	Name:  "fork:canary",
	Args:  []string{"X.Y"},
	Short: "Replay the carry patches of release-X.Y-azure onto upstream's tip in a temporary worktree, to learn which still apply.",
	Long: `The carry patches of origin/release-X.Y-azure over upstream/release-X.Y are cherry-picked, in
a detached worktree of their own, onto the tip of upstream/release-X.Y (or -onto=REF:
"-onto=upstream/master" shows what the next minor will look like). Your branch, index, work
tree, stash and a stopped fork:cherryPick are never touched, and it never stops: each patch is
clean, resolved by rerere, conflict (left out, and the patches after it are tried without
it), empty (already upstream) or, with -verify, verify failed. For each conflict the report
names the upstream commits since the last port that touched the conflicting lines.

Exit status 0 when every patch applies cleanly or through rerere, 1 when a person will be
needed.`,
	Settings: []settings.Info{settings.ForkRemote, settings.UpstreamRemote, settings.Regen, settings.FetchTimeout},
	Flags: func(fs *flag.FlagSet) cli.Run {
		onto := stringFlag(fs, "onto", "replay onto `REF` instead of upstream/release-X.Y (e.g. upstream/master)")
		verify := stringFlag(fs, "verify", "run `CMD` (sh -c) after each patch that applies; default none")
		fetch := fs.Bool("fetch", false, "fetch the upstream remote first (not done by default)")
		sync := fs.Bool("sync", false, "merge the resolutions shared on the fork remote (fork:sync) into your rr-cache first")
		json := fs.Bool("json", false, "print the result as JSON instead of the table")
		report := filePath(fs, "report", "also write a Markdown report to `FILE`, for an issue or a chat post")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			dir, err := workdir()
			if err != nil {
				return err
			}
			stall, err := get(settings.FetchTimeout)
			if err != nil {
				return err
			}
			regen, _ := settings.Regen.Get()
			opts := canary.Options{Dir: dir, Release: m, Remotes: forkRemotes(),
				Verify: verify.Or(""), Regen: regen,
				Fetch: *fetch, FetchStall: stall, Sync: *sync, Onto: onto.Or(""), Progress: logw, Note: note}
			if *json {
				opts.Progress = nil
			}
			res, err := canary.Run(ctx, opts)
			if res == nil {
				return cli.Fail(err)
			}
			if res.Synced != nil {
				logf("%s", res.Synced.Summary())
			}
			recordCanary(ctx, dir, m, res)
			if p := report.Or(""); p != "" {
				if werr := fsutil.WriteFile(p, []byte(res.Markdown()), 0o644); werr != nil {
					return cli.Fail(fmt.Errorf("write the report: %w", werr))
				}
				logf("report: %s", p)
			}
			if *json {
				if perr := printJSON(res); perr != nil {
					return perr
				}
			} else {
				printCanary(res)
			}
			if err != nil {
				return cli.Fail(err, "port with "+cli.Cmd("fork:rebaseAgain", m.String())+" (or "+cli.Cmd("fork:cherryPick", m.Next().String())+") and resolve these; a resolution you record is reused by the next canary")
			}
			return nil
		}
	},
}

func printCanary(res *canary.Result) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "#\tCOMMIT\tRESULT\tSUBJECT\tDETAILS\n")
	for _, r := range res.Rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.N, r.Short(), r.Outcome, r.Subject, r.Detail())
	}
	tw.Flush()
	fmt.Fprintf(out, "%s\n", res.Summary())
}

var shareSettings = []settings.Info{settings.ForkRemote, settings.FetchTimeout}

var forkShare = &cli.Command{
	Name:  "fork:share",
	Short: "Push your recorded conflict resolutions (rerere) to the fork remote as refs/releasekit/rerere, for your colleagues and CI.",
	Long: `The rr-cache's recorded resolutions (git's own preimage and postimage files) become a commit
under refs/releasekit/rerere whose tree is the rr-cache layout, on top of the previous one,
pushed to the fork remote (RELEASEKIT_FORK_REMOTE, default origin) together with
refs/notes/releasekit-verify when it exists, in one atomic push. Nothing is shared unless you
run this; the local ref moves only when the push succeeded, and a refused push changes nothing.`,
	Settings: shareSettings,
	Flags: func(fs *flag.FlagSet) cli.Run {
		dryrun := fs.Bool("dryrun", false, "say what would be pushed; push and change nothing")
		json := fs.Bool("json", false, "print the result as JSON")
		return func(ctx context.Context, _ []string) error {
			dir, remote, stall, err := shareSetup()
			if err != nil {
				return err
			}
			res, err := rerere.Share(ctx, rerere.ShareOptions{Dir: dir, Remote: remote, DryRun: *dryrun, Stall: stall})
			if err != nil {
				return cli.Fail(err)
			}
			if *json {
				return printJSON(res)
			}
			switch {
			case res.DryRun:
				fmt.Fprintf(out, "dry run: would push %d resolutions to %s (%s)\n", res.Entries, res.Remote, strings.Join(res.Refs, " "))
			case res.Unchanged:
				fmt.Fprintf(out, "shared %d resolutions to %s: %s (unchanged since the last share)\n", res.Entries, res.Remote, res.Commit[:12])
			default:
				fmt.Fprintf(out, "shared %d resolutions to %s: %s\n", res.Entries, res.Remote, res.Commit[:12])
			}
			if res.Notes {
				fmt.Fprintf(out, "pushed %s too\n", rerere.NotesRef)
			}
			return nil
		}
	},
}

var forkSync = &cli.Command{
	Name:  "fork:sync",
	Short: "Merge the resolutions your colleagues shared (refs/releasekit/rerere on the fork remote) into your rerere cache.",
	Long: `It fetches refs/releasekit/rerere from the fork remote (RELEASEKIT_FORK_REMOTE, default
origin), checks that its tree holds nothing but git's rr-cache files (<id>/preimage,
postimage, thisimage, and their .N variants, regular files) and refuses it, naming the paths
and writing nothing, when it holds anything else; then adds the entries you do not have. Your
own entries are never overwritten. refs/notes/releasekit-verify is fetched too when it
fast-forwards yours. fork:cherryPick, fork:rebaseAgain and fork:canary take -sync to do this
first.`,
	Settings: shareSettings,
	Flags: func(fs *flag.FlagSet) cli.Run {
		json := fs.Bool("json", false, "print the result as JSON")
		return func(ctx context.Context, _ []string) error {
			dir, remote, stall, err := shareSetup()
			if err != nil {
				return err
			}
			res, err := rerere.Sync(ctx, rerere.SyncOptions{Dir: dir, Remote: remote, Stall: stall})
			if err != nil {
				return cli.Fail(err)
			}
			if *json {
				return printJSON(res)
			}
			fmt.Fprintln(out, res.Summary())
			return nil
		}
	},
}

// shareSetup is what fork:share and fork:sync read: the repository, the fork remote and the
// fetch stall timeout.
func shareSetup() (dir, remote string, stall time.Duration, err error) {
	if dir, err = workdir(); err != nil {
		return
	}
	stall, err = get(settings.FetchTimeout)
	return dir, forkRemotes().Fork, stall, err
}
