//go:build mage

package main

import (
	"context"
	"os"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
)

// Rhcos publishes the RHCOS boot images of a release for the ARO Partner Center offer.
type Rhcos mg.Namespace

// Publish copies each architecture's RHCOS VHD of release X.Y into the images storage account and prints read-only SAS URLs.
//
// Sources: rhel-coreos-extensions.azure-disk of data/data/coreos/rhcos.json at
// origin/release-X.Y-azure. Each VHD is copied server-side into container "rhcos" as a page
// blob named after the source file; a finished copy is never made twice and a pending one is
// waited for. A stream whose RHCOS builds are not <version>'s (415.* for 4.16) is refused.
// stdout: "ARCH<TAB>SAS-URL" per architecture, then the Partner Center JSON snippet.
//
// Environment: RELEASEKIT_STORAGE_ACCOUNT [openshiftimages], RELEASEKIT_STORAGE_RESOURCE_GROUP
// [images] and RELEASEKIT_SUBSCRIPTION_ID [$AZURE_SUBSCRIPTION_ID] to list the key with your
// Azure login; or RELEASEKIT_STORAGE_KEY; RELEASEKIT_BLOB_ENDPOINT
// [https://ACCOUNT.blob.core.windows.net/]; RELEASEKIT_FORK_REMOTE [origin];
// RELEASEKIT_HTTP_TIMEOUT [30s] per request, each tried up to 4 times.
func (Rhcos) Publish(ctx context.Context, version string,
	stream *string, // read the stream metadata from FILE instead of the fork's branch
	arch *string, // architectures to publish (default x86_64,aarch64)
	expiry *string, // how long the SAS URLs last, such as 21d or 504h (default 21d, at most 365d)
	timeout *string, // bound the whole run, such as 45m (default 2h); started copies go on
	force *bool, // publish builds of another release all the same
	dryrun *bool, // print what would be copied where; copy and sign nothing
	json *bool, // print only the JSON snippet on stdout
) error {
	dir, err := workdir()
	if err != nil {
		return err
	}
	t, err := netutil.Timeout()
	if err != nil {
		return cli.Usage(err)
	}
	res, err := rhcos.Run(ctx, rhcos.RunOptions{
		Dir: dir, Version: version,
		Stream: stream, Arch: arch, Expiry: expiry, Timeout: timeout,
		Force: isSet(force), DryRun: isSet(dryrun), JSON: isSet(json),
		Account:       os.Getenv(rhcos.EnvStorageAccount),
		Endpoint:      os.Getenv(rhcos.EnvBlobEndpoint),
		Key:           os.Getenv(rhcos.EnvStorageKey),
		Subscription:  envOr(rhcos.EnvSubscription, os.Getenv(rhcos.EnvAzureSubscription)),
		ResourceGroup: os.Getenv(rhcos.EnvStorageGroup),
		ForkRemote:    os.Getenv(rhcos.EnvForkRemote),
		HTTPTimeout:   t,
		Log:           logw,
	})
	res.Print(out, logw)
	return err
}
