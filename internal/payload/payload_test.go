package payload_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/netutil/netutiltest"
	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/release"
)

func start(t *testing.T) *example.ReleaseServer {
	t.Helper()
	s, err := example.StartReleases(example.Releases())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func patch(t *testing.T, v string) release.Patch {
	t.Helper()
	p, err := release.ParsePatch(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParsePullSpec(t *testing.T) {
	hex := strings.Repeat("0a", 32)
	good := []string{
		"quay.io/openshift-release-dev/ocp-release@sha256:" + hex,
		"127.0.0.1:5000/openshift-release-dev/ocp-release@sha256:" + hex,
		"localhost/ocp@sha256:" + hex,
	}
	for _, s := range good {
		p, err := payload.ParsePullSpec(s)
		if err != nil || p.String() != s || p.Digest() != "sha256:"+hex {
			t.Errorf("ParsePullSpec(%q) = %v, %v", s, p, err)
		}
	}
	bad := map[string]string{
		"quay.io/openshift-release-dev/ocp-release:4.16.3-x86_64":                  "no digest",
		"quay.io/openshift-release-dev/ocp-release@sha256:" + strings.ToUpper(hex): "lowercase hex",
		"quay.io/openshift-release-dev/ocp-release@sha256:abc":                     "lowercase hex",
		"quay.io/openshift-release-dev/ocp-release@sha512:" + hex + hex:            "lowercase hex",
		"openshift-release-dev/ocp-release@sha256:" + hex:                          "no registry host",
		"ocp-release@sha256:" + hex:                                                "no registry host",
		"quay.io/ocp-release:4.16.3@sha256:" + hex:                                 "a tag and a digest",
		"quay.io/OCP@sha256:" + hex:                                                "repository",
	}
	for s, why := range bad {
		_, err := payload.ParsePullSpec(s)
		if !errors.Is(err, payload.ErrInvalidPullSpec) || !strings.Contains(err.Error(), why) {
			t.Errorf("ParsePullSpec(%q) = %v, want %q", s, err, why)
		}
	}
}

func TestGraphFind(t *testing.T) {
	s := start(t)
	c := payload.GraphClient{URL: s.GraphURL}
	g, err := c.Graph(context.Background(), "stable-4.16", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 7 || len(g.Edges) == 0 {
		t.Errorf("stable-4.16: %d nodes, %d edges", len(g.Nodes), len(g.Edges))
	}
	// The URL may name the endpoint itself.
	full := payload.GraphClient{URL: s.GraphURL + "/api/upgrades_info/v1/graph"}
	if g2, err := full.Graph(context.Background(), "stable-4.16", "amd64"); err != nil || len(g2.Nodes) != len(g.Nodes) {
		t.Errorf("endpoint URL: %v", err)
	}
	n, err := g.Find("4.16.3", "stable-4.16")
	if err != nil || n.Payload != s.PullSpec("4.16.3") {
		t.Errorf("Find(4.16.3) = %+v, %v", n, err)
	}
	_, err = g.Find("4.16.4", "stable-4.16")
	var nic *payload.NotInChannelError
	if !errors.As(err, &nic) || nic.Newest != "4.16.3" || nic.Count != 7 || !errors.Is(err, payload.ErrNotInChannel) {
		t.Errorf("Find(4.16.4) = %v", err)
	}
	empty, err := c.Graph(context.Background(), "stable-4.99", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := empty.Find("4.99.0", "stable-4.99"); err == nil || !strings.Contains(err.Error(), "the channel has no releases") {
		t.Errorf("empty channel: %v", err)
	}
}

// The real graph answers 406 without Accept: application/json; the local one does too.
func TestGraphServerNeedsAccept(t *testing.T) {
	s := start(t)
	resp, err := http.Get(s.GraphURL + "/api/upgrades_info/v1/graph?channel=stable-4.16&arch=amd64")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("status %d, want 406", resp.StatusCode)
	}
}

func TestGraphErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("channel") == "broken" {
			_, _ = io.WriteString(w, "{not json")
			return
		}
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
	}))
	defer srv.Close()
	c := payload.GraphClient{URL: srv.URL}
	_, err := c.Graph(context.Background(), "stable-4.16", "amd64")
	var he *payload.HTTPError
	if !errors.As(err, &he) || !errors.Is(err, payload.ErrGraphUnavailable) || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "upstream unavailable") {
		t.Errorf("502: %v", err)
	}
	if _, err := c.Graph(context.Background(), "broken", "amd64"); !errors.Is(err, payload.ErrGraphUnavailable) || !strings.Contains(err.Error(), "decode update graph") {
		t.Errorf("bad JSON: %v", err)
	}
	secret := payload.GraphClient{URL: "http://user:hunter2@127.0.0.1:1"}
	if _, err := secret.Graph(context.Background(), "stable-4.16", "amd64"); !errors.Is(err, payload.ErrGraphUnavailable) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unreachable graph with credentials: %v", err)
	}
	bad := payload.GraphClient{URL: "ftp://example.com"}
	if _, err := bad.Graph(context.Background(), "stable-4.16", "amd64"); err == nil || !strings.Contains(err.Error(), "invalid update graph URL") {
		t.Errorf("bad URL: %v", err)
	}
}

