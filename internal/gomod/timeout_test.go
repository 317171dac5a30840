package gomod_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/gomod"
)

// hangingProxy accepts connections and never answers, as a proxy behind a broken middlebox does.
func hangingProxy(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// A GOPROXY that accepts and never answers does not hang the run: each go command is bounded,
// and the error names the proxy and the setting that changes the bound.
func TestHangingProxyGivesUp(t *testing.T) {
	w := newWrapper(t)
	before := snapshot(t, w.Dir)
	proxy := hangingProxy(t)
	o := opts(t, w, "4.15")
	o.Env = append(o.Env, "GOPROXY="+proxy, "GOMODCACHE="+t.TempDir())
	o.GoTimeout = 3 * time.Second
	// Only a safety net for the test itself: the run must give up long before (without the
	// bound a go command waits on the proxy forever). Generous, for a loaded machine, where
	// every go command of the run is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err := gomod.Run(ctx, o)
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the run waited for the test's own deadline")
	require.Contains(t, err.Error(), "RELEASEKIT_GO_TIMEOUT")
	require.Contains(t, err.Error(), "GOPROXY")
	require.Contains(t, err.Error(), proxy)
	require.Equal(t, before, snapshot(t, w.Dir))
}
