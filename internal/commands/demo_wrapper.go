package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/gomod"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// demoWrapper builds a wrapper repository and the modules it builds from (local git
// repositories, published to a module proxy on a loopback port, offline), then runs wrapper:vendor there
// with the same entry point as the target: a dry run, the real run, and a second run that
// changes nothing.
func demoWrapper(ctx context.Context, root string) error {
	w, err := example.NewWrapper(ctx, filepath.Join(root, "wrapper-modules"), "")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== wrapper:vendor: the installer wrapper at 4.14, moving to 4.15 (modules served offline by a local module proxy)\n")
	rel := release.Minor{Major: 4, Minor: 15}
	for _, run := range []struct {
		cmd string
		dry bool
	}{
		{"releasekit wrapper:vendor 4.15 -dryrun", true},
		{"releasekit wrapper:vendor 4.15    # the real run", false},
		{"releasekit wrapper:vendor 4.15    # again: nothing changes", false},
	} {
		fmt.Fprintf(out, "\n$ %s\n", run.cmd)
		rep, err := gomod.Run(ctx, gomod.Options{Dir: w.Dir, Release: rel, DryRun: run.dry, Env: w.Env(), Progress: func(s string) { logf("%s", s) }})
		if err := printVendor(rep, err, false); err != nil {
			return err
		}
	}
	code, err := os.ReadFile(filepath.Join(w.Dir, "vendor", filepath.FromSlash(example.ClientGoModule), "client.go"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nvendor/%s/client.go now says: %s\n", example.ClientGoModule, strings.TrimSpace(string(code[strings.LastIndex(string(code), "const"):])))
	return nil
}
