package gomod

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/gomod/gomodtest"

	"github.com/aro-releasekit/releasekit/internal/example"

	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// proxyResolver serves n modules with branch release-4.15 from a local HTTP module proxy.
func proxyResolver(t *testing.T, n int, p *gomodtest.DelayProxy) (resolver, map[string]string, []Query) {
	t.Helper()
	p.Dir = t.TempDir()
	var mods []example.ProxyModule
	var qs []Query
	for i := range n {
		path := fmt.Sprintf("github.com/openshift/mod%02d", i)
		mods = append(mods, example.ProxyModule{Path: path, Branch: "release-4.15"})
		qs = append(qs, Query{path, "release-4.15"})
	}
	versions, err := example.WriteProxyTree(p.Dir, mods)
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	g := gocmd.Runner{Env: []string{"GOPROXY=" + srv.URL, "GOSUMDB=off", "GOFLAGS=-modcacherw", "GOMODCACHE=" + t.TempDir(), "GOTOOLCHAIN=local"}}
	return resolver{g: g, jobs: 4, retries: 3, retryDelay: 10 * time.Millisecond}, versions, qs
}

func TestResolveRetriesTransientFailures(t *testing.T) {
	p := &gomodtest.DelayProxy{FailFirst: 1}
	r, versions, qs := proxyResolver(t, 5, p)
	got, err := r.resolveAll(context.Background(), qs)
	require.NoError(t, err)
	require.Len(t, got, 5)
	for _, q := range qs {
		require.Equal(t, versions[q.Path], got[q].Version)
	}
}

func TestResolveGivesUpAfterRetries(t *testing.T) {
	p := &gomodtest.DelayProxy{FailFirst: 100}
	r, _, qs := proxyResolver(t, 1, p)
	r.retries = 2
	_, err := r.resolveAll(context.Background(), qs)
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 3, re.Attempts)
	require.Contains(t, err.Error(), "github.com/openshift/mod00@release-4.15")
	require.Contains(t, err.Error(), "503 Service Unavailable")
}

func TestResolveMissingBranchIsNotRetried(t *testing.T) {
	p := &gomodtest.DelayProxy{}
	r, _, _ := proxyResolver(t, 1, p)
	_, err := r.resolveAll(context.Background(), []Query{{"github.com/openshift/mod00", "release-4.99"}})
	require.ErrorIs(t, err, ErrRevisionNotFound)
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 1, re.Attempts)
	require.Equal(t, "release-4.99", re.Query)
	require.Equal(t, 1, p.Requests(), "one request for the branch, no retries")
}

func BenchmarkResolve30(b *testing.B) {
	for _, jobs := range []int{1, 16} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				p := &gomodtest.DelayProxy{Delay: 50 * time.Millisecond, Dir: b.TempDir()}
				var mods []example.ProxyModule
				var qs []Query
				for i := range 30 {
					path := fmt.Sprintf("github.com/openshift/mod%02d", i)
					mods = append(mods, example.ProxyModule{Path: path, Branch: "release-4.15"})
					qs = append(qs, Query{path, "release-4.15"})
				}
				if _, err := example.WriteProxyTree(p.Dir, mods); err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(p)
				r := resolver{g: gocmd.Runner{Env: []string{"GOPROXY=" + srv.URL, "GOSUMDB=off", "GOFLAGS=-modcacherw", "GOMODCACHE=" + b.TempDir(), "GOTOOLCHAIN=local"}}, jobs: jobs, retries: 1, retryDelay: time.Millisecond}
				b.StartTimer()
				if _, err := r.resolveAll(context.Background(), qs); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				srv.Close()
				b.StartTimer()
			}
		})
	}
}
