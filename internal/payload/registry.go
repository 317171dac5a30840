package payload

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/aro-releasekit/releasekit/internal/netutil"
)

// Registry reads release images. Credentials come from where docker and podman logins leave
// them (docker's config.json, REGISTRY_AUTH_FILE, containers/auth.json); the public OpenShift
// release repository needs none.
type Registry struct {
	// Transport for registry requests; nil: netutil.Transport(Timeout).
	Transport http.RoundTripper
	// Timeout bounds each request's connect and wait for an answer; 0 is netutil.DefaultTimeout.
	Timeout time.Duration
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
	t := r.Transport
	if t == nil {
		t = netutil.Transport(r.timeout())
	}
	return append(opts, remote.WithTransport(t))
}

func (r Registry) timeout() time.Duration {
	if r.Timeout <= 0 {
		return netutil.DefaultTimeout
	}
	return r.Timeout
}

// explain names the registry that did not answer in time.
func (r Registry) explain(err error, ref name.Reference) error {
	return netutil.Explain(err, "registry "+ref.Context().RegistryStr(), r.timeout())
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
			return "", fmt.Errorf("read manifest of %s: %w", ref, r.explain(gerr, ref))
		}
		return d.Digest.String(), nil
	}
	return desc.Digest.String(), nil
}
