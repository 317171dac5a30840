// Command delayproxy serves a Go module proxy tree over HTTP and waits a fixed time before
// each answer, to model the network between an engineer and a module proxy. With -gen it first
// writes the tree: n modules with one branch each, and a wrapper module that requires them all.
//
//	delayproxy -dir DIR -gen 30 -wrapper WRAPPERDIR -delay 100ms -urlfile FILE
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/gomod/gomodtest"
)

func main() {
	var (
		dir     = flag.String("dir", "", "the proxy tree to serve (written first with -gen)")
		gen     = flag.Int("gen", 0, "write a tree of this many modules first")
		branch  = flag.String("branch", "release-4.15", "the branch each generated module has")
		prefix  = flag.String("prefix", "github.com/openshift/bench-", "path prefix of the generated modules")
		wrapper = flag.String("wrapper", "", "with -gen, write a module here that requires every generated module")
		modules = flag.String("modules", "", "with -gen, write the generated module paths to this file, one a line")
		delay   = flag.Duration("delay", 100*time.Millisecond, "wait before each answer")
		addr    = flag.String("addr", "127.0.0.1:0", "address to listen on")
		urlfile = flag.String("urlfile", "", "write the proxy URL to this file once listening")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("delayproxy: ")
	if *dir == "" {
		log.Fatal("-dir is required")
	}
	if *gen > 0 {
		if err := generate(*dir, *gen, *prefix, *branch, *wrapper, *modules); err != nil {
			log.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	p := &gomodtest.DelayProxy{Dir: *dir, Delay: *delay}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	if *urlfile != "" {
		if err := os.WriteFile(*urlfile, []byte(url+"\n"), 0o666); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "delayproxy: serving %s at %s, %s per request\n", *dir, url, *delay)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "delayproxy: answered %d requests\n", p.Requests())
}

func generate(dir string, n int, prefix, branch, wrapper, modules string) error {
	var mods []example.ProxyModule
	var paths []string
	for i := range n {
		p := fmt.Sprintf("%s%02d", prefix, i)
		mods = append(mods, example.ProxyModule{Path: p, Branch: branch})
		paths = append(paths, p)
	}
	versions, err := example.WriteProxyTree(dir, mods)
	if err != nil {
		return err
	}
	if modules != "" {
		if err := os.WriteFile(modules, []byte(strings.Join(paths, "\n")+"\n"), 0o666); err != nil {
			return err
		}
	}
	if wrapper == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("module github.com/openshift/installer-aro-wrapper\n\ngo 1.22\n\nrequire (\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%s %s\n", p, versions[p])
	}
	b.WriteString(")\n")
	if err := os.MkdirAll(wrapper, 0o777); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(wrapper, "go.mod"), []byte(b.String()), 0o666)
}
