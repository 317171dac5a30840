package example

// The example update graph and registry: OpenShift releases served from local servers for the
// demo and the tests, an update graph (Cincinnati wire format) and go-containerregistry's
// in-process registry holding synthetic release images whose layers carry release-manifests/.

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/aro-releasekit/releasekit/internal/payload"
)

// ReleaseRepoPath is the repository the releases are pushed to, as on quay.io.
const ReleaseRepoPath = "openshift-release-dev/ocp-release"

// Release is one synthetic release: its version, the channels that carry it and the namespaces
// its manifests create.
type Release struct {
	Version    string
	Channels   []string
	Namespaces []string
}

// ReleaseServer is a running update graph and registry on loopback ports.
type ReleaseServer struct {
	// GraphURL is the update graph's base URL, http://127.0.0.1:PORT.
	GraphURL string
	// RegistryURL is the registry's base URL, http://127.0.0.1:PORT.
	RegistryURL string
	// Repo is host:port/openshift-release-dev/ocp-release on the registry.
	Repo string
	// Registry holds the release images.
	Registry *Registry

	servers []*http.Server

	mu       sync.Mutex
	releases []Release
	digests  map[string]string // version → manifest digest
	override map[string]string // version → payload the graph claims instead
}

// StartReleases pushes an image per release and starts both servers. Close stops them.
func StartReleases(releases []Release) (*ReleaseServer, error) {
	s := &ReleaseServer{releases: releases, digests: map[string]string{}, override: map[string]string{}}
	var err error
	s.Registry = NewRegistry()
	if s.RegistryURL, err = s.serve(s.Registry); err != nil {
		return nil, err
	}
	s.Repo = strings.TrimPrefix(s.RegistryURL, "http://") + "/" + ReleaseRepoPath
	for i, r := range releases {
		img, err := ReleaseImage(r, int64(i+1))
		if err != nil {
			s.Close()
			return nil, err
		}
		d, err := s.push(img, payload.ReleaseTag(r.Version))
		if err != nil {
			s.Close()
			return nil, err
		}
		s.digests[r.Version] = d
	}
	if s.GraphURL, err = s.serve(http.HandlerFunc(s.serveGraph)); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// serve starts h on a free loopback port and returns its URL.
func (s *ReleaseServer) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("example servers: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: nopLogger}
	s.servers = append(s.servers, srv)
	go srv.Serve(ln) // returns when Close closes the server
	return "http://" + ln.Addr().String(), nil
}

func (s *ReleaseServer) push(img v1.Image, tag string) (string, error) {
	if err := s.Registry.PutImage(ReleaseRepoPath, tag, img); err != nil {
		return "", fmt.Errorf("put %s:%s: %w", s.Repo, tag, err)
	}
	d, err := img.Digest()
	return d.String(), err
}

// Close stops the servers.
func (s *ReleaseServer) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}

// PullSpec is the digest pull spec of version on the registry.
func (s *ReleaseServer) PullSpec(version string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Repo + "@" + s.digests[version]
}

// Retag pushes a different image under version's tag, so the registry no longer agrees with
// the graph: what a re-pushed or tampered tag looks like.
func (s *ReleaseServer) Retag(version string) error {
	img, err := random.Image(512, 1, random.WithSource(rand.NewSource(99)))
	if err != nil {
		return err
	}
	_, err = s.push(img, payload.ReleaseTag(version))
	return err
}

// ClaimPayload makes the graph answer pullSpec as version's payload.
func (s *ReleaseServer) ClaimPayload(version, pullSpec string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.override[version] = pullSpec
}

