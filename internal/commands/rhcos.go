package commands

import (
	"context"
	"flag"
	"os"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var rhcosPublish = &cli.Command{
	Name:  "rhcos:publish",
	Args:  []string{"X.Y"},
	Short: "Copy each architecture's RHCOS VHD of release X.Y into the images storage account and print read-only SAS URLs.",
	Long: `Sources: rhel-coreos-extensions.azure-disk of data/data/coreos/rhcos.json at
origin/release-X.Y-azure. Each VHD is copied server-side into container "rhcos" as a page
blob named after the source file; a finished copy is never made twice and a pending one is
waited for. A stream whose RHCOS builds are not <version>'s (415.* for 4.16) is refused.
stdout: "ARCH<TAB>SAS-URL" per architecture, then the Partner Center JSON snippet.

The account key is listed with your Azure login (RELEASEKIT_SUBSCRIPTION_ID,
RELEASEKIT_STORAGE_RESOURCE_GROUP), or given in RELEASEKIT_STORAGE_KEY. Each request is
bounded by RELEASEKIT_HTTP_TIMEOUT and tried up to 4 times.`,
	Settings: []settings.Info{settings.StorageAccount, settings.StorageGroup, settings.Subscription, settings.StorageKey,
		settings.BlobEndpoint, settings.ForkRemote, settings.HTTPTimeout},
	Flags: func(fs *flag.FlagSet) cli.Run {
		stream := filePath(fs, "stream", "read the stream metadata from `FILE` instead of the fork's branch")
		arch := stringFlag(fs, "arch", "`ARCHS` to publish (default x86_64,aarch64)")
		expiry := stringFlag(fs, "expiry", "how long the SAS URLs last (`DURATION`), such as 21d or 504h (default 21d, at most 365d)")
		timeout := stringFlag(fs, "timeout", "bound the whole run (`DURATION`), such as 45m (default 2h); started copies go on")
		force := fs.Bool("force", false, "publish builds of another release all the same")
		dryrun := fs.Bool("dryrun", false, "print what would be copied where; copy and sign nothing")
		json := fs.Bool("json", false, "print only the JSON snippet on stdout")
		return func(ctx context.Context, args []string) error {
			dir, err := workdir()
			if err != nil {
				return err
			}
			t, err := get(settings.HTTPTimeout)
			if err != nil {
				return err
			}
			sub := settings.Value(settings.Subscription)
			if sub == "" {
				sub = os.Getenv(rhcos.EnvAzureSubscription)
			}
			res, err := rhcos.Run(ctx, rhcos.RunOptions{
				Dir: dir, Version: args[0],
				Stream: stream.Ptr(), Arch: arch.Ptr(), Expiry: expiry.Ptr(), Timeout: timeout.Ptr(),
				Force: *force, DryRun: *dryrun, JSON: *json,
				Account:       settings.Value(settings.StorageAccount),
				Endpoint:      settings.Value(settings.BlobEndpoint),
				Key:           settings.Value(settings.StorageKey),
				Subscription:  sub,
				ResourceGroup: settings.Value(settings.StorageGroup),
				ForkRemote:    settings.Value(settings.ForkRemote),
				HTTPTimeout:   t,
				Log:           logw,
			})
			res.Print(out, logw)
			if err == nil {
				recordRHCOS(ctx, dir, res)
			}
			return err
		}
	},
}
