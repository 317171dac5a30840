package commands

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/aro-releasekit/releasekit/internal/assess"
	"github.com/aro-releasekit/releasekit/internal/branch"
	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var remotes = []settings.Info{settings.ForkRemote, settings.UpstreamRemote}

var forkPatches = &cli.Command{
	Name:  "fork:patches",
	Args:  []string{"X.Y"},
	Short: "List the carry patches of release-X.Y-azure: what the fork adds to upstream.",
	Long: `The carry patches are the commits of origin/release-X.Y-azure that are not in
upstream/release-X.Y, merges left out, oldest first. Each row gives the short hash, the kind
(carry, hack, assets, other) and whether upstream release-X.Y+1 already has the same change
(same patch-id), when that branch exists.`,
	Settings: remotes,
	Flags: func(fs *flag.FlagSet) cli.Run {
		json := fs.Bool("json", false, "print the patches as JSON")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			s, err := carry.Patches(ctx, carry.PatchesOptions{Release: m, Remotes: forkRemotes(), Note: note})
			if err != nil {
				return cli.Fail(err)
			}
			if *json {
				return printJSON(patchesJSON(s))
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			upCol := ""
			if s.Compare != "" {
				upCol = "\tIN " + strings.ToUpper(m.Next().String())
			}
			fmt.Fprintf(tw, "#\tCOMMIT\tKIND%s\tSUBJECT\n", upCol)
			for i, p := range s.Patches {
				in := ""
				if s.Compare != "" {
					in = "\t-"
					if p.Upstream {
						in = "\tyes"
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s%s\t%s\n", i+1, p.Short(), p.Kind, in, p.Subject)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			summary := fmt.Sprintf("%d carry patches in %s over %s", len(s.Patches), s.Tip, s.Base)
			if s.Compare != "" {
				summary += fmt.Sprintf("; %d already in %s", s.InCompare(), s.Compare)
			}
			logf("%s", summary)
			return nil
		}
	},
}

type patchJSON struct {
	Hash     string   `json:"hash"`
	Short    string   `json:"short"`
	Subject  string   `json:"subject"`
	Kind     string   `json:"kind"`
	Author   string   `json:"author"`
	Paths    []string `json:"paths"`
	Upstream *bool    `json:"inUpstream,omitempty"`
}

func patchesJSON(s *carry.Series) any {
	rows := []patchJSON{}
	for _, p := range s.Patches {
		r := patchJSON{Hash: p.Hash.String(), Short: p.Short(), Subject: p.Subject, Kind: string(p.Kind),
			Author: p.Author.Name + " <" + p.Author.Email + ">", Paths: p.Paths}
		if s.Compare != "" {
			up := p.Upstream
			r.Upstream = &up
		}
		rows = append(rows, r)
	}
	return map[string]any{"base": s.Base, "tip": s.Tip, "compare": s.Compare, "patches": rows}
}

var forkAssess = &cli.Command{
	Name:  "fork:assess",
	Args:  []string{"X.Y"},
	Short: "Report what changed upstream from release-X.Y-1 to release-X.Y that ARO must act on.",
	Long: `It compares upstream/release-X.Y-1 with upstream/release-X.Y: the Go version (go.mod and the
CI builder image), changed azure Terraform files (which ARO ports to ARM templates), changed
azure Go packages, and commit and file counts. The Markdown report is printed and written to
the repository's git dir (releasekit/assess-X.Y.md).`,
	Settings: remotes,
	Flags: func(fs *flag.FlagSet) cli.Run {
		json := fs.Bool("json", false, "print the assessment as JSON")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			a, err := assess.Run(ctx, assess.Options{Release: m, Remotes: forkRemotes(), Note: note})
			if err != nil {
				return cli.Fail(err)
			}
			if *json {
				return printJSON(a.Assessment)
			}
			fmt.Fprint(out, a.Markdown())
			logf("report written to %s", a.Report)
			return nil
		}
	},
}

var forkBranch = &cli.Command{
	Name:  "fork:branch",
	Args:  []string{"X.Y"},
	Short: "Create release-X.Y-azure from upstream/release-X.Y and bump Go in the hack scripts.",
	Long: `It adds the upstream remote when missing (RELEASEKIT_UPSTREAM_URL), fetches it with the git
CLI (your credentials apply; a fetch that stalls for RELEASEKIT_FETCH_TIMEOUT, default 2m,
gives up), creates release-X.Y-azure from upstream/release-X.Y and checks it out. When
hack/build.sh or hack/go-test.sh carry a lower Go than the release needs (the higher of
go.mod's go directive and the CI builder image's golang), both are rewritten and committed.
Then it prints the assessment of upstream X.Y-1 → X.Y. Re-running on the branch at the same
base does nothing; a branch with other commits is never moved.`,
	Settings: []settings.Info{settings.ForkRemote, settings.UpstreamRemote, settings.UpstreamURL, settings.FetchTimeout},
	Flags: func(fs *flag.FlagSet) cli.Run {
		dryrun := fs.Bool("dryrun", false, "say what would be done; change nothing")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			stall, err := get(settings.FetchTimeout)
			if err != nil {
				return err
			}
			url, _ := settings.UpstreamURL.Get()
			res, err := branch.Run(ctx, branch.Options{Release: m, Remotes: forkRemotes(),
				UpstreamURL: url, DryRun: *dryrun, FetchStall: stall, Progress: logw, Notify: note})
			if err != nil {
				return cli.Fail(err)
			}
			verb := "done"
			if res.DryRun {
				verb = "would"
				fmt.Fprintln(out, "dry run: nothing changed")
			}
			for _, s := range res.Steps {
				fmt.Fprintf(out, "%s: %s\n", verb, s)
			}
			if res.Existed && !res.Bumped {
				fmt.Fprintf(out, "%s already exists at %s: nothing to do\n", res.Branch, res.Base)
			}
			if res.Go.Required != "" {
				fmt.Fprintf(out, "Go: release needs %s (go.mod %s, CI builder %s); scripts carry %s / %s\n",
					res.Go.Required, res.Go.GoMod, orDash(res.Go.Builder), orDash(res.Go.BuildScript), orDash(res.Go.TestScript))
			}
			if res.Assessment != nil {
				fmt.Fprintln(out)
				fmt.Fprint(out, res.Assessment.Markdown())
			}
			return nil
		}
	},
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
