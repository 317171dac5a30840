package payload_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/payload"
)

// benchImage pushes a release image with two 16 MiB base layers under the manifests layer, the
// shape (if not the size) of a real release image.
func benchImage(b *testing.B) payload.PullSpec {
	b.Helper()
	repo := ggcrRepo(b)
	base, err := random.Image(16<<20, 2, random.WithSource(rand.NewSource(1)))
	if err != nil {
		b.Fatal(err)
	}
	rel, err := example.ReleaseImage(example.Releases()[5], 2)
	if err != nil {
		b.Fatal(err)
	}
	ls, err := rel.Layers()
	if err != nil {
		b.Fatal(err)
	}
	img, err := mutate.AppendLayers(base, ls[len(ls)-1])
	if err != nil {
		b.Fatal(err)
	}
	ref, _ := name.NewTag(repo + ":bench")
	if err := remote.Write(ref, img); err != nil {
		b.Fatal(err)
	}
	d, _ := img.Digest()
	ps, err := payload.ParsePullSpec(repo + "@" + d.String())
	if err != nil {
		b.Fatal(err)
	}
	return ps
}

// BenchmarkReleaseNamespaces compares streaming release-manifests/ out of the layers (what
// rp:namespaces does) with the by-hand way: export the image file system to disk, extract the
// manifests directory, then read it.
func BenchmarkReleaseNamespaces(b *testing.B) {
	ps := benchImage(b)
	f := payload.Filter{Prefixes: []string{"openshift"}}
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			m, err := payload.Registry{}.ImageManifests(context.Background(), ps, f)
			if err != nil || len(m.Namespaces) == 0 {
				b.Fatal(m, err)
			}
		}
	})
	b.Run("export-to-disk", func(b *testing.B) {
		for b.Loop() {
			dir := b.TempDir()
			ref, _ := name.NewDigest(ps.String())
			img, err := remote.Image(ref)
			if err != nil {
				b.Fatal(err)
			}
			exported := filepath.Join(dir, "fs.tar")
			fh, err := os.Create(exported)
			if err != nil {
				b.Fatal(err)
			}
			rc := mutate.Extract(img)
			if _, err := io.Copy(fh, rc); err != nil {
				b.Fatal(err)
			}
			rc.Close()
			fh.Close()
			untarManifests(b, exported, filepath.Join(dir, "out"))
			m, err := payload.DirManifests(filepath.Join(dir, "out"), f)
			if err != nil || len(m.Namespaces) == 0 {
				b.Fatal(m, err)
			}
		}
	})
}

func untarManifests(b *testing.B, tarPath, out string) {
	fh, err := os.Open(tarPath)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	if err := os.MkdirAll(out, 0o755); err != nil {
		b.Fatal(err)
	}
	tr := tar.NewReader(fh)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		rel, ok := strings.CutPrefix(h.Name, payload.ManifestsDir+"/")
		if !ok || h.Typeflag != tar.TypeReg || strings.Contains(rel, "/") {
			continue
		}
		w, err := os.Create(filepath.Join(out, rel))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(w, tr); err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
}
