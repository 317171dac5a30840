// Package gomodtest holds what the module tests and benchmarks share; the binary never imports it.
package gomodtest

import (
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"
)

// DelayProxy serves a GOPROXY tree over HTTP and waits Delay before each answer, the way a
// module proxy across a network does. FailFirst makes the first that many requests for each
// path fail with 503 Service Unavailable, as an overloaded proxy does.
type DelayProxy struct {
	Dir       string
	Delay     time.Duration
	FailFirst int

	mu       sync.Mutex
	seen     map[string]int
	requests int
}

// Requests is how many requests the proxy has answered.
func (p *DelayProxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

func (p *DelayProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	p.seen[r.URL.Path]++
	n := p.seen[r.URL.Path]
	p.requests++
	p.mu.Unlock()
	select {
	case <-time.After(p.Delay):
	case <-r.Context().Done():
		return
	}
	if n <= p.FailFirst {
		http.Error(w, "overloaded, try again", http.StatusServiceUnavailable)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	if st, err := fs.Stat(os.DirFS(p.Dir), name); err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	http.ServeFileFS(w, r, os.DirFS(p.Dir), name)
}
