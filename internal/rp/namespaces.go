package rp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rpsource"
)

// NamespacesOptions say whose namespaces to add to the checkout in Dir, and from where.
type NamespacesOptions struct {
	Dir string
	// Version is the release, X.Y.Z.
	Version string
	// From, when set, is a directory of extracted release manifests.
	From *string
	// PullSpec, when set, is the release image; else it is resolved as BumpVersion does.
	PullSpec *string
	// Channel, when set, is the update graph channel to look in; else stable-X.Y.
	Channel *string
	// Prefix, when set, is the comma-separated namespace prefixes to keep; else "openshift".
	Prefix *string
	DryRun bool
	Endpoints
	// Log receives progress and warnings (stderr); nil discards them.
	Log io.Writer
}

// NamespacesResult is a Result with the namespaces found.
type NamespacesResult struct {
	Result
	Version release.Patch
	// Added are the namespaces added (or, in a dry run, to add), sorted.
	Added []string
	// Kept are listed namespaces the release no longer creates: kept, as entries are never deleted.
	Kept []string
}

// Namespaces adds the release's Namespace manifests that namespace.go lacks to its OCP group.
func Namespaces(ctx context.Context, o NamespacesOptions) (NamespacesResult, error) {
	log := logger{o.Log}
	v, err := parseVersion(o.Version, "rp:namespaces", "the release whose namespaces to add")
	if err != nil {
		return NamespacesResult{}, err
	}
	prefixes, err := parsePrefixes(o.Prefix)
	if err != nil {
		return NamespacesResult{}, cli.Usage(err)
	}
	if o.From != nil && o.PullSpec != nil {
		return NamespacesResult{}, cli.Usage(errors.New("-from and -pullspec both say where the manifests are"), "give one of them")
	}
	if o.From != nil && *o.From == "" {
		return NamespacesResult{}, cli.Usage(errors.New("-from is empty"), "give the directory of release manifests: -from=DIR")
	}
	if o.From == nil && o.PullSpec == nil {
		if _, err := channelOf(v, o.Channel); err != nil {
			return NamespacesResult{}, err
		}
		if err := o.Endpoints.validate(); err != nil {
			return NamespacesResult{}, err
		}
	}
	path, src, err := readSource(o.Dir, NamespaceFile)
	if err != nil {
		return NamespacesResult{}, err
	}
	if _, err := rpsource.Namespaces(NamespaceFile, src); err != nil {
		return NamespacesResult{}, sourceErr(err, NamespaceFile)
	}

	filter := payload.Filter{Prefixes: prefixes}
	m, where, err := manifests(ctx, o, v, filter, log)
	if err != nil {
		return NamespacesResult{}, err
	}
	if m.Version != "" && m.Version != v.String() {
		return NamespacesResult{}, cli.Fail(fmt.Errorf("the manifests in %s are release %s, not %s", where, m.Version, v),
			fmt.Sprintf(`run "%s" if that is the release you meant`, cli.Cmd("rp:namespaces", m.Version)))
	}
	if len(m.Namespaces) == 0 {
		return NamespacesResult{}, cli.Fail(fmt.Errorf("no Namespace manifests named %s* in %s", strings.Join(prefixes, "*, "), where),
			"check -prefix= and that this is a release payload")
	}
	e, err := rpsource.AddNamespaces(NamespaceFile, src, m.Namespaces)
	if err != nil {
		return NamespacesResult{}, sourceErr(err, NamespaceFile)
	}
	res := NamespacesResult{Version: v, Added: e.Added, Kept: dropped(e.Group, m.Namespaces, filter)}
	if len(res.Kept) > 0 {
		log.printf("not among the Namespace manifests of %s (kept, as entries are never deleted): %s", v, strings.Join(res.Kept, ", "))
	}
	if len(e.Added) == 0 {
		res.File = NamespaceFile
		res.Summary = fmt.Sprintf("%s: no new namespaces; all %d %s namespaces of %s are listed", NamespaceFile, len(m.Namespaces), strings.Join(prefixes, ","), v)
		return res, nil
	}
	err = apply(path, NamespaceFile, e.Edit, o.DryRun, log, &res.Result,
		fmt.Sprintf("%s: added %d namespace(s) of %s: %s", NamespaceFile, len(e.Added), v, strings.Join(e.Added, ", ")))
	return res, err
}

// dropped are the group's names the filter covers that the release no longer creates.
func dropped(group, release []string, f payload.Filter) []string {
	var gone []string
	for _, ns := range group {
		if ns != "" && !slices.Contains(release, ns) && f.Keep(ns) {
			gone = append(gone, ns)
		}
	}
	return gone
}

// manifests reads the release's manifests from -from=DIR or from the release image.
func manifests(ctx context.Context, o NamespacesOptions, v release.Patch, f payload.Filter, log logger) (payload.Manifests, string, error) {
	if o.From != nil {
		m, err := payload.DirManifests(*o.From, f)
		if err != nil {
			return m, "", cli.Fail(err, `extract the manifests with "oc adm release extract --to=DIR <release image>"`)
		}
		return m, *o.From, nil
	}
	ps, err := pullSpec(ctx, o.Endpoints, v, o.PullSpec, o.Channel, log)
	if err != nil {
		return payload.Manifests{}, "", err
	}
	log.printf("reading %s/ from the layers of %s", payload.ManifestsDir, ps)
	start := time.Now()
	reg := payload.Registry{Timeout: o.Timeout, Progress: func(layer, layers int, size int64) {
		log.printf("  layer %d/%d (%s)", layer, layers, humanize.Bytes(size))
	}}
	m, err := reg.ImageManifests(ctx, ps, f)
	if err != nil {
		hints := []string{"if the registry cannot be reached, give a directory of extracted manifests: -from=DIR"}
		var te *netutil.TimeoutError
		if errors.As(err, &te) {
			hints = append([]string{netutil.Hint(te)}, hints...)
		}
		return m, "", cli.Fail(err, hints...)
	}
	log.printf("read %d manifest files (%d documents) in %s", m.Files, m.Documents, since(start))
	return m, ps.String(), nil
}

var prefixRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][-a-z0-9]*$`) })

func parsePrefixes(p *string) ([]string, error) {
	if p == nil {
		return []string{"openshift"}, nil
	}
	var out []string
	for _, s := range strings.Split(*p, ",") {
		s = strings.TrimSpace(s)
		if !prefixRE().MatchString(s) {
			return nil, fmt.Errorf("invalid -prefix %q: want comma-separated namespace prefixes such as openshift,kube-", *p)
		}
		out = append(out, s)
	}
	return out, nil
}
