//go:build mage

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/payload/payloadtest"
)

// demoRp runs rp:bumpVersion and rp:namespaces on an ARO-RP-shaped checkout under root, against
// a local update graph and registry that serve synthetic 4.15 and 4.16 releases.
func demoRp(ctx context.Context, root string) error {
	dir := filepath.Join(root, "ARO-RP")
	if err := example.RP(dir, example.RPOptions{}); err != nil {
		return err
	}
	s, err := payloadtest.Start(payloadtest.Releases())
	if err != nil {
		return err
	}
	defer s.Close()
	env := rpEnv{graphURL: s.Graph.URL, releaseRepo: s.Repo}
	fmt.Fprintf(out, "# ARO-RP checkout in %s; update graph at %s, release images in %s\n", dir, env.graphURL, env.releaseRepo)

	step := func(args string, run func() error) {
		fmt.Fprintf(out, "\n$ releasekit %s\n", args)
		if err := run(); err != nil {
			// Show a refusal the way the user sees it, and go on.
			fmt.Fprintf(out, "Error: %s\n", strings.TrimSpace(err.Error()))
		}
	}
	step("rp:bumpVersion 4.16.3", func() error {
		return rpBumpVersion(ctx, dir, env, "4.16.3", nil, nil, false)
	})
	step("rp:bumpVersion 4.16.3", func() error {
		return rpBumpVersion(ctx, dir, env, "4.16.3", nil, nil, false)
	})
	step("rp:bumpVersion 4.16.4", func() error {
		return rpBumpVersion(ctx, dir, env, "4.16.4", nil, nil, false)
	})
	step("rp:namespaces 4.16.3", func() error {
		return rpNamespaces(ctx, dir, env, "4.16.3", nil, nil, nil, nil, false)
	})
	step("rp:namespaces 4.16.3", func() error {
		return rpNamespaces(ctx, dir, env, "4.16.3", nil, nil, nil, nil, false)
	})
	return nil
}
