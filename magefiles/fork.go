//go:build mage

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/assess"
	"github.com/aro-releasekit/releasekit/internal/branch"
	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Fork holds the targets that port ARO's carry patches in the installer fork.
type Fork mg.Namespace

// remotes are the fork's and upstream's remote names (RELEASEKIT_FORK_REMOTE,
// RELEASEKIT_UPSTREAM_REMOTE).
func remotes() (fork, upstream string) {
	return envOr("RELEASEKIT_FORK_REMOTE", "origin"), envOr("RELEASEKIT_UPSTREAM_REMOTE", "upstream")
}

func openRepo(ctx context.Context) (*git.Repo, error) {
	dir, err := workdir()
	if err != nil {
		return nil, err
	}
	repo, err := git.Open(ctx, dir)
	if errors.Is(err, git.ErrNotRepository) {
		return nil, fail(err, "cd into your clone of the installer fork, or pass -w DIR to mage")
	}
	if err != nil {
		return nil, fail(err)
	}
	if why := repo.CLIReads(); why != "" {
		logf("note: reading through the git CLI (%s)", why)
	}
	return repo, nil
}

func parseMinor(s string) (release.Minor, error) {
	m, err := release.ParseMinor(s)
	if err != nil {
		return m, fail(err)
	}
	return m, nil
}

// requireRefs names the first remote-tracking ref (remote/branch) that does not exist, and how
// to get it.
func requireRefs(ctx context.Context, repo *git.Repo, refs ...string) error {
	for _, ref := range refs {
		if !repo.Exists(ctx, ref) {
			remote, _, _ := strings.Cut(ref, "/")
			return missingRef(fmt.Errorf("%w %s", git.ErrUnknownRevision, ref), remote)
		}
	}
	return nil
}

// missingRef turns an unknown revision into an error that names the ref and how to get it.
func missingRef(err error, remote string) error {
	if errors.Is(err, git.ErrUnknownRevision) {
		return fail(err, fmt.Sprintf("fetch it with \"git fetch %s\", or check the remote names (RELEASEKIT_FORK_REMOTE, RELEASEKIT_UPSTREAM_REMOTE)", remote))
	}
	return fail(err)
}

