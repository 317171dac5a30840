package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/rhcos/rhcostest"
)

func init() {
	scriptCmds["azurite"] = cmdAzurite
	scriptCmds["vhd"] = cmdVHD
	scriptCmds["rhcosstream"] = cmdRHCOSStream
	scriptCmds["sasread"] = cmdSASRead
	scriptCmds["nosecrets"] = cmdNoSecrets
	scriptSetups = append(scriptSetups, func(e *testscript.Env) error {
		e.Values[scriptTKey{}] = e.T()
		return nil
	})
}

// scriptTKey keeps the script's T, so that a command can skip the script.
type scriptTKey struct{}

// azurites are the servers the running scripts started, one per script.
var azurites sync.Map // *testscript.TestScript → *rhcostest.Server

// azurite starts Azurite for this script on a free loopback port and points rhcos:publish at it
// (RELEASEKIT_BLOB_ENDPOINT, RELEASEKIT_STORAGE_ACCOUNT, RELEASEKIT_STORAGE_KEY). Without
// Azurite installed the script is skipped, unless RELEASEKIT_TEST_REQUIRE_AZURITE=1.
func cmdAzurite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: azurite")
	}
	wd, _ := os.Getwd()
	bin, err := rhcostest.Find(wd)
	if errors.Is(err, rhcostest.ErrNotInstalled) && os.Getenv(rhcostest.EnvRequire) != "1" {
		ts.Value(scriptTKey{}).(testscript.T).Skip(fmt.Sprintf("skipping: %v (set %s=1 to make this a failure)", err, rhcostest.EnvRequire))
	}
	ts.Check(err)
	srv, err := rhcostest.Start(context.Background(), bin)
	ts.Check(err)
	azurites.Store(ts, srv)
	ts.Defer(func() {
		azurites.Delete(ts)
		srv.Stop()
	})
	for k, v := range srv.Env() {
		ts.Setenv(k, v)
	}
}

func azuriteOf(ts *testscript.TestScript) *rhcostest.Server {
	v, ok := azurites.Load(ts)
	if !ok {
		ts.Fatalf("no Azurite in this script: run azurite first")
	}
	return v.(*rhcostest.Server)
}

// vhd [-sas] VAR CONTAINER/NAME SIZE uploads a page blob of SIZE bytes with public read access
// (a stand-in for a public RHCOS VHD) and sets $VAR to its URL. With -sas the container is
// private and $VAR is a read SAS URL.
func cmdVHD(ts *testscript.TestScript, neg bool, args []string) {
	private := len(args) > 0 && args[0] == "-sas"
	if private {
		args = args[1:]
	}
	if neg || len(args) != 3 {
		ts.Fatalf("usage: vhd [-sas] VAR CONTAINER/NAME SIZE")
	}
	cont, name, ok := strings.Cut(args[1], "/")
	size, err := strconv.Atoi(args[2])
	if !ok || err != nil {
		ts.Fatalf("usage: vhd VAR CONTAINER/NAME SIZE")
	}
	srv := azuriteOf(ts)
	if private {
		_, err := srv.SeedPrivateVHD(context.Background(), cont, name, size)
		ts.Check(err)
		u, err := srv.SourceSAS(cont, name)
		ts.Check(err)
		ts.Setenv(args[0], u)
		return
	}
	u, _, err := srv.SeedVHD(context.Background(), cont, name, size)
	ts.Check(err)
	ts.Setenv(args[0], u)
}

// rhcosstream FILE ARCH=URL... writes installer-shaped CoreOS stream metadata with an Azure
// disk per ARCH (release 415.92.202402201450-0; ARCH= with no URL leaves the disk out).
func cmdRHCOSStream(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: rhcosstream FILE ARCH=URL...")
	}
	var disks []example.RHCOSDisk
	for _, a := range args[1:] {
		arch, u, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("rhcosstream: %q is not ARCH=URL", a)
		}
		disks = append(disks, example.RHCOSDisk{Arch: arch, Release: "415.92.202402201450-0", URL: u})
	}
	file := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(file), 0o755))
	ts.Check(os.WriteFile(file, example.RHCOSStream(disks...), 0o644))
}

// sasread FILE N reads every "ARCH<TAB>URL" line of FILE (a copy of rhcos:publish's stdout),
// checks there are N, and that each URL, fetched with a plain GET, returns the VHD that
// vhd seeded under that name.
func cmdSASRead(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sasread FILE N")
	}
	want, _ := strconv.Atoi(args[1])
	n := 0
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		arch, raw, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasPrefix(raw, "http") {
			continue
		}
		n++
		u, err := url.Parse(raw)
		ts.Check(err)
		if u.Query().Get("sp") != "r" || u.Query().Get("sig") == "" {
			ts.Fatalf("%s: not a read-only SAS URL: sp=%q", arch, u.Query().Get("sp"))
		}
		got, code, err := rhcostest.Get(context.Background(), raw)
		ts.Check(err)
		if code != 200 {
			ts.Fatalf("%s: GET SAS URL: HTTP %d", arch, code)
		}
		if !bytes.Equal(got, rhcostest.Content(path.Base(u.Path), len(got))) {
			ts.Fatalf("%s: the SAS URL reads %d bytes that are not the seeded VHD", arch, len(got))
		}
		ts.Logf("%s: SAS URL reads the %d-byte copy", arch, len(got))
	}
	if n != want {
		ts.Fatalf("%s has %d SAS URL lines, want %d", args[0], n, want)
	}
}

// nosecrets [-results] FILE... fails when a file carries the account key
// ($RELEASEKIT_STORAGE_KEY) or a SAS signature. With -results, the result lines of stdout
// ("ARCH<TAB>URL" and the JSON "osVhdUrl") may carry signatures; nothing else may.
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecrets")
	}
	results := len(args) > 0 && args[0] == "-results"
	if results {
		args = args[1:]
	}
	key := ts.Getenv("RELEASEKIT_STORAGE_KEY")
	for _, f := range args {
		for i, line := range strings.Split(ts.ReadFile(f), "\n") {
			if key != "" && strings.Contains(line, key) {
				ts.Fatalf("%s:%d carries the account key", f, i+1)
			}
			if !strings.Contains(strings.ToLower(line), "sig=") || strings.Contains(line, "sig="+"REDACTED") {
				continue
			}
			isResult := strings.Contains(line, "\thttp") || strings.Contains(line, `"osVhdUrl": "http`)
			if !results || !isResult {
				ts.Fatalf("%s:%d carries a SAS signature outside a result line: %s", f, i+1, line)
			}
		}
	}
}
