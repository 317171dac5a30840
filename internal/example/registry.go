package example

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Registry is the example registry: an in-memory, read-only registry that speaks the OCI
// distribution protocol's pull side (GET /v2/, HEAD and GET of manifests by tag or digest and
// of blobs), which is all that rp:namespaces and rp:bumpVersion ask of quay.io. Images are put
// in directly, not pushed.
type Registry struct {
	mu        sync.Mutex
	manifests map[string]map[string]manifest // repository → tag or digest → manifest
	blobs     map[string][]byte              // digest → content
}

type manifest struct {
	mediaType, digest string
	body              []byte
}

// NewRegistry is an empty registry.
func NewRegistry() *Registry {
	return &Registry{manifests: map[string]map[string]manifest{}, blobs: map[string][]byte{}}
}

// PutImage stores img in repo under tag (and under its digest) with its config and layers.
func (r *Registry) PutImage(repo, tag string, img v1.Image) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	mt, err := img.MediaType()
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	blobs := map[string][]byte{}
	cfgName, err := img.ConfigName()
	if err != nil {
		return err
	}
	if blobs[cfgName.String()], err = img.RawConfigFile(); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		ld, err := l.Digest()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("read layer %s: %w", ld, err)
		}
		blobs[ld.String()] = b
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range blobs {
		r.blobs[k] = v
	}
	r.put(repo, tag, manifest{mediaType: string(mt), digest: d.String(), body: raw})
	return nil
}

// PutIndex stores a multi-architecture index and each of its images in repo under tag.
func (r *Registry) PutIndex(repo, tag string, idx v1.ImageIndex) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return err
		}
		if err := r.PutImage(repo, desc.Digest.String(), img); err != nil {
			return err
		}
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.put(repo, tag, manifest{mediaType: string(mt), digest: d.String(), body: raw})
	return nil
}

func (r *Registry) put(repo, tag string, m manifest) {
	if r.manifests[repo] == nil {
		r.manifests[repo] = map[string]manifest{}
	}
	r.manifests[repo][tag] = m
	r.manifests[repo][m.digest] = m
}

func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		registryError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only")
		return
	}
	p := req.URL.Path
	if p == "/v2/" || p == "/v2" {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := strings.LastIndex(p, "/manifests/"); strings.HasPrefix(p, "/v2/") && i > len("/v2") {
		repo, ref := p[len("/v2/"):i], p[i+len("/manifests/"):]
		m, ok := r.manifests[repo][ref]
		if !ok {
			registryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("manifest unknown: %s:%s", repo, ref))
			return
		}
		serveBlob(w, req, m.mediaType, m.digest, m.body)
		return
	}
	if i := strings.LastIndex(p, "/blobs/"); strings.HasPrefix(p, "/v2/") && i > len("/v2") {
		d := p[i+len("/blobs/"):]
		b, ok := r.blobs[d]
		if !ok {
			registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown: "+d)
			return
		}
		serveBlob(w, req, "application/octet-stream", d, b)
		return
	}
	registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "not found: "+p)
}

func serveBlob(w http.ResponseWriter, req *http.Request, mediaType, digest string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}