// Patches lists the carry patches of release-X.Y-azure: what the fork adds to upstream.
//
// The carry patches are the commits of origin/release-X.Y-azure that are not in
// upstream/release-X.Y, merges left out, oldest first. Each row gives the short hash, the kind
// (carry, hack, assets, other) and whether upstream release-X.Y+1 already has the same change
// (same patch-id), when that branch exists. -json prints the same for machines.
func (Fork) Patches(ctx context.Context, version string, json *bool) error {
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	repo, err := openRepo(ctx)
	if err != nil {
		return err
	}
	forkRemote, upRemote := remotes()
	opts := carry.Options{Base: upRemote + "/" + m.UpstreamBranch(), Tip: forkRemote + "/" + m.ForkBranch()}
	if next := upRemote + "/" + m.Next().UpstreamBranch(); repo.Exists(ctx, next) {
		opts.Compare = next
	}
	if err := requireRefs(ctx, repo, opts.Base, opts.Tip); err != nil {
		return err
	}
	s, err := carry.Discover(ctx, repo, opts)
	if err != nil {
		return fail(err)
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
		n := 0
		for _, p := range s.Patches {
			if p.Upstream {
				n++
			}
		}
		summary += fmt.Sprintf("; %d already in %s", n, s.Compare)
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
// the repository's git dir (releasekit/assess-X.Y.md); -json prints it for machines.
func (Fork) Assess(ctx context.Context, version string, json *bool) error {
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	prev, err := m.Previous()
	if err != nil {
		return fail(err)
	}
	repo, err := openRepo(ctx)
	if err != nil {
		return err
	}
	_, up := remotes()
	from, to := up+"/"+prev.UpstreamBranch(), up+"/"+m.UpstreamBranch()
	if err := requireRefs(ctx, repo, from, to); err != nil {
		return err
	}
	a, err := assess.Assess(ctx, repo, from, to)
	if err != nil {
		return fail(err)
	}
	path, err := writeReport(ctx, repo, "assess-"+m.String()+".md", a.Markdown())
	if err != nil {
		return err
	}
	if isSet(json) {
		return printJSON(a)
	}
	fmt.Fprint(out, a.Markdown())
	logf("report written to %s", path)
	return nil
}

// writeReport writes a Markdown report under the repository's git dir.
func writeReport(ctx context.Context, repo *git.Repo, name, body string) (string, error) {
	dir, err := repo.GitPath(ctx, "releasekit")
	if err != nil {
		return "", fail(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fail(err)
	}
	p := filepath.Join(dir, name)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return "", fail(err)
	}
	return p, fail(os.Rename(tmp, p))
}

// Branch creates release-X.Y-azure from upstream/release-X.Y and bumps Go in the hack scripts.
//
// It adds the upstream remote when missing (RELEASEKIT_UPSTREAM_URL), fetches it with the git
// CLI (your credentials apply), creates release-X.Y-azure from upstream/release-X.Y and checks it
// out. When hack/build.sh or hack/go-test.sh carry a lower Go than the release needs (the higher
// of go.mod's go directive and the CI builder image's golang), both are rewritten and committed.
// Then it prints the assessment of upstream X.Y-1 → X.Y. Re-running on the branch at the same
// base does nothing; a branch with other commits is never moved. -dryrun changes nothing.
func (Fork) Branch(ctx context.Context, version string, dryrun *bool) error {
	m, err := parseMinor(version)
	if err != nil {
		return err
	}
	repo, err := openRepo(ctx)
	if err != nil {
		return err
	}
	forkRemote, upRemote := remotes()
	opts := branch.Options{Release: m, UpstreamRemote: upRemote, ForkRemote: forkRemote,
		UpstreamURL: envOr("RELEASEKIT_UPSTREAM_URL", "https://github.com/openshift/installer.git"),
		DryRun:      isSet(dryrun), Progress: logw}
	if !opts.DryRun {
		logf("fetching %s ...", upRemote)
	}
	res, err := branch.Create(ctx, repo, opts)
	if err != nil {
		return branchError(err, m)
	}
	verb := "done"
	if opts.DryRun {
		verb = "would"
		fmt.Fprintln(out, "dry run: nothing changed")
	}
	for _, s := range res.Steps {
		if s == "fetched "+upRemote {
			continue
		}
		fmt.Fprintf(out, "%s: %s\n", verb, s)
	}
	if res.Existed && !res.Bumped {
		fmt.Fprintf(out, "%s already exists at %s: nothing to do\n", res.Branch, res.Base)
	}
	if res.Go.Required != "" {
		fmt.Fprintf(out, "Go: release needs %s (go.mod %s, CI builder %s); scripts carry %s / %s\n",
			res.Go.Required, res.Go.GoMod, orDash(res.Go.Builder), orDash(res.Go.BuildScript), orDash(res.Go.TestScript))
	}
	if !res.Fetched && len(res.Steps) > 0 && strings.HasPrefix(res.Steps[0], "add remote") {
		return nil // dry run without the upstream refs: nothing to assess yet
	}
	prev, err := m.Previous()
	if err != nil || !repo.Exists(ctx, upRemote+"/"+prev.UpstreamBranch()) {
		return nil
	}
	fmt.Fprintln(out)
	a, err := assess.Assess(ctx, repo, upRemote+"/"+prev.UpstreamBranch(), res.Base)
	if err != nil {
		return fail(err)
	}
	fmt.Fprint(out, a.Markdown())
	return nil
}

func branchError(err error, m release.Minor) error {
	var dirty *branch.DirtyError
	var exists *branch.ExistsError
	var inprog *branch.InProgressError
	switch {
	case errors.As(err, &dirty):
		return fail(err, "commit or stash your changes (git stash), then run the target again")
	case errors.As(err, &inprog):
		return fail(err, "finish or abort it first (git status tells how)")
	case errors.As(err, &exists) && exists.Remote != "":
		return fail(err, fmt.Sprintf("work on it instead: git checkout -b %s %s/%s", exists.Branch, exists.Remote, exists.Branch))
	case errors.As(err, &exists):
		return fail(err, "releasekit never moves or resets a branch",
			fmt.Sprintf("to port the carry patches onto it run \"mage fork:cherryPick %s\"; to replay it onto a newer upstream run \"mage fork:rebaseAgain %s\"", m, m),
			"to start over, rename it yourself: git branch -m "+exists.Branch+" "+exists.Branch+"-old")
	case errors.Is(err, branch.ErrUpstreamBranchMissing):
		return fail(err, "check the release number and RELEASEKIT_UPSTREAM_REMOTE")
	}
	return fail(err)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
