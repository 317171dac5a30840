//go:build mage

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/assess"
	"github.com/aro-releasekit/releasekit/internal/branch"
	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Fork holds the targets that port ARO's carry patches in the installer fork.
type Fork mg.Namespace

// defaultFetchTimeout is how long a fetch of upstream may stall (RELEASEKIT_FETCH_TIMEOUT).
const defaultFetchTimeout = 2 * time.Minute

// forkEnv is what the fork targets read from the environment.
func forkRemotes() release.Remotes {
	return release.Remotes{Fork: os.Getenv("RELEASEKIT_FORK_REMOTE"), Upstream: os.Getenv("RELEASEKIT_UPSTREAM_REMOTE")}.OrDefault()
}

func fetchTimeout() (time.Duration, error) {
	v := envOr("RELEASEKIT_FETCH_TIMEOUT", "")
	if v == "" {
		return defaultFetchTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, cli.Usage(fmt.Errorf("invalid RELEASEKIT_FETCH_TIMEOUT %q: want a duration such as 2m or 90s", v))
	}
	return d, nil
}

func parseMinor(version string) (release.Minor, error) {
	m, err := release.ParseMinor(version)
	return m, cli.Usage(err)
}

// interruptible cancels ctx on SIGTERM as mage does on Ctrl-C, so that git and the verify
// command are stopped with the run and the sequence records where it was.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, syscall.SIGTERM)
}

func note(s string) { logf("%s", s) }

// Patches lists the carry patches of release-X.Y-azure: what the fork adds to upstream.
//
// The carry patches are the commits of origin/release-X.Y-azure that are not in
// upstream/release-X.Y, merges left out, oldest first. Each row gives the short hash, the kind
// (carry, hack, assets, other) and whether upstream release-X.Y+1 already has the same change
// (same patch-id), when that branch exists.
func (Fork) Patches(ctx context.Context, version string,
	json *bool, // print the patches as JSON
) error {
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	s, err := carry.Patches(ctx, carry.PatchesOptions{Release: m, Remotes: forkRemotes(), Note: note})
	if err != nil {
		return cli.Fail(err)
	}
	if isSet(json) {
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

// Assess reports what changed upstream from release-X.Y-1 to release-X.Y that ARO must act on.
//
// It compares upstream/release-X.Y-1 with upstream/release-X.Y: the Go version (go.mod and the
// CI builder image), changed azure Terraform files (which ARO ports to ARM templates), changed
// azure Go packages, and commit and file counts. The Markdown report is printed and written to
// the repository's git dir (releasekit/assess-X.Y.md).
func (Fork) Assess(ctx context.Context, version string,
	json *bool, // print the assessment as JSON
) error {
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	a, err := assess.Run(ctx, assess.Options{Release: m, Remotes: forkRemotes()})
	if err != nil {
		return cli.Fail(err)
	}
	if isSet(json) {
		return printJSON(a.Assessment)
	}
	fmt.Fprint(out, a.Markdown())
	logf("report written to %s", a.Report)
	return nil
}

// Branch creates release-X.Y-azure from upstream/release-X.Y and bumps Go in the hack scripts.
//
// It adds the upstream remote when missing (RELEASEKIT_UPSTREAM_URL), fetches it with the git
// CLI (your credentials apply; a fetch that stalls for RELEASEKIT_FETCH_TIMEOUT, default 2m,
// gives up), creates release-X.Y-azure from upstream/release-X.Y and checks it out. When
// hack/build.sh or hack/go-test.sh carry a lower Go than the release needs (the higher of
// go.mod's go directive and the CI builder image's golang), both are rewritten and committed.
// Then it prints the assessment of upstream X.Y-1 → X.Y. Re-running on the branch at the same
// base does nothing; a branch with other commits is never moved.
func (Fork) Branch(ctx context.Context, version string,
	dryrun *bool, // say what would be done; change nothing
) error {
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	stall, err := fetchTimeout()
	if err != nil {
		return err
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	res, err := branch.Run(ctx, branch.Options{Release: m, Remotes: forkRemotes(),
		UpstreamURL: envOr("RELEASEKIT_UPSTREAM_URL", "https://github.com/openshift/installer.git"),
		DryRun:      isSet(dryrun), FetchStall: stall, Progress: logw, Notify: note})
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

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
