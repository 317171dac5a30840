package example

import (
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
)

// goProxies serves the GOPROXY trees of this process's GoModules over HTTP on one loopback port,
// for as long as the process lives: a tree is /N/ there, N its number. It answers as a module
// proxy does (proxy.golang.org's wording): a file of the tree, or 404 Not Found with a text
// body that says why, such as
//
//	not found: github.com/openshift/api@release-4.99: invalid version: unknown revision release-4.99
//
// which go prints after the status, so that what a go command says about a missing branch or
// version is what an engineer's go command says through a real proxy. (A file:// tree answers
// only "no such file or directory".)
var goProxies struct {
	once sync.Once
	url  string
	err  error
	mu   sync.Mutex
	dirs []string
}

// serveProxyTree serves the GOPROXY tree in dir and returns its URL, a GOPROXY value.
func serveProxyTree(dir string) (string, error) {
	goProxies.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			goProxies.err = fmt.Errorf("example module proxy: %w", err)
			return
		}
		srv := &http.Server{Handler: http.HandlerFunc(serveProxy), ReadHeaderTimeout: 30 * time.Second, ErrorLog: nopLogger}
		go srv.Serve(ln) // for the life of the process
		goProxies.url = "http://" + ln.Addr().String()
	})
	if goProxies.err != nil {
		return "", goProxies.err
	}
	goProxies.mu.Lock()
	defer goProxies.mu.Unlock()
	goProxies.dirs = append(goProxies.dirs, dir)
	return goProxies.url + "/" + strconv.Itoa(len(goProxies.dirs)-1), nil
}

func serveProxy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	n, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	i, err := strconv.Atoi(n)
	goProxies.mu.Lock()
	ok := err == nil && i >= 0 && i < len(goProxies.dirs)
	var dir string
	if ok {
		dir = goProxies.dirs[i]
	}
	goProxies.mu.Unlock()
	if !ok || name == "" || !fs.ValidPath(name) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if st, err := fs.Stat(os.DirFS(dir), name); err != nil || !st.Mode().IsRegular() {
		http.Error(w, notFoundBody(name), http.StatusNotFound)
		return
	}
	switch {
	case strings.HasSuffix(name, ".info"), strings.HasSuffix(name, "/@latest"):
		w.Header().Set("Content-Type", "application/json")
	case strings.HasSuffix(name, ".zip"):
		w.Header().Set("Content-Type", "application/zip")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeFileFS(w, r, os.DirFS(dir), name)
}

// notFoundBody is what a module proxy says about a request for name it has no answer to.
func notFoundBody(name string) string {
	esc, file, ok := strings.Cut(name, "/@v/")
	if !ok {
		esc, _, _ = strings.Cut(name, "/@latest")
		if p, err := module.UnescapePath(esc); err == nil {
			return "not found: " + p + "@latest: no matching versions for query \"latest\""
		}
		return "not found: " + name
	}
	p, err := module.UnescapePath(esc)
	if err != nil {
		return "not found: " + name
	}
	if file == "list" {
		return "not found: module " + p + ": no versions"
	}
	ext := path.Ext(file)
	v, err := module.UnescapeVersion(strings.TrimSuffix(file, ext))
	if err != nil {
		return "not found: " + name
	}
	rev := v
	if module.IsPseudoVersion(v) {
		rev, _ = module.PseudoVersionRev(v)
	}
	return fmt.Sprintf("not found: %s@%s: invalid version: unknown revision %s", p, v, rev)
}
