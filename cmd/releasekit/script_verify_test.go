package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["carries"] = cmdCarries
}

// carries [-assets=K] [-conflict=M] N DIR builds a small installer fork for the parallel verify
// scripts: DIR/upstream.git with release-4.14 and release-4.15 (4.15 changes the README),
// DIR/fork.git whose release-4.14-azure carries N patches (patch i adds carry/c<i>.txt; patch K
// is the assets commit, adding data/assets_vfsdata.go; patch M changes the README line that
// 4.15 changes, and so conflicts), and DIR/work, a clone with release-4.15-azure checked out at
// upstream/release-4.15, as fork:branch leaves it.
func cmdCarries(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! carries")
	}
	assets, conflict := 0, 0
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		k, v, _ := strings.Cut(strings.TrimPrefix(args[0], "-"), "=")
		n, err := strconv.Atoi(v)
		ts.Check(err)
		switch k {
		case "assets":
			assets = n
		case "conflict":
			conflict = n
		default:
			ts.Fatalf("carries: unknown flag %s", args[0])
		}
		args = args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: carries [-assets=K] [-conflict=M] N DIR")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	root := ts.MkAbs(args[1])
	// Built once per process for the same shape (the git environment is the harness's), copied after.
	ts.Check(example.Copied(context.Background(), fmt.Sprintf("carries -assets=%d -conflict=%d %d", assets, conflict, n), root, func() error {
		buildCarries(ts, root, n, assets, conflict)
		return nil
	}))
}

func buildCarries(ts *testscript.TestScript, root string, n, assets, conflict int) {
	src := filepath.Join(root, "src")
	env := os.Environ()
	for k := range scriptGitEnv {
		env = append(env, k+"="+ts.Getenv(k))
	}
	git := func(dir string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, body string) {
		p := filepath.Join(src, name)
		ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
		ts.Check(os.WriteFile(p, []byte(body), 0o644))
	}
	ts.Check(os.MkdirAll(src, 0o755))
	git(src, "init", "-q", "-b", "release-4.14")
	write("README", "installer\nrelease: 4.14\n")
	write("go.mod", "module github.com/openshift/installer\n\ngo 1.21\n")
	git(src, "add", ".")
	git(src, "commit", "-qm", "Initial installer tree")
	git(src, "checkout", "-q", "-b", "release-4.15")
	write("README", "installer\nrelease: 4.15\n")
	git(src, "commit", "-qam", "Release 4.15")
	git(src, "clone", "-q", "--bare", src, filepath.Join(root, "upstream.git"))
	git(src, "checkout", "-q", "-b", "release-4.14-azure", "release-4.14")
	for i := 1; i <= n; i++ {
		switch i {
		case assets:
			write("data/assets_vfsdata.go", "package data // generated 0\n")
			git(src, "add", ".")
			git(src, "commit", "-qm", "CARRY: HACK: commit data/assets_vfsdata.go")
			continue
		case conflict:
			write("README", "installer\nrelease: 4.14 for ARO\n")
		}
		write(fmt.Sprintf("carry/c%d.txt", i), fmt.Sprintf("patch %d\n", i))
		git(src, "add", ".")
		git(src, "commit", "-qm", fmt.Sprintf("CARRY: patch %d", i))
	}
	git(src, "clone", "-q", "--bare", src, filepath.Join(root, "fork.git"))
	work := filepath.Join(root, "work")
	git(root, "clone", "-q", "--branch", "release-4.14-azure", filepath.Join(root, "fork.git"), work)
	git(work, "remote", "add", "upstream", filepath.Join(root, "upstream.git"))
	git(work, "fetch", "-q", "upstream")
	git(work, "checkout", "-q", "-b", "release-4.15-azure", "upstream/release-4.15")
	ts.Check(os.RemoveAll(src))
}
