package example

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// goList runs go list -m -json in an empty directory with g's environment.
func goList(t *testing.T, g *GoModules, args ...string) (map[string]any, string, error) {
	t.Helper()
	out, err := runGo(context.Background(), t.TempDir(), g.Env(), append([]string{"list", "-m", "-json"}, args...)...)
	var m map[string]any
	if err == nil {
		require.NoError(t, json.Unmarshal([]byte(out), &m), out)
	}
	return m, out, err
}

// Commit publishes to the proxy tree what a module proxy serves for a github.com module: the
// commit's pseudo-version, the branch (moved by the branch's next commit), latest at main; a
// branch no module has is go's "unknown revision", as through proxy.golang.org; and the
// pseudo-versions are not listed, only tags.
func TestCommitPublishesToTheProxy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, err := NewGoModules(t.TempDir(), "")
	require.NoError(t, err)
	const path = "github.com/Azure/ARO-Example" // upper case: escaped in the tree
	files := func(who string) map[string]string {
		return map[string]string{"go.mod": goMod(path), "x.go": "package x\n\nconst Who = \"" + who + "\"\n"}
	}
	main1, err := g.Commit(ctx, path, "main", files("main 1"))
	require.NoError(t, err)
	rel, err := g.Commit(ctx, path, "Release-4.15", files("release"))
	require.NoError(t, err)
	main2, err := g.Commit(ctx, path, "main", files("main 2"))
	require.NoError(t, err)
	require.NoError(t, g.Publish(path, "v1.0.0", files("tag")))
	assert.NotEqual(t, main1, main2)

	for q, want := range map[string]string{"main": main2, "latest": "v1.0.0", "Release-4.15": rel, main1: main1} {
		m, out, err := goList(t, g, path+"@"+q)
		require.NoError(t, err, out)
		assert.Equal(t, want, m["Version"], q)
	}
	assert.FileExists(t, filepath.Join(g.Proxy, "github.com/!azure/!a!r!o-!example/@v/!release-4.15.info"))

	// Without a tag, latest is main's head.
	const other = "github.com/openshift/untagged"
	v, err := g.Commit(ctx, other, "main", map[string]string{"go.mod": goMod(other)})
	require.NoError(t, err)
	m, out, err := goList(t, g, other+"@latest")
	require.NoError(t, err, out)
	assert.Equal(t, v, m["Version"])

	m, out, err = goList(t, g, "-versions", path)
	require.NoError(t, err, out)
	assert.Equal(t, []any{"v1.0.0"}, m["Versions"], "only tags are listed")

	_, out, err = goList(t, g, path+"@release-4.99")
	require.Error(t, err)
	assert.Contains(t, out, "404 Not Found")
	assert.Contains(t, out, "not found: "+path+"@release-4.99: invalid version: unknown revision release-4.99")

	// The zip is what go builds: the commit's files.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module m\n\ngo 1.21\n\nrequire "+path+" "+rel+"\n"), 0o666))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.go"), []byte("package main\n\nimport x \""+path+"\"\n\nfunc main() { println(x.Who) }\n"), 0o666))
	out, err = runGo(ctx, dir, g.Env(), "run", ".")
	require.NoError(t, err, out)
	lines := strings.Split(strings.TrimSpace(out), "\n") // after go's "downloading" line
	assert.Equal(t, "release", lines[len(lines)-1])
}

// With VCS, go reads the github.com modules with git: a branch made in the repository by
// hand, which the proxy tree knows nothing of, resolves.
func TestGoModulesVCS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, err := NewGoModules(t.TempDir(), "")
	require.NoError(t, err)
	const path = "github.com/openshift/by-hand"
	_, err = g.Commit(ctx, path, "main", map[string]string{"go.mod": goMod(path)})
	require.NoError(t, err)
	r := git.Runner{Dir: filepath.Join(g.Src, filepath.FromSlash(path)), Env: g.gitEnv()}
	_, err = r.Run(ctx, "branch", "release-4.15", "main")
	require.NoError(t, err)

	_, out, err := goList(t, g, path+"@release-4.15")
	require.Error(t, err, "the proxy tree has no such branch")
	assert.Contains(t, out, "unknown revision release-4.15")
	g.VCS = true
	m, out, err := goList(t, g, path+"@release-4.15")
	require.NoError(t, err, out)
	assert.Contains(t, m["Version"], "v0.0.0-")
}
