//go:build mage

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
	"github.com/aro-releasekit/releasekit/internal/rhcos/rhcostest"
)

const demoRHCOSRelease = "415.92.202402201450-0"

// demoRhcos publishes the RHCOS VHDs of an installer fork built under root into a local
// Azurite, when Azurite is installed; without it, it shows the dry run against the real
// public VHD URLs.
func demoRhcos(ctx context.Context, root string) error {
	fmt.Fprintln(out, "== rhcos: copy the 4.15 RHCOS VHDs into the images account, sign SAS URLs for Partner Center")
	wd, _ := os.Getwd()
	bin, ferr := rhcostest.Find(wd)
	if ferr != nil {
		fmt.Fprintf(out, "(%v: showing the dry run only)\n", ferr)
		stream := example.RHCOSStream(
			example.RHCOSDisk{Arch: "x86_64", Release: demoRHCOSRelease, URL: example.RHCOSPublicURL(demoRHCOSRelease, "x86_64")},
			example.RHCOSDisk{Arch: "aarch64", Release: demoRHCOSRelease, URL: example.RHCOSPublicURL(demoRHCOSRelease, "aarch64")},
		)
		dir, err := example.RHCOSInstaller(ctx, root, "4.15", stream)
		if err != nil {
			return fail(err)
		}
		demoRhcosStep("releasekit rhcos:publish 4.15 -dryrun")
		return rhcosPublish(ctx, dir, "4.15", rhcosFlags{dryrun: true})
	}

	srv, err := rhcostest.Start(ctx, bin)
	if err != nil {
		return fail(err)
	}
	defer srv.Stop()
	fmt.Fprintf(out, "Azurite listens on %s; a public container stands in for rhcos.blob.core.windows.net\n", srv.Endpoint)
	var disks []example.RHCOSDisk
	for arch, size := range map[string]int{"x86_64": 8 << 20, "aarch64": 4 << 20} {
		u, _, err := srv.SeedVHD(ctx, "imagebucket", example.RHCOSBlobName(demoRHCOSRelease, arch), size)
		if err != nil {
			return fail(err)
		}
		disks = append(disks, example.RHCOSDisk{Arch: arch, Release: demoRHCOSRelease, URL: u})
	}
	dir, err := example.RHCOSInstaller(ctx, root, "4.15", example.RHCOSStream(disks...))
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "built %s (its origin/release-4.15-azure carries %s)\n", dir, rhcos.StreamPath)

	restore := rhcosSetenvs(srv.Env())
	defer restore()
	for _, step := range []struct {
		cmd string
		f   rhcosFlags
	}{
		{"releasekit rhcos:publish 4.15 -dryrun", rhcosFlags{dryrun: true}},
		{"releasekit rhcos:publish 4.15", rhcosFlags{}},
		{"releasekit rhcos:publish 4.15 -arch=aarch64   # again: nothing is copied twice", rhcosFlags{arch: rhcosPtr("aarch64")}},
	} {
		demoRhcosStep(step.cmd)
		if err := rhcosPublish(ctx, dir, "4.15", step.f); err != nil {
			return err
		}
	}
	return nil
}

func demoRhcosStep(cmd string) {
	fmt.Fprintf(out, "\n$ %s\n", cmd)
}

func rhcosPtr[T any](v T) *T { return &v }

// rhcosSetenvs sets variables for the demo's targets and returns what puts the old values back.
func rhcosSetenvs(env map[string]string) func() {
	type old struct {
		v  string
		ok bool
	}
	saved := map[string]old{}
	for k, v := range env {
		pv, ok := os.LookupEnv(k)
		saved[k] = old{pv, ok}
		os.Setenv(k, v)
	}
	return func() {
		for k, o := range saved {
			if o.ok {
				os.Setenv(k, o.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}
