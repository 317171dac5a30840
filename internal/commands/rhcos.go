package commands

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

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
		expiry := &daysFlag{least: time.Hour, maxDays: rhcos.MaxExpiryDays, limit: "a SAS URL may last at most",
			examples: "a whole number of days such as 21d, or a duration such as 504h"}
		fs.Var(expiry, "expiry", "how long the SAS URLs last (`DURATION`), such as 21d or 504h (default 21d, at most 365d)")
		timeout := &daysFlag{maxDays: rhcos.MaxTimeoutDays, limit: "at most",
			examples: "a duration such as 2h or 45m, or a whole number of days such as 1d"}
		fs.Var(timeout, "timeout", "bound the whole run (`DURATION`), such as 45m (default 2h); started copies go on")
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
				Stream: stream.Ptr(), Arch: arch.Ptr(), Expiry: expiry.d, Timeout: timeout.d,
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

// daysFlag is rhcos:publish's -expiry and -timeout: a Go duration ("504h", "45m") or a whole
// number of days ("21d"), which Go's durations lack, positive, at least least and at most maxDays
// days; parsed here, once. Not given, it is zero: rhcos's default.
type daysFlag struct {
	d, least time.Duration
	s        string
	maxDays  int
	// limit words the upper bound ("a SAS URL may last at most"); examples are the flag's
	// own (a SAS lasts days, a run hours).
	limit, examples string
}

var (
	daysRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+d$`) })
	// durationRE is a duration in one unit, such as 504h: one ParseDuration refuses only
	// when it is too long.
	durationRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h)$`) })
)

func (f *daysFlag) String() string { return f.s }

func (f *daysFlag) Set(s string) error {
	tooLong := fmt.Errorf("%s %d days", f.limit, f.maxDays)
	var d time.Duration
	switch {
	case daysRE().MatchString(s):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n > f.maxDays {
			return tooLong // err: more digits than an int holds
		}
		d = time.Duration(n) * 24 * time.Hour
	case strings.HasSuffix(s, "d"):
		return fmt.Errorf("want %s", f.examples)
	default:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			if !durationRE().MatchString(s) {
				return fmt.Errorf("want %s", f.examples)
			}
			return tooLong // "overflow"
		}
		if d > time.Duration(f.maxDays)*24*time.Hour {
			return tooLong
		}
	}
	if d <= 0 {
		return fmt.Errorf("want a positive duration")
	}
	if d < f.least {
		return fmt.Errorf("want at least %s", f.least)
	}
	f.d, f.s = d, s
	return nil
}