// serveGraph answers like the public update graph: JSON only, nodes of one channel in no
// particular order, edges from older to newer releases.
func (s *ReleaseServer) serveGraph(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/api/upgrades_info/v1/graph" {
		http.NotFound(w, req)
		return
	}
	if !strings.Contains(req.Header.Get("Accept"), "application/json") {
		http.Error(w, "only application/json is supported", http.StatusNotAcceptable)
		return
	}
	q := req.URL.Query()
	channel, arch := q.Get("channel"), q.Get("arch")
	if channel == "" {
		http.Error(w, `{"kind":"missing_params","value":"mandatory client parameters missing: channel"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	var g payload.Graph
	if arch == "" || arch == "amd64" {
		var in []Release
		for _, r := range s.releases {
			if slices.Contains(r.Channels, channel) {
				in = append(in, r)
			}
		}
		// The real graph lists nodes in no set order: newest first here, so that nothing
		// depends on order.
		for i := len(in) - 1; i >= 0; i-- {
			r := in[i]
			p := s.Repo + "@" + s.digests[r.Version]
			if o, ok := s.override[r.Version]; ok {
				p = o
			}
			g.Nodes = append(g.Nodes, payload.Node{
				Version: r.Version,
				Payload: p,
				Metadata: map[string]string{
					"io.openshift.upgrades.graph.release.channels":    strings.Join(r.Channels, ","),
					"io.openshift.upgrades.graph.release.manifestref": s.digests[r.Version],
					"url": "https://access.redhat.com/errata/RHBA-2024:" + url.PathEscape(strings.ReplaceAll(r.Version, ".", "")),
				},
			})
		}
		for i := range g.Nodes {
			for j := range i {
				g.Edges = append(g.Edges, [2]int{i, j}) // older (later in the list) → newer
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Version int `json:"version"`
		payload.Graph
		ConditionalEdges []any `json:"conditionalEdges"`
	}{1, g, []any{}})
}

// ReleaseImage builds a release image: random base layers, then a layer with release-manifests/ as a
// release payload has it (namespace manifests among other kinds, multi-document files, the
// image-references and release-metadata files). seed makes the base layers reproducible.
func ReleaseImage(r Release, seed int64) (v1.Image, error) {
	base, err := random.Image(2048, 2, random.WithSource(rand.NewSource(seed)))
	if err != nil {
		return nil, err
	}
	files := ManifestFiles(r)
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarOf(files))), nil
	}, tarball.WithMediaType(types.DockerLayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg := cf.Config
	cfg.Labels = map[string]string{"io.openshift.release": r.Version}
	return mutate.Config(img, cfg)
}

// ManifestFile is one entry of the manifests layer.
type ManifestFile struct {
	Name string
	Body string
}

// ManifestFiles are the files of a release's manifests layer, in tar order.
func ManifestFiles(r Release) []ManifestFile {
	files := []ManifestFile{
		{"release-manifests/", ""},
		{"release-manifests/0000_00_cluster-version-operator_01_clusterversion.crd.yaml", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusterversions.config.openshift.io
spec:
  group: config.openshift.io
  names:
    kind: ClusterVersion
`},
	}
	for i, ns := range r.Namespaces {
		// Operators ship their namespace with the rest of their manifests: a multi-document
		// file whose other documents are not namespaces.
		body := fmt.Sprintf(`# Namespace of the operator, created by the cluster-version operator.
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
    openshift.io/node-selector: ""
  labels:
    openshift.io/cluster-monitoring: "true"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: operator
  namespace: %[1]s
---
`, ns)
		if i%2 == 1 {
			body += fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: operator
  namespace: %[1]s
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: operator
        image: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:%[2]s
`, ns, strings.Repeat("ab", 32))
		}
		files = append(files, ManifestFile{fmt.Sprintf("release-manifests/0000_50_%s_00_namespace.yaml", strings.TrimPrefix(ns, "openshift-")), body})
	}
	files = append(files,
		// A namespace-scoped object named like a namespace must not count.
		ManifestFile{"release-manifests/0000_90_cluster-monitoring_servicemonitor.yml", `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: openshift-not-a-namespace
  namespace: openshift-monitoring
`},
		ManifestFile{"release-manifests/image-references", `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","spec":{"tags":[]}}` + "\n"},
		ManifestFile{"release-manifests/release-metadata", fmt.Sprintf(`{"kind":"cincinnati-metadata-v0","version":%q,"previous":[],"metadata":{"url":"https://access.redhat.com/errata/RHBA"}}`+"\n", r.Version)},
		// Outside release-manifests/: must be ignored.
		ManifestFile{"manifests/0000_00_namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-outside-release-manifests\n"},
	)
	return files
}

func tarOf(files []ManifestFile) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: 0o644, Size: int64(len(f.Body)), Typeflag: tar.TypeReg}
		if strings.HasSuffix(f.Name, "/") {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		_ = tw.WriteHeader(h) // writes to a bytes.Buffer do not fail
		_, _ = tw.Write([]byte(f.Body))
	}
	_ = tw.Close()
	return buf.Bytes()
}

// nopLogger keeps the in-process registry's request log out of test and demo output.
var nopLogger = log.New(io.Discard, "", 0)

// New namespaces of the synthetic releases: what rp:namespaces is expected to add.
var (
	NewIn415 = []string{"openshift-network-node-identity"}
	NewIn416 = []string{"openshift-cluster-api", "openshift-cluster-olm-operator"}
)

// GoneIn416 is a namespace the fixture's namespace.go lists that the 4.16 releases no longer
// create (as openshift-sdn went when OVN-Kubernetes became the only network plugin).
const GoneIn416 = "openshift-sdn"

// Candidate is the example release candidate: in candidate-4.17 only, as candidates are.
const Candidate = "4.17.0-rc.3"

// Releases is a channel layout like the real one: stable-4.16 also carries the 4.15 releases
// one can upgrade from, and the newest 4.16 release is still only in candidate-4.16. The 4.15
// releases create the namespaces the fixture's namespace.go lists plus NewIn415; the 4.16 ones
// add NewIn416 and a namespace outside the openshift prefix, and drop GoneIn416.
func Releases() []Release {
	var base []string
	for _, ns := range RPOCPNamespaces {
		if strings.HasPrefix(ns, "openshift") {
			base = append(base, ns)
		}
	}
	ns415 := append(slices.Clone(base), NewIn415...)
	ns416 := slices.DeleteFunc(append(append(slices.Clone(ns415), NewIn416...), "hypershift-local"),
		func(ns string) bool { return ns == GoneIn416 })
	var rs []Release
	for _, z := range []string{"33", "34", "35"} {
		rs = append(rs, Release{Version: "4.15." + z, Channels: []string{"candidate-4.15", "fast-4.15", "stable-4.15", "candidate-4.16", "fast-4.16", "stable-4.16"}, Namespaces: ns415})
	}
	for _, z := range []string{"0", "1", "2", "3"} {
		rs = append(rs, Release{Version: "4.16." + z, Channels: []string{"candidate-4.16", "fast-4.16", "stable-4.16"}, Namespaces: ns416})
	}
	rs = append(rs, Release{Version: "4.16.4", Channels: []string{"candidate-4.16"}, Namespaces: ns416})
	// A release candidate of the next minor lives only in its candidate channel.
	rs = append(rs, Release{Version: Candidate, Channels: []string{"candidate-4.17"}, Namespaces: ns416})
	return rs
}
