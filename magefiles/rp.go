//go:build mage

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rpsource"
)

// Rp edits an Azure/ARO-RP checkout for a new OpenShift release.
type Rp mg.Namespace

// The files the rp targets edit, relative to the ARO-RP checkout.
const (
	rpConstFile     = "pkg/util/version/const.go"
	rpNamespaceFile = "pkg/util/namespace/namespace.go"
)

// rpEnv is where the rp targets find the update graph and the release images.
type rpEnv struct {
	graphURL, releaseRepo string
}

func rpEnvFromOS() rpEnv {
	return rpEnv{
		graphURL:    envOr("RELEASEKIT_GRAPH_URL", payload.DefaultGraphURL),
		releaseRepo: envOr("RELEASEKIT_RELEASE_REPO", payload.DefaultReleaseRepo),
	}
}

// BumpVersion sets ARO-RP's default install stream to release X.Y.Z with its digest pull spec.
//
// It rewrites only the Version and PullSpec of DefaultInstallStream in
// pkg/util/version/const.go and prints the diff. The pull spec is -pullspec= when given
// (registry/repository@sha256:<64 hex>); otherwise it is the payload of X.Y.Z in the update
// graph's channel stable-X.Y (-channel= for another), checked against the digest of the
// registry's X.Y.Z-x86_64 tag. -dryrun prints the diff without writing.
//
// Environment: RELEASEKIT_GRAPH_URL [https://api.openshift.com],
// RELEASEKIT_RELEASE_REPO [quay.io/openshift-release-dev/ocp-release].
func (Rp) BumpVersion(ctx context.Context, version string, pullspec, channel *string, dryrun *bool) error {
	dir, err := workdir()
	if err != nil {
		return err
	}
	return rpBumpVersion(ctx, dir, rpEnvFromOS(), version, pullspec, channel, isSet(dryrun))
}

// Namespaces adds the new OpenShift namespaces of release X.Y.Z to ARO-RP's namespace.go.
//
// The namespaces are the kind: Namespace manifests of the release payload whose names start
// with a prefix of -prefix= (comma-separated, default openshift). They are read from -from=DIR,
// a directory of manifests such as `oc adm release extract` writes, or else streamed from the
// release image's release-manifests/ (the image is -pullspec= or resolved as rp:bumpVersion
// does, -channel= included). Missing names are added to the "OCP namespaces" group of
// IsOpenShiftNamespace in sorted position; nothing is deleted or reordered. -dryrun prints the
// diff without writing.
func (Rp) Namespaces(ctx context.Context, version string, from, pullspec, channel, prefix *string, dryrun *bool) error {
	dir, err := workdir()
	if err != nil {
		return err
	}
	return rpNamespaces(ctx, dir, rpEnvFromOS(), version, from, pullspec, channel, prefix, isSet(dryrun))
}

func rpBumpVersion(ctx context.Context, dir string, env rpEnv, version string, pullspec, channel *string, dryrun bool) error {
	v, err := release.ParsePatch(version)
	if err != nil {
		return fail(err, `run "rp:bumpVersion 4.16.3", say, with the release to install by default`)
	}
	path := filepath.Join(dir, filepath.FromSlash(rpConstFile))
	src, err := readRPFile(path, rpConstFile)
	if err != nil {
		return err
	}
	// Fail on the file before asking the network anything.
	cur, err := rpsource.ReadDefaultInstallStream(rpConstFile, src)
	if err != nil {
		return rpSourceFail(err, rpConstFile)
	}
	if c, err := release.ParsePatch(cur.Version); err == nil && olderThan(v, c) {
		logf("warning: %s is older than the current default %s", v, c)
	}
	ps, err := rpPullSpec(ctx, env, v, pullspec, channel)
	if err != nil {
		return err
	}
	e, err := rpsource.SetDefaultInstallStream(rpConstFile, src, v, ps.String())
	if err != nil {
		return rpSourceFail(err, rpConstFile)
	}
	if !e.Changed() {
		fmt.Fprintf(out, "%s: %s is already %s (%s); nothing to change\n", rpConstFile, rpsource.StreamVar, v, ps)
		return nil
	}
	fmt.Fprint(out, e.Diff(rpConstFile))
	if !e.Reformatted {
		logf("warning: %s was not gofmt-clean before the edit; its formatting was left as it was", rpConstFile)
	}
	if dryrun {
		fmt.Fprintf(out, "dry run: %s not written\n", rpConstFile)
		return nil
	}
	if err := rpsource.WriteFile(path, src, e.New); err != nil {
		return fail(err, "run the target again")
	}
	fmt.Fprintf(out, "%s: %s %s → %s\n", rpConstFile, rpsource.StreamVar, orUnknown(e.Before.Version), v)
	return nil
}

