package releasekit

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["wrapperfixture"] = cmdWrapperFixture
	scriptCmds["hangingproxy"] = cmdHangingProxy
}

// cmdHangingProxy starts a listener that accepts connections and never answers, and puts its
// URL in $HANGING_PROXY, for a GOPROXY that hangs. It stops with the script.
func cmdHangingProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: hangingproxy")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
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
	ts.Defer(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	ts.Setenv("HANGING_PROXY", "http://"+l.Addr().String())
}

// cmdWrapperFixture builds the installer wrapper fixture under $WORK/wrapper-modules: the
// wrapper (at 4.14, vendored) in $WRAPPER, and the module repositories it builds from, served
// offline to every go command of the script (GOPROXY=direct and a git URL rewrite).
func cmdWrapperFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: wrapperfixture")
	}
	w, err := example.NewWrapper(context.Background(), filepath.Join(ts.Getenv("WORK"), "wrapper-modules"), "")
	ts.Check(err)
	for _, kv := range w.Env() {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	ts.Setenv("WRAPPER", w.Dir)
	for key, v := range w.Pseudo {
		ts.Setenv("V_"+strings.NewReplacer("@", "_", ".", "_", "-", "_").Replace(key), v)
	}
}
