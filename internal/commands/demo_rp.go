package commands

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/rp"
)

// demoRp runs rp:bumpVersion and rp:namespaces on an ARO-RP-shaped checkout under root, against
// a local update graph and registry that serve synthetic 4.15 and 4.16 releases.
func demoRp(ctx context.Context, root string) error {
	dir := filepath.Join(root, "ARO-RP")
	if err := example.RP(dir, example.RPOptions{}); err != nil {
		return err
	}
	s, err := example.StartReleases(example.Releases())
	if err != nil {
		return err
	}
	defer s.Close()
	ep := rp.Endpoints{GraphURL: s.GraphURL, ReleaseRepo: s.Repo}
	fmt.Fprintf(out, "# ARO-RP checkout in %s; update graph at %s, release images in %s\n", dir, ep.GraphURL, ep.ReleaseRepo)

	step := func(args string, run func() (rp.Result, error)) {
		fmt.Fprintf(out, "\n$ releasekit %s\n", args)
		res, err := run()
		if err != nil {
			// Show a refusal the way the user sees it, and go on.
			fmt.Fprintf(out, "Error: %s\n", strings.TrimSpace(err.Error()))
			return
		}
		res.Print(out)
	}
	bump := func(v string) func() (rp.Result, error) {
		return func() (rp.Result, error) {
			res, err := rp.BumpVersion(ctx, rp.BumpOptions{Dir: dir, Version: v, Endpoints: ep, Log: logw})
			return res.Result, err
		}
	}
	namespaces := func() (rp.Result, error) {
		res, err := rp.Namespaces(ctx, rp.NamespacesOptions{Dir: dir, Version: "4.16.3", Endpoints: ep, Log: logw})
		return res.Result, err
	}
	step("rp:bumpVersion 4.16.3", bump("4.16.3"))
	step("rp:bumpVersion 4.16.3", bump("4.16.3"))
	step("rp:bumpVersion 4.16.4", bump("4.16.4"))
	step("rp:namespaces 4.16.3", namespaces)
	step("rp:namespaces 4.16.3", namespaces)
	return nil
}
