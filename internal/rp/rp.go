// Package rp runs the ARO-RP steps of the runbook: set the default install stream
// (BumpVersion) and add a release's new namespaces (Namespaces), from the update graph, the
// registry or extracted manifests, through minimal-diff edits of the checkout's sources.
package rp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rpsource"
)

// The files the targets edit, relative to the ARO-RP checkout.
const (
	ConstFile     = "pkg/util/version/const.go"
	NamespaceFile = "pkg/util/namespace/namespace.go"
)

// The settings that point the targets at other endpoints.
const (
	EnvGraphURL    = "RELEASEKIT_GRAPH_URL"
	EnvReleaseRepo = "RELEASEKIT_RELEASE_REPO"
)

const pullSpecHint = "or give the pull spec yourself: -pullspec=REGISTRY/REPOSITORY@sha256:DIGEST"

// Endpoints are where the targets find releases: the update graph and the release images.
type Endpoints struct {
	// GraphURL is the update graph; default payload.DefaultGraphURL.
	GraphURL string
	// ReleaseRepo holds the X.Y.Z-x86_64 tags; default payload.DefaultReleaseRepo.
	ReleaseRepo string
	// Timeout bounds each request's connect and wait for an answer; default netutil.DefaultTimeout.
	Timeout time.Duration
}

func (e *Endpoints) validate() error {
	if e.GraphURL == "" {
		e.GraphURL = payload.DefaultGraphURL
	}
	if e.ReleaseRepo == "" {
		e.ReleaseRepo = payload.DefaultReleaseRepo
	}
	if e.Timeout <= 0 {
		e.Timeout = netutil.DefaultTimeout
	}
	u, err := url.Parse(e.GraphURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cli.Usage(fmt.Errorf("invalid %s %q: want http(s)://host", EnvGraphURL, redact.URL(e.GraphURL)),
			fmt.Sprintf("set %s to the update graph, such as %s", EnvGraphURL, payload.DefaultGraphURL))
	}
	return nil
}

// Result is what a target did to its file.
type Result struct {
	// File is the file's path in the checkout.
	File string
	// Diff is the unified diff of the change; "" when nothing changes.
	Diff string
	// DryRun: the diff was not written.
	DryRun bool
	// Summary says what changed, or why nothing did.
	Summary string
}

// Print writes the result as the targets show it: the diff, then one line.
func (r Result) Print(w io.Writer) {
	fmt.Fprint(w, r.Diff)
	if r.DryRun && r.Diff != "" {
		fmt.Fprintf(w, "dry run: %s not written\n", r.File)
		return
	}
	fmt.Fprintln(w, r.Summary)
}

type logger struct{ w io.Writer }

func (l logger) printf(format string, args ...any) {
	if l.w != nil {
		fmt.Fprintf(l.w, format+"\n", args...)
	}
}

// readSource reads one of the checkout's files.
func readSource(dir, rel string) (path string, src []byte, err error) {
	path = filepath.Join(dir, filepath.FromSlash(rel))
	src, err = os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, cli.Fail(fmt.Errorf("%s not found in %s", rel, dir), "run the target inside an Azure/ARO-RP checkout")
	}
	if err != nil {
		return "", nil, cli.Fail(err)
	}
	return path, src, nil
}

// sourceErr gives an edit's refusal its fix.
func sourceErr(err error, rel string) error {
	var pe *rpsource.ParseError
	switch {
	case errors.As(err, &pe):
		return cli.Fail(err, fmt.Sprintf("fix the Go syntax first (go build ./%s); %s was not changed", filepath.ToSlash(filepath.Dir(rel)), rel))
	case errors.Is(err, rpsource.ErrNoStream), errors.Is(err, rpsource.ErrUnsupportedShape):
		return cli.Fail(err, fmt.Sprintf(`%s must declare %s = Stream{Version: NewVersion(X, Y, Z), PullSpec: "..."}; edit it by hand this time`, rel, rpsource.StreamVar))
	case errors.Is(err, rpsource.ErrNoOCPGroup), errors.Is(err, rpsource.ErrNoNamespaceMap):
		return cli.Fail(err, fmt.Sprintf(`%s must have %s with a map literal and an "// OCP namespaces" comment above its OCP entries`, rel, rpsource.NamespaceFunc))
	}
	return cli.Fail(err)
}

