package example

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
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

// traceGit has every git the test binary starts from now on record its start (gittest.Started),
// for a flow whose runners take no environment from the test. The environment is the
// process's, so the test must not be parallel.
func traceGit(t *testing.T) func() []string {
	t.Helper()
	var env []string
	started := gittest.Started(t, &env)
	k, v, _ := strings.Cut(env[0], "=")
	t.Setenv(k, v)
	return started
}

// Commit starts git only to write (init and the first commit once per module, a checkout when
// it moves to another branch, add and commit), reads the refs and the new commit in process,
// and keeps each branch's history: a branch it comes back to goes on from its own commit, and
// each commit holds exactly the files given, the ones of the commit before removed.
func TestCommitStartsGitOnlyToWrite(t *testing.T) {
	ctx := context.Background()
	g, err := NewGoModules(t.TempDir(), "")
	require.NoError(t, err)
	const path = "github.com/openshift/counted"
	dir := filepath.Join(g.Src, filepath.FromSlash(path))
	started := traceGit(t)
	seen := 0
	commit := func(branch string, files map[string]string, want ...string) string {
		t.Helper()
		v, err := g.Commit(ctx, path, branch, files)
		require.NoError(t, err)
		all := started()
		var subs []string
		for _, s := range all[seen:] {
			subs = append(subs, strings.Fields(s)[0])
		}
		seen = len(all)
		assert.Equal(t, want, subs, "git commands of a commit to %s", branch)
		return v
	}
	main1 := commit("main", map[string]string{"go.mod": goMod(path), "a.go": "package a\n"}, "init", "commit", "add", "commit")
	main2 := commit("main", map[string]string{"go.mod": goMod(path), "b/b.go": "package b\n"}, "add", "commit")
	rel1 := commit("release-4.15", map[string]string{"go.mod": goMod(path)}, "checkout", "add", "commit")
	rel2 := commit("release-4.15", map[string]string{"go.mod": goMod(path), "c.go": "package c\n"}, "add", "commit")
	main3 := commit("main", map[string]string{"go.mod": goMod(path)}, "checkout", "add", "commit")
	rel3 := commit("release-4.15", map[string]string{"go.mod": goMod(path), "d.go": "package d\n"}, "checkout", "add", "commit")

	hash := func(v string) string { return v[len(v)-12:] }
	parents := func(v string) string { return gitOut(t, dir, "log", "-1", "--format=%p", "--abbrev=12", hash(v)) }
	assert.Equal(t, hash(main1), parents(main2))
	assert.Equal(t, hash(main2), parents(rel1), "a new branch starts from main")
	assert.Equal(t, hash(rel1), parents(rel2))
	assert.Equal(t, hash(main2), parents(main3))
	assert.Equal(t, hash(rel2), parents(rel3), "a branch goes on from its own commit")
	assert.Equal(t, "b/b.go\ngo.mod", gitOut(t, dir, "ls-tree", "-r", "--name-only", hash(main2)))
	assert.Equal(t, "d.go\ngo.mod", gitOut(t, dir, "ls-tree", "-r", "--name-only", hash(rel3)))
	assert.Empty(t, gitOut(t, dir, "status", "--porcelain"))
	// The pseudo-versions are the commits' hashes and times.
	for _, v := range []string{main1, main2, rel1, rel2, main3, rel3} {
		ct, err := strconv.ParseInt(gitOut(t, dir, "log", "-1", "--format=%ct", hash(v)), 10, 64)
		require.NoError(t, err)
		assert.Equal(t, "v0.0.0-"+time.Unix(ct, 0).UTC().Format("20060102150405")+"-"+hash(v), v)
	}
}