func rpNamespaces(ctx context.Context, dir string, env rpEnv, version string, from, pullspec, channel, prefix *string, dryrun bool) error {
	v, err := release.ParsePatch(version)
	if err != nil {
		return fail(err, `run "rp:namespaces 4.16.3", say, with the release whose namespaces to add`)
	}
	prefixes, err := parsePrefixes(prefix)
	if err != nil {
		return fail(err)
	}
	if from != nil && pullspec != nil {
		return fail(errors.New("-from and -pullspec both say where the manifests are"), "give one of them")
	}
	path := filepath.Join(dir, filepath.FromSlash(rpNamespaceFile))
	src, err := readRPFile(path, rpNamespaceFile)
	if err != nil {
		return err
	}
	if _, err := rpsource.Namespaces(rpNamespaceFile, src); err != nil {
		return rpSourceFail(err, rpNamespaceFile)
	}

	filter := payload.Filter{Prefixes: prefixes}
	var m payload.Manifests
	var where string
	if from != nil {
		if *from == "" {
			return fail(errors.New("-from is empty"), "give the directory of release manifests: -from=DIR")
		}
		where = *from
		if m, err = payload.DirManifests(*from, filter); err != nil {
			return fail(err, `extract the manifests with "oc adm release extract --to=DIR <release image>"`)
		}
	} else {
		ps, err := rpPullSpec(ctx, env, v, pullspec, channel)
		if err != nil {
			return err
		}
		where = ps.String()
		logf("reading %s/ from the layers of %s", payload.ManifestsDir, ps)
		start := time.Now()
		reg := payload.Registry{Progress: func(layer, layers int, size int64) {
			logf("  layer %d/%d (%s)", layer, layers, byteSize(size))
		}}
		if m, err = reg.ImageManifests(ctx, ps, filter); err != nil {
			return fail(err, "if the registry cannot be reached, give a directory of extracted manifests: -from=DIR")
		}
		logf("read %d manifest files (%d documents) in %s", m.Files, m.Documents, since(start))
	}
	if m.Version != "" && m.Version != v.String() {
		return fail(fmt.Errorf("the manifests in %s are release %s, not %s", where, m.Version, v),
			fmt.Sprintf(`run "rp:namespaces %s" if that is the release you meant`, m.Version))
	}
	if len(m.Namespaces) == 0 {
		return fail(fmt.Errorf("no Namespace manifests named %s* in %s", strings.Join(prefixes, "*, "), where),
			"check -prefix= and that this is a release payload")
	}
	e, err := rpsource.AddNamespaces(rpNamespaceFile, src, m.Namespaces)
	if err != nil {
		return rpSourceFail(err, rpNamespaceFile)
	}
	var gone []string
	for _, ns := range e.Group {
		if ns != "" && !slices.Contains(m.Namespaces, ns) && filter.Keep(ns) {
			gone = append(gone, ns)
		}
	}
	if len(gone) > 0 {
		logf("not among the Namespace manifests of %s (kept, as entries are never deleted): %s", v, strings.Join(gone, ", "))
	}
	if len(e.Added) == 0 {
		fmt.Fprintf(out, "%s: no new namespaces; all %d %s namespaces of %s are listed\n", rpNamespaceFile, len(m.Namespaces), strings.Join(prefixes, ","), v)
		return nil
	}
	fmt.Fprint(out, e.Diff(rpNamespaceFile))
	if !e.Reformatted {
		logf("warning: %s was not gofmt-clean before the edit; its formatting was left as it was", rpNamespaceFile)
	}
	if dryrun {
		fmt.Fprintf(out, "dry run: %s not written\n", rpNamespaceFile)
		return nil
	}
	if err := rpsource.WriteFile(path, src, e.New); err != nil {
		return fail(err, "run the target again")
	}
	fmt.Fprintf(out, "%s: added %d namespace(s) of %s: %s\n", rpNamespaceFile, len(e.Added), v, strings.Join(e.Added, ", "))
	return nil
}