func TestResolve(t *testing.T) {
	s := start(t)
	r := payload.Resolver{Graph: payload.GraphClient{URL: s.GraphURL}, ReleaseRepo: s.Repo}
	got, err := r.Resolve(context.Background(), patch(t, "4.16.3"), "stable-4.16")
	if err != nil {
		t.Fatal(err)
	}
	if got.PullSpec.String() != s.PullSpec("4.16.3") || got.RegistryRef != s.Repo+":4.16.3-x86_64" {
		t.Errorf("resolved %+v", got)
	}
	// Only in candidate: absent from stable, found with the channel given.
	if _, err := r.Resolve(context.Background(), patch(t, "4.16.4"), "stable-4.16"); !errors.Is(err, payload.ErrNotInChannel) {
		t.Errorf("4.16.4 in stable: %v", err)
	}
	if _, err := r.Resolve(context.Background(), patch(t, "4.16.4"), "candidate-4.16"); err != nil {
		t.Errorf("4.16.4 in candidate: %v", err)
	}
	if _, err := r.Resolve(context.Background(), patch(t, "4.16.3"), "stable 4.16"); err == nil || !strings.Contains(err.Error(), "invalid channel") {
		t.Errorf("bad channel: %v", err)
	}

	// The registry's tag moves: the graph's digest no longer matches.
	if err := s.Retag("4.16.2"); err != nil {
		t.Fatal(err)
	}
	_, err = r.Resolve(context.Background(), patch(t, "4.16.2"), "stable-4.16")
	var dm *payload.DigestMismatchError
	if !errors.As(err, &dm) || dm.GraphPayload != s.PullSpec("4.16.2") || dm.RegistryDigest == strings.Split(s.PullSpec("4.16.2"), "@")[1] {
		t.Errorf("retagged: %v", err)
	}
	// The graph claims another release's payload.
	s.ClaimPayload("4.16.1", s.PullSpec("4.16.0"))
	if _, err := r.Resolve(context.Background(), patch(t, "4.16.1"), "stable-4.16"); !errors.Is(err, payload.ErrDigestMismatch) {
		t.Errorf("wrong graph payload: %v", err)
	}
	// No such repository on the registry.
	r.ReleaseRepo = s.Repo + "-missing"
	if _, err := r.Resolve(context.Background(), patch(t, "4.16.3"), "stable-4.16"); err == nil || !strings.Contains(err.Error(), "read manifest of") {
		t.Errorf("missing repo: %v", err)
	}
}