// apply is the tail both targets share: show the diff, and write it unless this is a dry run.
// It fills res.Diff and res.DryRun; summary is the line for a written change.
func apply(path, rel string, e rpsource.Edit, dryRun bool, log logger, res *Result, summary string) error {
	res.File = rel
	res.Diff = e.Diff(rel)
	if !e.Reformatted {
		log.printf("warning: %s was not gofmt-clean before the edit; its formatting was left as it was", rel)
	}
	if dryRun {
		res.DryRun = true
		return nil
	}
	if err := fsutil.Replace(path, e.Old, e.New); err != nil {
		return cli.Fail(err, "run the target again")
	}
	res.Summary = summary
	return nil
}

// pullSpec is the given pull spec, or the graph's payload of v confirmed by the registry.
func pullSpec(ctx context.Context, ep Endpoints, v release.Patch, given, channel *string, log logger) (payload.PullSpec, error) {
	if given != nil {
		if channel != nil {
			log.printf("-channel=%s is not used: -pullspec names the release image", *channel)
		}
		ps, err := payload.ParsePullSpec(*given)
		if err != nil {
			return payload.PullSpec{}, cli.Usage(err, "copy the digest pull spec from the release's errata or the update graph")
		}
		return ps, nil
	}
	ch, err := channelOf(v, channel)
	if err != nil {
		return payload.PullSpec{}, err
	}
	if err := ep.validate(); err != nil {
		return payload.PullSpec{}, err
	}
	r := payload.Resolver{
		Graph:       payload.GraphClient{URL: ep.GraphURL, Timeout: ep.Timeout},
		ReleaseRepo: ep.ReleaseRepo,
		Registry:    payload.Registry{Timeout: ep.Timeout},
	}
	log.printf("resolving %s in channel %s of %s", v, ch, redact.URL(ep.GraphURL))
	res, err := r.Resolve(ctx, v, ch)
	var te *netutil.TimeoutError
	var nic *payload.NotInChannelError
	var dm *payload.DigestMismatchError
	switch {
	case err == nil:
	case errors.As(err, &te):
		return payload.PullSpec{}, cli.Fail(err, netutil.Hint(te), pullSpecHint)
	case errors.As(err, &nic) && v.IsCandidate():
		return payload.PullSpec{}, cli.Fail(err, pullSpecHint)
	case errors.As(err, &nic):
		m := v.Minor
		return payload.PullSpec{}, cli.Fail(err,
			fmt.Sprintf("a new release reaches candidate-%s and fast-%s before %s: try -channel=candidate-%s", m, m, m.Channel(), m),
			pullSpecHint)
	case errors.As(err, &dm):
		return payload.PullSpec{}, cli.Fail(err,
			"do not install this release until you know which digest is right",
			"give the verified one with -pullspec=REGISTRY/REPOSITORY@sha256:DIGEST")
	case errors.Is(err, payload.ErrGraphUnavailable):
		return payload.PullSpec{}, cli.Fail(err,
			fmt.Sprintf("set %s to a reachable update graph, %s", EnvGraphURL, pullSpecHint))
	default:
		// What is left is the registry's answer on the X.Y.Z-x86_64 tag.
		return payload.PullSpec{}, cli.Fail(err,
			fmt.Sprintf("set %s to the repository of the release images, %s", EnvReleaseRepo, pullSpecHint))
	}
	log.printf("%s: %s (the registry's %s agrees)", v, res.PullSpec, res.RegistryRef)
	return res.PullSpec, nil
}

// channelOf is -channel= when given (checked before anything is asked), else stable-X.Y.
func channelOf(v release.Patch, channel *string) (string, error) {
	if channel == nil {
		return v.Channel(), nil
	}
	if !payload.ValidChannel(*channel) {
		m := v.Minor
		return "", cli.Usage(fmt.Errorf("invalid -channel=%q: want NAME-X.Y, for example %s", *channel, m.Channel()),
			fmt.Sprintf("give a channel of the update graph: stable-%s, fast-%s, candidate-%s or eus-%s", m, m, m, m))
	}
	return *channel, nil
}

func parseVersion(s, target, what string) (release.Patch, error) {
	v, err := release.ParseVersion(s)
	if err != nil {
		return release.Patch{}, cli.Usage(err, fmt.Sprintf(`run "%s", say, with %s`, cli.Cmd(target, "4.16.3"), what))
	}
	return v, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(not a literal version)"
	}
	return s
}

func since(t time.Time) string { return humanize.Duration(time.Since(t)) }
