package rpsource

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// BenchmarkSetDefaultInstallStream compares the go/ast splice with the sed one-liner a person
// would write, `sed '/DefaultInstallStream/,/^}/ s/.../'`, which knows nothing of Go.
func BenchmarkSetDefaultInstallStream(b *testing.B) {
	dir := b.TempDir()
	if err := example.RP(dir, example.RPOptions{}); err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, example.RPConstPath))
	if err != nil {
		b.Fatal(err)
	}
	v := release.Patch{Minor: release.Minor{Major: 4, Minor: 16}, Patch: 3}
	b.Run("ast-splice", func(b *testing.B) {
		for b.Loop() {
			e, err := SetDefaultInstallStream("const.go", src, v, newPullSpec)
			if err != nil || !e.Changed() {
				b.Fatal(err)
			}
		}
	})
	block := regexp.MustCompile(`(?s)var DefaultInstallStream = &?Stream\{.*?\n\}`)
	ver := regexp.MustCompile(`NewVersion\([^)]*\)`)
	spec := regexp.MustCompile(`PullSpec: "[^"]*"`)
	b.Run("sed-baseline", func(b *testing.B) {
		for b.Loop() {
			out := block.ReplaceAllFunc(src, func(m []byte) []byte {
				m = ver.ReplaceAll(m, []byte("NewVersion(4, 16, 3)"))
				return spec.ReplaceAll(m, []byte(`PullSpec: "`+newPullSpec+`"`))
			})
			if len(out) == 0 {
				b.Fatal("empty")
			}
		}
	})
}

func BenchmarkAddNamespaces(b *testing.B) {
	dir := b.TempDir()
	if err := example.RP(dir, example.RPOptions{}); err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, example.RPNamespacePath))
	if err != nil {
		b.Fatal(err)
	}
	names := append(append([]string{}, example.RPOCPNamespaces...), "openshift-cluster-api", "openshift-network-node-identity")
	for b.Loop() {
		e, err := AddNamespaces("namespace.go", src, names)
		if err != nil || len(e.Added) != 2 {
			b.Fatal(err)
		}
	}
}
