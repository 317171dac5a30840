package payload

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry reads release images. Credentials come from where docker and podman logins leave
// them (docker's config.json, REGISTRY_AUTH_FILE, containers/auth.json); the public OpenShift
// release repository needs none.
type Registry struct {
	// Transport for registry requests; nil: remote.DefaultTransport.
	Transport http.RoundTripper
	// Progress, when set, is called as each layer of an image starts streaming: its number
	// (1-based, in the order read), the layer count and its compressed size.
	Progress func(layer, layers int, size int64)
}

func (r Registry) options(ctx context.Context) []remote.Option {
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: DefaultArch}),
	}
	if r.Transport != nil {
		opts = append(opts, remote.WithTransport(r.Transport))
	}
	return opts
}

// ReleaseTag is the tag of an x86_64 release image: X.Y.Z-x86_64.
func ReleaseTag(version string) string { return version + "-x86_64" }

// TagDigest returns the manifest digest the registry serves for repo:tag.
func (r Registry) TagDigest(ctx context.Context, repo, tag string) (string, error) {
	ref, err := name.NewTag(repo+":"+tag, name.StrictValidation)
	if err != nil {
		return "", fmt.Errorf("invalid release repository %q: %w", repo, err)
	}
	desc, err := remote.Head(ref, r.options(ctx)...)
	if err != nil {
		// Some registries refuse HEAD on manifests; GET is what pulls use.
		d, gerr := remote.Get(ref, r.options(ctx)...)
		if gerr != nil {
			return "", fmt.Errorf("read manifest of %s: %w", ref, gerr)
		}
		return d.Digest.String(), nil
	}
	return desc.Digest.String(), nil
}
