package github

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
)

const token = "ghp_exampletoken0123456789"

// bare is a bare repository with the given branches, each on one commit.
func bare(t *testing.T, branches ...string) string {
	t.Helper()
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	git(dir, "init", "-q", "--bare", "repo.git")
	git(dir, "init", "-q", "work")
	git(work, "commit", "-q", "--allow-empty", "-m", "one")
	for _, b := range branches {
		git(work, "push", "-q", filepath.Join(dir, "repo.git"), "HEAD:refs/heads/"+b)
	}
	return filepath.Join(dir, "repo.git")
}

func server(t *testing.T, h http.Handler) *Client {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	c, err := New(s.URL, token, 0)
	require.NoError(t, err)
	return c
}

func request() Request {
	return Request{Base: Repo{"openshift", "installer-aro"}, BaseBranch: "release-4.16-azure",
		Head: Repo{"me", "installer-aro"}, HeadBranch: "release-4.16-azure", Title: "4.16", Body: "first"}
}

func TestOpenCreatesThenUpdates(t *testing.T) {
	g := example.NewGitHub(token)
	g.AddRepo("openshift/installer-aro", "master", bare(t, "master", "release-4.16-azure"))
	g.AddRepo("me/installer-aro", "master", bare(t, "release-4.16-azure"))
	c := server(t, g)
	pr, err := c.Open(context.Background(), request())
	require.NoError(t, err)
	assert.True(t, pr.Created)
	assert.Equal(t, 1, pr.Number)
	assert.Equal(t, "https://github.com/openshift/installer-aro/pull/1", pr.URL)

	r := request()
	r.Body = "second"
	pr, err = c.Open(context.Background(), r)
	require.NoError(t, err)
	assert.True(t, pr.Updated)
	pulls := g.Pulls("openshift/installer-aro")
	require.Len(t, pulls, 1)
	assert.Equal(t, "second", pulls[0]["body"])
}

// GitHub answers 422 "A pull request already exists" when the list did not show it (opened
// meanwhile): the body is updated, not a second PR opened.
func TestOpenAlreadyExists422(t *testing.T) {
	g := example.NewGitHub(token)
	g.AddRepo("openshift/installer-aro", "master", bare(t, "release-4.16-azure"))
	g.AddRepo("me/installer-aro", "master", bare(t, "release-4.16-azure"))
	c := server(t, g)
	_, err := c.Open(context.Background(), request())
	require.NoError(t, err)
	var lists atomic.Int32
	var created422 atomic.Bool
	hide := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/pulls") && lists.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("[]"))
			return
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && rec.Code == http.StatusUnprocessableEntity {
			created422.Store(true)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	c = server(t, hide)
	r := request()
	r.Body = "after 422"
	pr, err := c.Open(context.Background(), r)
	require.NoError(t, err)
	assert.True(t, created422.Load(), "the create met GitHub's 422")
	assert.True(t, pr.Updated)
	assert.Len(t, g.Pulls("openshift/installer-aro"), 1)
	assert.Equal(t, "after 422", g.Pulls("openshift/installer-aro")[0]["body"])
}

func TestOpenMissingBase(t *testing.T) {
	g := example.NewGitHub(token)
	g.AddRepo("openshift/installer-aro", "master", bare(t, "master"))
	g.AddRepo("me/installer-aro", "master", bare(t, "release-4.16-azure"))
	_, err := server(t, g).Open(context.Background(), request())
	require.ErrorIs(t, err, ErrNoBase)
	assert.Contains(t, err.Error(), "openshift/installer-aro has no branch release-4.16-azure")
	assert.Empty(t, g.Pulls("openshift/installer-aro"))

	// The branch read says it exists but the create says 422 base invalid (deleted meanwhile).
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/branches/") {
			w.Write([]byte(`{"name":"release-4.16-azure","commit":{"sha":"0"}}`))
			return
		}
		g.ServeHTTP(w, r)
	})
	_, err = server(t, h).Open(context.Background(), request())
	require.ErrorIs(t, err, ErrNoBase)
}

func TestBadToken401(t *testing.T) {
	g := example.NewGitHub("another")
	g.AddRepo("openshift/installer-aro", "master", bare(t, "release-4.16-azure"))
	_, err := server(t, g).Open(context.Background(), request())
	require.ErrorIs(t, err, ErrBadCredentials)
	assert.NotContains(t, err.Error(), token)
	var nope interface{ Unwrap() error }
	assert.False(t, errors.As(err, &nope) && strings.Contains(nope.Unwrap().Error(), token))
}

func TestParseRemote(t *testing.T) {
	for in, want := range map[string]Repo{
		"https://github.com/openshift/installer-aro.git": {"openshift", "installer-aro"},
		"https://github.com/Azure/ARO-RP":                {"Azure", "ARO-RP"},
		"git@github.com:me/installer-aro-wrapper.git":    {"me", "installer-aro-wrapper"},
		"ssh://git@github.com/me/ARO-RP.git":             {"me", "ARO-RP"},
		"https://user:secret@github.com/me/ARO-RP.git":   {"me", "ARO-RP"},
	} {
		got, err := ParseRemote(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"/tmp/repo.git", "https://github.com/only", "https://github.com/a/b/c", "file:///x/y"} {
		_, err := ParseRemote(in)
		assert.Error(t, err, in)
	}
	_, err := ParseRemote("https://user:secret@github.com/x")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

func TestTokenFromEnvironment(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GH_TOKEN", "from-gh-token")
	got, err := Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "from-gh-token", got)
	t.Setenv("GITHUB_TOKEN", "from-github-token")
	got, _ = Token(context.Background())
	assert.Equal(t, "from-github-token", got)
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GH_TOKEN", "")
	t.Setenv("PATH", t.TempDir()) // no gh
	_, err = Token(context.Background())
	require.ErrorIs(t, err, ErrNoToken)
}