// rpPullSpec is -pullspec= when given, else the graph's payload of v confirmed by the registry.
func rpPullSpec(ctx context.Context, env rpEnv, v release.Patch, pullspec, channel *string) (payload.PullSpec, error) {
	if pullspec != nil {
		if channel != nil {
			logf("-channel=%s is not used: -pullspec names the release image", *channel)
		}
		ps, err := payload.ParsePullSpec(*pullspec)
		if err != nil {
			return payload.PullSpec{}, fail(err, "copy the digest pull spec from the release's errata or the update graph")
		}
		return ps, nil
	}
	ch := v.Minor.Channel()
	if channel != nil {
		ch = *channel
	}
	r := payload.Resolver{Graph: payload.GraphClient{URL: env.graphURL}, ReleaseRepo: env.releaseRepo}
	logf("resolving %s in channel %s of %s", v, ch, payload.RedactURL(env.graphURL))
	res, err := r.Resolve(ctx, v, ch)
	var nic *payload.NotInChannelError
	var dm *payload.DigestMismatchError
	switch {
	case err == nil:
	case errors.As(err, &nic):
		m := v.Minor
		return payload.PullSpec{}, fail(err,
			fmt.Sprintf("a new release reaches candidate-%s and fast-%s before %s: try -channel=candidate-%s", m, m, m.Channel(), m),
			"or give the pull spec yourself: -pullspec=REGISTRY/REPOSITORY@sha256:DIGEST")
	case errors.As(err, &dm):
		return payload.PullSpec{}, fail(err,
			"do not install this release until you know which digest is right",
			"give the verified one with -pullspec=REGISTRY/REPOSITORY@sha256:DIGEST")
	case errors.Is(err, payload.ErrGraphUnavailable):
		return payload.PullSpec{}, fail(err,
			"set RELEASEKIT_GRAPH_URL to a reachable update graph, or give -pullspec=REGISTRY/REPOSITORY@sha256:DIGEST")
	default:
		return payload.PullSpec{}, fail(err,
			"set RELEASEKIT_RELEASE_REPO to the repository of the release images, or give -pullspec=REGISTRY/REPOSITORY@sha256:DIGEST")
	}
	logf("%s: %s (the registry's %s agrees)", v, res.PullSpec, res.RegistryRef)
	return res.PullSpec, nil
}

func readRPFile(path, rel string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fail(fmt.Errorf("%s not found in %s", rel, filepath.Dir(strings.TrimSuffix(path, filepath.FromSlash(rel)))),
			"run the target inside an Azure/ARO-RP checkout")
	}
	if err != nil {
		return nil, fail(err)
	}
	return src, nil
}

func rpSourceFail(err error, rel string) error {
	var pe *rpsource.ParseError
	switch {
	case errors.As(err, &pe):
		return fail(err, fmt.Sprintf("fix the Go syntax first (go build ./%s); %s was not changed", filepath.ToSlash(filepath.Dir(rel)), rel))
	case errors.Is(err, rpsource.ErrNoStream), errors.Is(err, rpsource.ErrUnsupportedShape):
		return fail(err, fmt.Sprintf(`%s must declare %s = Stream{Version: NewVersion(X, Y, Z), PullSpec: "..."}; edit it by hand this time`, rel, rpsource.StreamVar))
	case errors.Is(err, rpsource.ErrNoOCPGroup), errors.Is(err, rpsource.ErrNoNamespaceMap):
		return fail(err, fmt.Sprintf(`%s must have %s with a map literal and an "// OCP namespaces" comment above its OCP entries`, rel, rpsource.NamespaceFunc))
	}
	return fail(err)
}

var prefixRE = regexp.MustCompile(`^[a-z0-9][-a-z0-9]*$`)

func parsePrefixes(p *string) ([]string, error) {
	if p == nil {
		return []string{"openshift"}, nil
	}
	var out []string
	for _, s := range strings.Split(*p, ",") {
		s = strings.TrimSpace(s)
		if !prefixRE.MatchString(s) {
			return nil, fmt.Errorf("invalid -prefix %q: want comma-separated namespace prefixes such as openshift,kube-", *p)
		}
		out = append(out, s)
	}
	return out, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(not a literal version)"
	}
	return s
}

func byteSize(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

func olderThan(a, b release.Patch) bool {
	if a.Major != b.Major {
		return a.Major < b.Major
	}
	if a.Minor.Minor != b.Minor.Minor {
		return a.Minor.Minor < b.Minor.Minor
	}
	return a.Patch < b.Patch
}
