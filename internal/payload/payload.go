// Package payload finds OpenShift release payloads: their pull specs in the update graph and the
// registry, and the namespaces their release manifests create.
package payload

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
)

// Defaults for the public endpoints; the targets let the environment point elsewhere.
const (
	DefaultGraphURL    = "https://api.openshift.com"
	DefaultReleaseRepo = "quay.io/openshift-release-dev/ocp-release"
	DefaultArch        = "amd64"
)

// ErrInvalidPullSpec is returned for a pull spec that is not registry/repository@sha256:<hex>.
var ErrInvalidPullSpec = errors.New("invalid pull spec")

var sha256RE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^sha256:[0-9a-f]{64}$`) })

// PullSpec is a release image pinned by digest: registry/repository@sha256:<64 hex>.
type PullSpec struct {
	ref name.Digest
}

// ParsePullSpec accepts only a fully qualified, digest-pinned reference: const.go pins releases
// by digest so a moved tag cannot change what clusters install.
func ParsePullSpec(s string) (PullSpec, error) {
	bad := func(why string) (PullSpec, error) {
		return PullSpec{}, fmt.Errorf("%w %q: %s; want registry/repository@sha256:<64 lowercase hex>, for example %s@sha256:%s",
			ErrInvalidPullSpec, s, why, DefaultReleaseRepo, strings.Repeat("0", 64))
	}
	repo, digest, ok := strings.Cut(s, "@")
	if !ok {
		return bad("no digest")
	}
	if !sha256RE().MatchString(digest) {
		return bad("the digest is not sha256:<64 lowercase hex>")
	}
	host, _, ok := strings.Cut(repo, "/")
	if !ok || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		return bad("no registry host")
	}
	if strings.Contains(repo, ":") && strings.LastIndex(repo, ":") > strings.Index(repo, "/") {
		return bad("a tag and a digest together")
	}
	ref, err := name.NewDigest(s, name.StrictValidation)
	if err != nil {
		return bad(err.Error())
	}
	return PullSpec{ref: ref}, nil
}

func (p PullSpec) String() string { return p.ref.String() }

// Digest is the sha256:<hex> part.
func (p PullSpec) Digest() string { return p.ref.DigestStr() }

// Repository is registry/repository without the digest.
func (p PullSpec) Repository() string { return p.ref.Context().Name() }

// ErrInvalidImage is returned for an image reference that is not registry/repository:tag or
// registry/repository@sha256:<hex>.
var ErrInvalidImage = errors.New("invalid image reference")

// CheckImage accepts a fully qualified image reference, by tag or by digest, such as the
// installer image arointsvc.azurecr.io/aro-installer:release-4.16.
func CheckImage(s string) error {
	host, _, ok := strings.Cut(s, "/")
	if !ok || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		return fmt.Errorf("%w %q: no registry host; want registry/repository:tag, for example arointsvc.azurecr.io/aro-installer:release-4.16", ErrInvalidImage, s)
	}
	if _, err := name.ParseReference(s, name.StrictValidation); err != nil {
		return fmt.Errorf("%w %q: %v", ErrInvalidImage, s, err)
	}
	return nil
}
