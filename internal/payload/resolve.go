package payload

import (
	"context"
	"errors"
	"fmt"

	"github.com/aro-releasekit/releasekit/internal/release"
)

// ErrDigestMismatch is returned when the update graph and the registry disagree on a release.
var ErrDigestMismatch = errors.New("digest mismatch")

// DigestMismatchError says what each side answered.
type DigestMismatchError struct {
	Version                     string
	GraphPayload                string
	RegistryRef, RegistryDigest string
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("%s for %s: the update graph says %s but %s is %s", ErrDigestMismatch, e.Version, e.GraphPayload, e.RegistryRef, e.RegistryDigest)
}

func (e *DigestMismatchError) Unwrap() error { return ErrDigestMismatch }

// Resolver finds a release's payload in the update graph and checks it against the registry.
type Resolver struct {
	Graph GraphClient
	// ReleaseRepo is where X.Y.Z-x86_64 tags live, such as quay.io/openshift-release-dev/ocp-release.
	ReleaseRepo string
	Registry    Registry
}

// Validate sets the defaults.
func (r *Resolver) Validate() error {
	if r.Graph.URL == "" {
		r.Graph.URL = DefaultGraphURL
	}
	if r.ReleaseRepo == "" {
		r.ReleaseRepo = DefaultReleaseRepo
	}
	return nil
}

// Resolved is a release found in the graph and confirmed by the registry.
type Resolved struct {
	Version  string
	Channel  string
	PullSpec PullSpec
	// RegistryRef is the tag whose digest confirmed the pull spec.
	RegistryRef string
}

// Resolve returns the payload pull spec of v from channel, after checking that the registry's
// X.Y.Z-x86_64 tag has the same digest.
func (r *Resolver) Resolve(ctx context.Context, v release.Patch, channel string) (Resolved, error) {
	if err := r.Validate(); err != nil {
		return Resolved{}, err
	}
	if !ValidChannel(channel) {
		return Resolved{}, fmt.Errorf("invalid channel %q: want NAME-X.Y, for example %s", channel, v.Minor.Channel())
	}
	g, err := r.Graph.Graph(ctx, channel, DefaultArch)
	if err != nil {
		return Resolved{}, err
	}
	node, err := g.Find(v.String(), channel)
	if err != nil {
		return Resolved{}, err
	}
	ps, err := ParsePullSpec(node.Payload)
	if err != nil {
		return Resolved{}, fmt.Errorf("update graph node %s: %w", node.Version, err)
	}
	tag := ReleaseTag(v.String())
	digest, err := r.Registry.TagDigest(ctx, r.ReleaseRepo, tag)
	if err != nil {
		return Resolved{}, err
	}
	ref := r.ReleaseRepo + ":" + tag
	if digest != ps.Digest() {
		return Resolved{}, &DigestMismatchError{Version: v.String(), GraphPayload: ps.String(), RegistryRef: ref, RegistryDigest: digest}
	}
	return Resolved{Version: v.String(), Channel: channel, PullSpec: ps, RegistryRef: ref}, nil
}
