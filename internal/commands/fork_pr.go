package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/pr"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var prSettings = []settings.Info{settings.PRRemote, settings.GitHubAPIURL, settings.HTTPTimeout}

var forkPR = &cli.Command{
	Name:  "fork:pr",
	Args:  []string{"X.Y"},
	Short: "Push release-X.Y-azure to your fork and open (or update) its pull request on the installer fork.",
	Long: `The runbook ends with a pull request: release-X.Y-azure is pushed to your fork's remote
(RELEASEKIT_PR_REMOTE, default "fork") and proposed to the branch of the same name in the
repository of RELEASEKIT_FORK_REMOTE (openshift/installer-aro); owners and names come from the
remotes' URLs. The body is the newest port report (fork:cherryPick or fork:rebaseAgain) in
Markdown. A push never forces, except over releasekit's own earlier push of the branch
(--force-with-lease with the commit it recorded). When the pull request exists, its body is
updated. When the base branch does not exist yet, nothing is pushed and the request for a
repository admin is printed. The token comes from GITHUB_TOKEN, GH_TOKEN or gh auth token and
is never printed; GITHUB_API_URL names another API.`,
	Settings: append([]settings.Info{settings.ForkRemote, settings.UpstreamRemote}, prSettings...),
	Flags: func(fs *flag.FlagSet) cli.Run {
		remote := stringFlag(fs, "remote", "push to this remote (default $RELEASEKIT_PR_REMOTE, fork)")
		json := fs.Bool("json", false, "print the result as JSON")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			dir, err := workdir()
			if err != nil {
				return err
			}
			rem := forkRemotes()
			body := forkReportBody(ctx, dir, m, rem)
			return openPR(ctx, pr.Options{
				Dir: dir, BaseRemote: rem.Fork, PushRemote: prRemote(remote), Branch: m.ForkBranch(), BaseBranch: m.ForkBranch(),
				Title: fmt.Sprintf("Carry patches for OpenShift %s (%s)", m, m.ForkBranch()), Body: body,
				AdminRequest: adminRequest(ctx, dir, m, rem),
			}, *json)
		}
	},
}

func prRemote(o *optString) string {
	def, _ := settings.PRRemote.Get()
	return o.Or(def)
}

// openPR runs pr.Open with the API and timeout from the settings and prints what it did.
func openPR(ctx context.Context, o pr.Options, json bool) error {
	t, err := get(settings.HTTPTimeout)
	if err != nil {
		return err
	}
	o.Timeout = t
	o.APIURL, _ = settings.GitHubAPIURL.Get()
	res, err := pr.Open(ctx, o)
	var nb *pr.NoBaseError
	if errors.As(err, &nb) {
		if nb.Request != "" {
			fmt.Fprintf(out, "Ask a repository admin of %s:\n\n%s\n", nb.Repo, indent(nb.Request))
		}
		return cli.Fail(err, "once the branch exists, run this again: nothing was pushed")
	}
	if err != nil {
		return err
	}
	if json {
		return printJSON(res)
	}
	logf("pushed %s (%s) to %s", res.Branch, res.Commit[:12], res.Head)
	verb := "opened"
	if res.PR.Updated {
		verb = "updated the body of"
	}
	fmt.Fprintf(out, "%s pull request #%d %s:%s -> %s:%s\n%s\n", verb, res.PR.Number, res.Head, res.Branch, res.Base, res.BaseBranch, res.PR.URL)
	return nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

// adminRequest is the runbook's request: create release-X.Y-azure from upstream release-X.Y.
func adminRequest(ctx context.Context, dir string, m release.Minor, rem release.Remotes) string {
	at := ""
	if repo, err := git.Open(ctx, dir); err == nil {
		if h, err := repo.Resolve(ctx, rem.UpstreamBranch(m)); err == nil {
			at = fmt.Sprintf(" at %s", h.String())
		}
		repo.Close()
	}
	return fmt.Sprintf("Please create the branch %s from openshift/installer's %s%s,\nso that the carry patches of OpenShift %s can be proposed to it in a pull request.",
		m.ForkBranch(), m.UpstreamBranch(), at, m)
}

// forkReportBody is the newest Markdown report of a port of m, or a short body naming the
// branch when there is none.
func forkReportBody(ctx context.Context, dir string, m release.Minor, rem release.Remotes) string {
	if repo, err := git.Open(ctx, dir); err == nil {
		defer repo.Close()
		if sd, err := repo.StateDir(ctx); err == nil {
			matches, _ := filepath.Glob(sd.PortReports(m.String()))
			sort.Slice(matches, func(i, j int) bool { return modTime(matches[i]) > modTime(matches[j]) })
			if len(matches) > 0 {
				if b, err := os.ReadFile(matches[0]); err == nil {
					return string(b)
				}
			}
		}
	}
	return fmt.Sprintf("# %s\n\nThe carry patches of OpenShift %s over upstream %s.\n", m.ForkBranch(), m, rem.UpstreamBranch(m))
}

func modTime(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.ModTime().UnixNano()
}

// prChange commits files on branch and opens the pull request of a -pr against the default
// branch of RELEASEKIT_PR_BASE_REMOTE's repository.
func prChange(ctx context.Context, dir, branch, title, body string, json bool, files ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var present []string
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			present = append(present, f)
		}
	}
	committed, err := pr.Commit(ctx, dir, branch, title, present...)
	if err != nil {
		return err
	}
	if committed {
		logf("committed %s on %s", strings.Join(present, ", "), branch)
	}
	if body, err = pr.Body(ctx, dir, branch, body, committed); err != nil {
		return err
	}
	base, _ := settings.PRBaseRemote.Get()
	push, _ := settings.PRRemote.Get()
	if json {
		// stdout holds the target's JSON document; what the pull request did goes to stderr.
		saved := out
		out = logw
		defer func() { out = saved }()
	}
	return openPR(ctx, pr.Options{Dir: dir, BaseRemote: base, PushRemote: push, Branch: branch, Title: title, Body: body}, false)
}

// prFlag is -pr on the targets whose change ends in a pull request.
func prFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("pr", false, "commit the change on a releasekit/ branch, push it to $RELEASEKIT_PR_REMOTE and open or update its pull request against the default branch")
}

// diffBody is a -pr body for a source edit: what changed and the diff.
func diffBody(summary, diff string) string {
	return fmt.Sprintf("%s\n\n```diff\n%s```\n\n_Opened by releasekit._\n", summary, diff)
}
