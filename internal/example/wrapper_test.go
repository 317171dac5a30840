package example

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second wrapper fixture with the same module cache is a copy of the first: the same files
// (its directory aside), pseudo-versions and clock, and the go command finds the modules in
// its own repositories, not the first one's. The first is what a build gives: no other test of
// this package asks for a wrapper, so it is built (the build is the expensive part of the
// package's tests: it is made once).
func TestNewWrapperCopyIsABuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the wrapper fixture, a go mod tidy and vendor")
	}
	t.Parallel()
	ctx := context.Background()
	wrappers.mu.Lock()
	_, had := wrappers.entries[""]
	wrappers.mu.Unlock()
	require.False(t, had, "a wrapper was made before: the first one here would not be a build")
	built, err := NewWrapper(ctx, t.TempDir(), "")
	require.NoError(t, err)
	copied, err := NewWrapper(ctx, t.TempDir(), "")
	require.NoError(t, err)

	root := func(w *Wrapper) string { return filepath.Dir(w.Dir) }
	want := treeOf(t, root(built))
	assert.Equal(t, built.Pseudo, copied.Pseudo)
	assert.Equal(t, built.clock, copied.clock)
	for _, w := range []*Wrapper{built, copied} {
		assert.Equal(t, filepath.Join(root(w), "src"), w.Src)
		gitOut(t, w.Dir, "diff-files", "--quiet")
	}
	sameTree(t, want, treeOf(t, root(copied)))
	assert.Equal(t, gitOut(t, built.Dir, "rev-parse", "HEAD"), gitOut(t, copied.Dir, "rev-parse", "HEAD"))

	// A next commit gets the pseudo-version a build's next commit gets.
	next := map[string]string{"go.mod": goMod(HiveModule), "hive.go": "package hive\n\nconst Name = \"next\"\n"}
	v, err := copied.Commit(ctx, HiveModule, "main", next)
	require.NoError(t, err)
	want2, err := built.Commit(ctx, HiveModule, "main", next)
	require.NoError(t, err)
	assert.Equal(t, want2, v)

	// The copy stands alone: with the others gone, go resolves a branch from its proxy tree
	// (its own next commit to main included) and builds it vendored.
	require.NoError(t, os.RemoveAll(root(built)))
	out, err := copied.Go(ctx, "mod", "download", "-json", APIModule+"@release-4.15")
	require.NoError(t, err, out)
	assert.Contains(t, out, copied.Pseudo["api@release-4.15"])
	out, err = copied.Go(ctx, "list", "-m", HiveModule+"@main")
	require.NoError(t, err, out)
	assert.Contains(t, out, v)
	out, err = copied.Go(ctx, "run", "-mod=vendor", ".")
	require.NoError(t, err, out)
	assert.Contains(t, out, "installer 4.14-azure with api 4.14 and hive")
}
