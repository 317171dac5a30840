package payload

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	yaml "go.yaml.in/yaml/v3"
)

// ManifestsDir is where a release image keeps the manifests the cluster-version operator applies.
const ManifestsDir = "release-manifests"

// releaseMetadata is the file in ManifestsDir that names the release the image is.
const releaseMetadata = "release-metadata"

// ErrNoManifests is returned when a release image or directory holds no manifests.
var ErrNoManifests = errors.New("no release manifests")

// Manifests is what reading a payload's manifests found.
type Manifests struct {
	// Namespaces are the names of kind: Namespace documents that match the prefixes, sorted.
	Namespaces []string
	// Files and Documents count what was read; Version is the release-metadata version ("" when
	// the payload has none, as a directory of manifests may not).
	Files, Documents int
	Version          string
}

// Filter keeps namespace names that start with one of Prefixes (all names when it is empty).
type Filter struct {
	Prefixes []string
}

// Keep reports whether the filter keeps the namespace name ns.
func (f Filter) Keep(ns string) bool {
	if len(f.Prefixes) == 0 {
		return true
	}
	for _, p := range f.Prefixes {
		if strings.HasPrefix(ns, p) {
			return true
		}
	}
	return false
}

type collector struct {
	filter Filter
	names  map[string]bool
	m      Manifests
}

func newCollector(f Filter) *collector { return &collector{filter: f, names: map[string]bool{}} }

// object is the part of a Kubernetes manifest the collector needs.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
}

// addYAML reads every document of one multi-document YAML file.
func (c *collector) addYAML(file string, r io.Reader) error {
	c.m.Files++
	dec := yaml.NewDecoder(r)
	for i := 1; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse %s (document %d): %w", file, i, err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue // empty documents and comment-only files
		}
		c.m.Documents++
		var o object
		if err := doc.Decode(&o); err != nil {
			return fmt.Errorf("parse %s (document %d): %w", file, i, err)
		}
		if o.Kind == "Namespace" && o.APIVersion == "v1" && o.Metadata.Name != "" && c.filter.Keep(o.Metadata.Name) {
			c.names[o.Metadata.Name] = true
		}
	}
}

func (c *collector) addMetadata(file string, r io.Reader) error {
	var md struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&md); err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	c.m.Version = md.Version
	return nil
}

func (c *collector) result(where string) (Manifests, error) {
	if c.m.Files == 0 {
		return Manifests{}, fmt.Errorf("%w in %s: no %s/*.yaml files", ErrNoManifests, where, ManifestsDir)
	}
	for n := range c.names {
		c.m.Namespaces = append(c.m.Namespaces, n)
	}
	slices.Sort(c.m.Namespaces)
	return c.m, nil
}

func isManifest(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// DirManifests reads the manifests in dir and below: the output of `oc adm release extract`.
func DirManifests(dir string, f Filter) (Manifests, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Manifests{}, fmt.Errorf("manifests directory: %w", err)
	}
	if !st.IsDir() {
		return Manifests{}, fmt.Errorf("manifests directory %s is not a directory", dir)
	}
	c := newCollector(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		var add func(string, io.Reader) error
		switch {
		case isManifest(d.Name()):
			add = c.addYAML
		case d.Name() == releaseMetadata:
			add = c.addMetadata
		default:
			return nil
		}
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		rel, _ := filepath.Rel(dir, p)
		return add(filepath.ToSlash(rel), fh)
	})
	if err != nil {
		return Manifests{}, err
	}
	if c.m.Files == 0 {
		return Manifests{}, fmt.Errorf("%w in %s: no *.yaml files", ErrNoManifests, dir)
	}
	return c.result(dir)
}

// ImageManifests streams the release image's layers and reads the release-manifests/*.yaml
// entries of its file system; nothing is written to disk. Later layers win, whiteouts hide.
func (r Registry) ImageManifests(ctx context.Context, pullSpec PullSpec, f Filter) (Manifests, error) {
	ref, err := name.NewDigest(pullSpec.String())
	if err != nil {
		return Manifests{}, err
	}
	img, err := remote.Image(ref, r.options(ctx)...)
	if err != nil {
		return Manifests{}, fmt.Errorf("read release image %s: %w", pullSpec, r.explain(err, ref))
	}
	if r.Progress != nil {
		img = progressImage{Image: img, report: r.Progress}
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	c := newCollector(f)
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Manifests{}, fmt.Errorf("read layers of %s: %w", pullSpec, r.explain(err, ref))
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		dir, base := path.Split(p)
		if dir != ManifestsDir+"/" {
			continue
		}
		switch {
		case isManifest(base):
			// Manifests are small; reading each whole keeps a parse error from leaving the tar
			// stream mid-entry.
			b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
			if err != nil {
				return Manifests{}, fmt.Errorf("read %s from %s: %w", p, pullSpec, err)
			}
			if err := c.addYAML(p, bytes.NewReader(b)); err != nil {
				return Manifests{}, err
			}
		case base == releaseMetadata:
			if err := c.addMetadata(p, tr); err != nil {
				return Manifests{}, err
			}
		}
	}
	return c.result(pullSpec.String())
}

// progressImage reports each layer as the extraction starts reading it.
type progressImage struct {
	v1.Image
	report func(layer, layers int, size int64)
}

func (p progressImage) Layers() ([]v1.Layer, error) {
	ls, err := p.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		// Extraction reads the top layer first: number layers in reading order.
		out[i] = progressLayer{Layer: l, n: len(ls) - i, of: len(ls), report: p.report}
	}
	return out, nil
}

type progressLayer struct {
	v1.Layer
	n, of  int
	report func(layer, layers int, size int64)
}

func (l progressLayer) Uncompressed() (io.ReadCloser, error) {
	size, err := l.Size()
	if err != nil {
		size = -1
	}
	l.report(l.n, l.of, size)
	return l.Layer.Uncompressed()
}
