package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["wrapperfixture"] = cmdWrapperFixture
}

// wrapperModCache is the module cache the wrapper fixtures of this process share: their
// repositories' commits are the same in every fixture (see example.NewGoModules), so a module
// is downloaded once, not once per script, and a copy of the fixture writes no module cache.
// It is removed when the test binary's TestScript ends.
func wrapperModCache(ts *testscript.TestScript) string {
	wrapperCache.once.Do(func() {
		wrapperCache.dir, wrapperCache.err = os.MkdirTemp("", "releasekit-script-modcache-")
	})
	ts.Check(wrapperCache.err)
	return wrapperCache.dir
}

var wrapperCache struct {
	once sync.Once
	dir  string
	err  error
}

// cmdWrapperFixture builds the installer wrapper fixture under $WORK/wrapper-modules: the
// wrapper (at 4.14, vendored) in $WRAPPER, and the module repositories it builds from, served
// offline to every go command of the script by the fixture's module proxy (GOPROXY).
func cmdWrapperFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: wrapperfixture")
	}
	w, err := example.NewWrapper(context.Background(), filepath.Join(ts.Getenv("WORK"), "wrapper-modules"), wrapperModCache(ts))
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
