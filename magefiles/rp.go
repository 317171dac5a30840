//go:build mage

package main

import (
	"context"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/rp"
)

// Rp edits an Azure/ARO-RP checkout for a new OpenShift release.
type Rp mg.Namespace

// BumpVersion sets ARO-RP's default install stream to release X.Y.Z with its digest pull spec.
//
// It rewrites only the Version and PullSpec of DefaultInstallStream in
// pkg/util/version/const.go and prints the diff. The pull spec is the payload of <version> in
// the update graph's channel stable-X.Y, checked against the digest of the registry's
// X.Y.Z-x86_64 tag.
//
// Environment: RELEASEKIT_GRAPH_URL [https://api.openshift.com], RELEASEKIT_RELEASE_REPO
// [quay.io/openshift-release-dev/ocp-release], RELEASEKIT_HTTP_TIMEOUT [30s] per request.
func (Rp) BumpVersion(ctx context.Context, version string,
	pullspec *string, // use this registry/repository@sha256:<64 hex> and ask no server
	channel *string, // look in this update graph channel, such as candidate-4.16
	dryrun *bool, // print the diff without writing
) error {
	dir, err := workdir()
	if err != nil {
		return err
	}
	ep, err := rpEndpoints()
	if err != nil {
		return err
	}
	res, err := rp.BumpVersion(ctx, rp.BumpOptions{
		Dir: dir, Version: version, PullSpec: pullspec, Channel: channel, DryRun: isSet(dryrun),
		Endpoints: ep, Log: logw,
	})
	if err != nil {
		return err
	}
	res.Print(out)
	return nil
}

// Namespaces adds the new OpenShift namespaces of release X.Y.Z to ARO-RP's namespace.go.
//
// The namespaces are the kind: Namespace manifests of the release payload whose names start
// with one of the prefixes. They are streamed from the release image's release-manifests/ (the
// image resolved as rp:bumpVersion does) unless -from or -pullspec says otherwise. Missing
// names are added to the "OCP namespaces" group of IsOpenShiftNamespace in sorted position;
// nothing is deleted or reordered.
//
// Environment: as rp:bumpVersion.
func (Rp) Namespaces(ctx context.Context, version string,
	from *string, // read the manifests from DIR, as `oc adm release extract` writes them
	pullspec *string, // read the manifests from this release image
	channel *string, // look in this update graph channel, such as candidate-4.16
	prefix *string, // comma-separated namespace prefixes to add (default openshift)
	dryrun *bool, // print the diff without writing
) error {
	dir, err := workdir()
	if err != nil {
		return err
	}
	ep, err := rpEndpoints()
	if err != nil {
		return err
	}
	res, err := rp.Namespaces(ctx, rp.NamespacesOptions{
		Dir: dir, Version: version, From: from, PullSpec: pullspec, Channel: channel, Prefix: prefix,
		DryRun: isSet(dryrun), Endpoints: ep, Log: logw,
	})
	if err != nil {
		return err
	}
	res.Print(out)
	return nil
}

func rpEndpoints() (rp.Endpoints, error) {
	t, err := netutil.Timeout()
	if err != nil {
		return rp.Endpoints{}, cli.Usage(err)
	}
	return rp.Endpoints{GraphURL: envOr(rp.EnvGraphURL, ""), ReleaseRepo: envOr(rp.EnvReleaseRepo, ""), Timeout: t}, nil
}
