// Package payloadtest serves OpenShift releases from local servers for tests and the demo: an
// update graph (Cincinnati wire format) and go-containerregistry's in-process registry holding
// synthetic release images whose layers carry release-manifests/.
package payloadtest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/payload"
)

// RepoPath is the repository the releases are pushed to, as on quay.io.
const RepoPath = "openshift-release-dev/ocp-release"

// Release is one synthetic release: its version, the channels that carry it and the namespaces
// its manifests create.
type Release struct {
	Version    string
	Channels   []string
	Namespaces []string
}

// Server is a running graph and registry.
type Server struct {
	Graph    *httptest.Server
	Registry *httptest.Server
	// Repo is host:port/openshift-release-dev/ocp-release on the registry.
	Repo string

	mu       sync.Mutex
	releases []Release
	digests  map[string]string // version → manifest digest
	override map[string]string // version → payload the graph claims instead
}

// Start pushes an image per release and starts both servers. Close stops them.
func Start(releases []Release) (*Server, error) {
	s := &Server{releases: releases, digests: map[string]string{}, override: map[string]string{}}
	s.Registry = httptest.NewServer(registry.New(registry.Logger(nopLogger)))
	s.Repo = strings.TrimPrefix(s.Registry.URL, "http://") + "/" + RepoPath
	for i, r := range releases {
		img, err := Image(r, int64(i+1))
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
	s.Graph = httptest.NewServer(http.HandlerFunc(s.serveGraph))
	return s, nil
}

func (s *Server) push(img v1.Image, tag string) (string, error) {
	ref, err := name.NewTag(s.Repo + ":" + tag)
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	d, err := img.Digest()
	return d.String(), err
}

// Close stops the servers.
func (s *Server) Close() {
	if s.Graph != nil {
		s.Graph.Close()
	}
	if s.Registry != nil {
		s.Registry.Close()
	}
}

// PullSpec is the digest pull spec of version on the registry.
func (s *Server) PullSpec(version string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Repo + "@" + s.digests[version]
}

// Retag pushes a different image under version's tag, so the registry no longer agrees with
// the graph: what a re-pushed or tampered tag looks like.
func (s *Server) Retag(version string) error {
	img, err := random.Image(512, 1, random.WithSource(rand.NewSource(99)))
	if err != nil {
		return err
	}
	_, err = s.push(img, payload.ReleaseTag(version))
	return err
}

// ClaimPayload makes the graph answer pullSpec as version's payload.
func (s *Server) ClaimPayload(version, pullSpec string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.override[version] = pullSpec
}

// serveGraph answers like the public update graph: JSON only, nodes of one channel in no
// particular order, edges from older to newer releases.
func (s *Server) serveGraph(w http.ResponseWriter, req *http.Request) {
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

// Image builds a release image: random base layers, then a layer with release-manifests/ as a
// release payload has it (namespace manifests among other kinds, multi-document files, the
// image-references and release-metadata files). seed makes the base layers reproducible.
func Image(r Release, seed int64) (v1.Image, error) {
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

// File is one entry of the manifests layer.
type File struct {
	Name string
	Body string
}

// ManifestFiles are the files of a release's manifests layer, in tar order.
func ManifestFiles(r Release) []File {
	files := []File{
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
		files = append(files, File{fmt.Sprintf("release-manifests/0000_50_%s_00_namespace.yaml", strings.TrimPrefix(ns, "openshift-")), body})
	}
	files = append(files,
		// A namespace-scoped object named like a namespace must not count.
		File{"release-manifests/0000_90_cluster-monitoring_servicemonitor.yml", `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: openshift-not-a-namespace
  namespace: openshift-monitoring
`},
		File{"release-manifests/image-references", `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","spec":{"tags":[]}}` + "\n"},
		File{"release-manifests/release-metadata", fmt.Sprintf(`{"kind":"cincinnati-metadata-v0","version":%q,"previous":[],"metadata":{"url":"https://access.redhat.com/errata/RHBA"}}`+"\n", r.Version)},
		// Outside release-manifests/: must be ignored.
		File{"manifests/0000_00_namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-outside-release-manifests\n"},
	)
	return files
}

func tarOf(files []File) []byte {
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

// Releases is a channel layout like the real one: stable-4.16 also carries the 4.15 releases
// one can upgrade from, and the newest 4.16 release is still only in candidate-4.16. The 4.15
// releases create the namespaces the fixture's namespace.go lists plus NewIn415; the 4.16 ones
// add NewIn416 and a namespace outside the openshift prefix, and drop GoneIn416.
func Releases() []Release {
	var base []string
	for _, ns := range example.RPOCPNamespaces {
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
	return rs
}
