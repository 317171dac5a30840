package commands

import (
	"context"
	"fmt"
	"os"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
)

const demoRHCOSRelease = "415.92.202402201450-0"

// demoRhcos publishes the RHCOS VHDs of an installer fork built under root into a local
// Azurite, when Azurite is installed; without it, it shows the dry run against the real
// public VHD URLs.
func demoRhcos(ctx context.Context, root string) error {
	fmt.Fprintln(out, "== rhcos: copy the 4.15 RHCOS VHDs into the images account, sign SAS URLs for Partner Center")
	wd, _ := os.Getwd()
	bin, ferr := example.FindAzurite(wd)
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
		return demoRhcosRun("releasekit rhcos:publish 4.15 -dryrun", ctx, rhcos.RunOptions{Dir: dir, Version: "4.15", DryRun: true})
	}

	srv, err := example.StartAzurite(ctx, bin)
	if err != nil {
		return fail(err)
	}
	defer srv.Stop()
	fmt.Fprintf(out, "Azurite listens on %s; a public container stands in for rhcos.blob.core.windows.net\n", srv.Endpoint)
	var disks []example.RHCOSDisk
	for _, d := range []struct {
		arch string
		size int
	}{{"x86_64", 8 << 20}, {"aarch64", 4 << 20}} {
		u, _, err := srv.SeedVHD(ctx, "imagebucket", example.RHCOSBlobName(demoRHCOSRelease, d.arch), d.size)
		if err != nil {
			return fail(err)
		}
		disks = append(disks, example.RHCOSDisk{Arch: d.arch, Release: demoRHCOSRelease, URL: u})
	}
	dir, err := example.RHCOSInstaller(ctx, root, "4.15", example.RHCOSStream(disks...))
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "built %s (its origin/release-4.15-azure carries %s)\n", dir, rhcos.StreamPath)

	// The demo's own settings: what RELEASEKIT_BLOB_ENDPOINT, _STORAGE_ACCOUNT and _STORAGE_KEY
	// would say.
	base := rhcos.RunOptions{Dir: dir, Version: "4.15", Endpoint: srv.Endpoint, Account: srv.Account, Key: srv.Key}
	dry, again := base, base
	dry.DryRun = true
	arch := "aarch64"
	again.Arch = &arch
	for _, step := range []struct {
		cmd string
		o   rhcos.RunOptions
	}{
		{"releasekit rhcos:publish 4.15 -dryrun", dry},
		{"releasekit rhcos:publish 4.15", base},
		{"releasekit rhcos:publish 4.15 -arch=aarch64   # again: nothing is copied twice", again},
	} {
		if err := demoRhcosRun(step.cmd, ctx, step.o); err != nil {
			return err
		}
	}
	return nil
}

func demoRhcosRun(cmd string, ctx context.Context, o rhcos.RunOptions) error {
	fmt.Fprintf(out, "\n$ %s\n", cmd)
	o.Log = logw
	res, err := rhcos.Run(ctx, o)
	res.Print(out, logw)
	return err
}