func TestImageManifests(t *testing.T) {
	s := start(t)
	ps, err := payload.ParsePullSpec(s.PullSpec("4.16.3"))
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	reg := payload.Registry{Progress: func(layer, layers int, size int64) {
		if layers != 3 || size <= 0 {
			t.Errorf("progress %d/%d size %d", layer, layers, size)
		}
		seen = append(seen, layer)
	}}
	m, err := reg.ImageManifests(context.Background(), ps, payload.Filter{Prefixes: []string{"openshift"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{1, 2, 3}) {
		t.Errorf("progress reported layers %v", seen)
	}
	if m.Version != "4.16.3" {
		t.Errorf("version %q", m.Version)
	}
	for _, want := range append(example.NewIn415, example.NewIn416...) {
		if !slices.Contains(m.Namespaces, want) {
			t.Errorf("missing %s", want)
		}
	}
	for _, not := range []string{"hypershift-local", "openshift-not-a-namespace", "openshift-outside-release-manifests", "operator"} {
		if slices.Contains(m.Namespaces, not) {
			t.Errorf("kept %s", not)
		}
	}
	if !slices.IsSorted(m.Namespaces) || m.Files < len(m.Namespaces) || m.Documents <= m.Files {
		t.Errorf("namespaces sorted=%v, %d files, %d documents", slices.IsSorted(m.Namespaces), m.Files, m.Documents)
	}
	all, err := payload.Registry{}.ImageManifests(context.Background(), ps, payload.Filter{})
	if err != nil || !slices.Contains(all.Namespaces, "hypershift-local") {
		t.Errorf("no filter: %v, %v", all.Namespaces, err)
	}
}

// A later layer that whites out a manifest hides its namespace, as in the image's file system;
// and a multi-arch index resolves to its amd64 image.
func TestImageManifestsLayersAndIndex(t *testing.T) {
	repo := ggcrRepo(t)
	r := example.Releases()[len(example.Releases())-1]
	img, err := example.ReleaseImage(r, 7)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "release-manifests/.wh.0000_50_cluster-api_00_namespace.yaml", Typeflag: tar.TypeReg, Mode: 0o644})
	_ = tw.Close()
	wh, err := tarball.LayerFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.AppendLayers(img, wh)
	if err != nil {
		t.Fatal(err)
	}
	other, err := example.ReleaseImage(example.Release{Version: r.Version, Namespaces: []string{"openshift-arm-only"}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: other, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
	)
	ref, err := name.NewTag(repo + ":multi")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := payload.ParsePullSpec(repo + "@" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	m, err := payload.Registry{}.ImageManifests(context.Background(), ps, payload.Filter{Prefixes: []string{"openshift"}})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(m.Namespaces, "openshift-cluster-api") {
		t.Errorf("whited-out manifest still read")
	}
	if slices.Contains(m.Namespaces, "openshift-arm-only") || !slices.Contains(m.Namespaces, "openshift-cluster-olm-operator") {
		t.Errorf("read the wrong platform: %v", m.Namespaces)
	}
}

func TestDirManifests(t *testing.T) {
	dir := t.TempDir()
	for _, f := range example.ManifestFiles(example.Releases()[0]) {
		if strings.HasSuffix(f.Name, "/") || !strings.HasPrefix(f.Name, payload.ManifestsDir+"/") {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), []byte(f.Body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := payload.DirManifests(dir, payload.Filter{Prefixes: []string{"openshift-network"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"openshift-network-diagnostics", "openshift-network-node-identity", "openshift-network-operator"}
	if !slices.Equal(m.Namespaces, want) || m.Version != "4.15.33" {
		t.Errorf("got %v (version %q), want %v", m.Namespaces, m.Version, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "zz-broken.yaml"), []byte("kind: Namespace\nmetadata: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := payload.DirManifests(dir, payload.Filter{}); err == nil || !strings.Contains(err.Error(), "zz-broken.yaml") {
		t.Errorf("broken YAML: %v", err)
	}
	if _, err := payload.DirManifests(t.TempDir(), payload.Filter{}); !errors.Is(err, payload.ErrNoManifests) {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := payload.DirManifests(filepath.Join(dir, "nope"), payload.Filter{}); err == nil {
		t.Errorf("missing dir: no error")
	}
}

// ggcrRepo is a repository on go-containerregistry's own in-process registry, for the tests
// that push: the example registry is read-only.
func ggcrRepo(t testing.TB) string {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://") + "/" + example.ReleaseRepoPath
}

// Issue 14 item 6: the graph and the registry give up on a server that never answers, naming
// it and the setting.
func TestUnresponsiveServers(t *testing.T) {
	addr := netutiltest.Listen(t)
	const d = 100 * time.Millisecond
	c := payload.GraphClient{URL: "http://" + addr, Timeout: d}
	_, err := c.Graph(context.Background(), "stable-4.16", "amd64")
	var te *netutil.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "update graph http://"+addr+"/api/upgrades_info/v1/graph?") || !strings.Contains(err.Error(), "did not answer within 100ms (RELEASEKIT_HTTP_TIMEOUT)") {
		t.Errorf("graph: %v", err)
	}
	_, err = payload.Registry{Timeout: d}.TagDigest(context.Background(), addr+"/openshift-release-dev/ocp-release", "4.16.3-x86_64")
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "registry "+addr+" did not answer within 100ms") {
		t.Errorf("registry: %v", err)
	}
}

// A graph that sends its headers and then stalls in the body gives up too: the graph is a few
// hundred kilobytes, so the whole exchange is bounded.
func TestGraphStallsInBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"nodes":[`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := payload.GraphClient{URL: srv.URL, Timeout: 100 * time.Millisecond}
	_, err := c.Graph(context.Background(), "stable-4.16", "amd64")
	var te *netutil.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "update graph "+srv.URL) {
		t.Fatalf("err = %v", err)
	}
}
