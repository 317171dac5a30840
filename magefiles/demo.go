package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aro-releasekit/releasekit/internal/fixture"
)

// Demo runs the toolkit on built-in example repositories in a temporary directory.
//
// It builds an upstream installer, an ARO fork with carry patches and an engineer's clone, then
// runs the targets on them as a user would, printing what the user sees. Set
// RELEASEKIT_DEMO_DIR to keep the repositories somewhere to look at afterwards.
func Demo(ctx context.Context) error {
	root := os.Getenv("RELEASEKIT_DEMO_DIR")
	if root == "" {
		tmp, err := os.MkdirTemp("", "releasekit-demo-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	if err := demoFork(ctx, filepath.Join(root, "fork")); err != nil {
		return err
	}
	return nil
}

// inDir runs a target the way a user does: from inside the repository.
func inDir(dir string, f func() error) error {
	prev, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	if err := os.Chdir(dir); err != nil {
		return fail(err)
	}
	defer os.Chdir(prev)
	return f()
}

func demoStep(cmd string) {
	fmt.Fprintf(out, "\n$ %s\n", cmd)
}

func demoFork(ctx context.Context, root string) error {
	fmt.Fprintln(out, "== installer fork: an upstream with release-4.14 and release-4.15, a fork with 4.14 carry patches")
	fx, err := fixture.NewInstaller(ctx, root, fixture.InstallerOptions{})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "built %s (origin = the fork, upstream = openshift/installer)\n", fx.Work)
	return inDir(fx.Work, func() error {
		demoStep("releasekit fork:patches 4.14")
		if err := (Fork{}).Patches(ctx, "4.14", nil); err != nil {
			return err
		}
		demoStep("releasekit fork:assess 4.15")
		if err := (Fork{}).Assess(ctx, "4.15", nil); err != nil {
			return err
		}
		demoStep("releasekit fork:branch 4.15")
		return (Fork{}).Branch(ctx, "4.15", nil)
	})
}
