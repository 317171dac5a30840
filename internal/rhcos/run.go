package rhcos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/humanize"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// The settings rhcos:publish reads, named in its messages.
const (
	EnvStorageAccount    = "RELEASEKIT_STORAGE_ACCOUNT"
	EnvStorageGroup      = "RELEASEKIT_STORAGE_RESOURCE_GROUP"
	EnvStorageKey        = "RELEASEKIT_STORAGE_KEY"
	EnvBlobEndpoint      = "RELEASEKIT_BLOB_ENDPOINT"
	EnvSubscription      = "RELEASEKIT_SUBSCRIPTION_ID"
	EnvAzureSubscription = "AZURE_SUBSCRIPTION_ID"
	EnvForkRemote        = "RELEASEKIT_FORK_REMOTE"

	DefaultAccount = "openshiftimages"
	// MaxExpiryDays is the longest SAS the target signs.
	MaxExpiryDays = 365
	// MaxTimeoutDays keeps -timeout a sane number.
	MaxTimeoutDays = 3650
)

// RunOptions are rhcos:publish's arguments, flags and settings.
type RunOptions struct {
	// Dir is the installer fork whose release branch carries the stream.
	Dir string
	// Version is the release, X.Y.
	Version string
	// Stream and Arch are the flags as given; nil when not given.
	Stream, Arch *string
	// Expiry is how long the SAS URLs last (default DefaultExpiry, at most MaxExpiryDays) and
	// Timeout bounds the whole run (default DefaultTimeout): parsed at the edge, where the
	// flags also take a whole number of days ("21d"); zero means the default.
	Expiry, Timeout time.Duration
	DryRun, JSON    bool
	// Force publishes a stream whose RHCOS builds are not of Version.
	Force bool

	// Account, Endpoint: the destination; defaults DefaultAccount and its public endpoint.
	Account, Endpoint string
	// Key is the account key; empty lists it through Azure Resource Manager in
	// Subscription's ResourceGroup (default DefaultResourceGroup).
	Key, Subscription, ResourceGroup string
	// ForkRemote names the fork's remote; default release.DefaultForkRemote.
	ForkRemote string
	// HTTPTimeout bounds each request; default netutil.DefaultTimeout.
	HTTPTimeout time.Duration
	// PollInterval and Now: see Options.
	PollInterval time.Duration
	Now          func() time.Time
	// Log receives progress and warnings (stderr); nil discards them.
	Log io.Writer
}

// RunResult is what rhcos:publish did.
type RunResult struct {
	Release release.Minor
	// Plan is what a dry run would copy.
	Plan    []Destination
	DryRun  bool
	Results []Result
	JSON    bool
}

// Run is rhcos:publish: read the stream, check it is the release's, then copy and sign, or
// plan under DryRun. The results of the architectures that made it are returned even when
// others failed.
func Run(ctx context.Context, o RunOptions) (RunResult, error) {
	log := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	minor, err := release.ParseMinor(o.Version)
	if err != nil {
		return RunResult{}, cli.Usage(err)
	}
	arches, err := ParseArches(o.Arch)
	if err != nil {
		return RunResult{}, cli.Usage(err)
	}
	data, what, err := readStream(ctx, o.Dir, minor, o.Stream, o.ForkRemote)
	if err != nil {
		return RunResult{}, err
	}
	st, err := ParseStream(data, what)
	if err != nil {
		return RunResult{}, cli.Fail(err, "check the file, or give another with -stream=FILE")
	}
	srcs, err := Sources(st, what, arches)
	if err != nil {
		return RunResult{}, cli.Fail(err, "publish the architectures the stream has with -arch=ARCH[,ARCH]")
	}
	log("rhcos: %s (stream %s, last modified %s)", what, st.Stream, st.Metadata.LastModified)
	if err := checkReleases(srcs, minor, what, o.Force, log); err != nil {
		return RunResult{}, err
	}

	account := o.Account
	if account == "" {
		account = DefaultAccount
	}
	opts := Options{
		Sources:      srcs,
		Account:      account,
		Endpoint:     o.Endpoint,
		Container:    DefaultContainer,
		Expiry:       o.Expiry,
		Timeout:      o.Timeout,
		HTTPTimeout:  o.HTTPTimeout,
		PollInterval: o.PollInterval,
		Now:          o.Now,
	}
	res := RunResult{Release: minor, DryRun: o.DryRun, JSON: o.JSON}
	if o.DryRun {
		plan, err := Plan(opts)
		if err != nil {
			return RunResult{}, cli.Usage(err, "check "+EnvStorageAccount+" and "+EnvBlobEndpoint)
		}
		res.Plan = plan
		log("dry run: nothing copied, no SAS signed")
		return res, nil
	}

	if o.Key != "" {
		opts.Key = StaticKey(o.Key)
		log("rhcos: account %s, key from %s", account, EnvStorageKey)
	} else {
		rg := o.ResourceGroup
		if rg == "" {
			rg = DefaultResourceGroup
		}
		opts.Key = ARMKey{SubscriptionID: o.Subscription, ResourceGroup: rg,
			ClientOptions: &arm.ClientOptions{ClientOptions: policy.ClientOptions{Transport: netutil.Client(o.HTTPTimeout)}}}
		log("rhcos: account %s, key listed through Azure Resource Manager (resource group %s)", account, rg)
	}
	opts.Progress = func(e Event) { log("%s", e) }

	res.Results, err = Publish(ctx, opts)
	if err != nil {
		return res, cli.Fail(err, hints(err)...)
	}
	return res, nil
}

// checkReleases refuses RHCOS builds of another release (415.* for 4.16) unless force.
func checkReleases(srcs []Source, minor release.Minor, what string, force bool, log func(string, ...any)) error {
	var errs []error
	for _, s := range srcs {
		if !CheckRelease(s.Release, minor.Major, minor.Minor) {
			errs = append(errs, fmt.Errorf("%s: RHCOS %s is not a %s build (want %d%d.*)", s.Arch, s.Release, minor, minor.Major, minor.Minor))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if force {
		for _, e := range errs {
			log("warning: %v: publishing it anyway (-force)", e)
		}
		return nil
	}
	return cli.Fail(errors.Join(errs...),
		fmt.Sprintf("check that %s is the stream of %s (or give it with -stream=FILE)", what, minor),
		"to publish these builds for "+minor.String()+" all the same, add -force")
}

// readStream reads the stream metadata from -stream=FILE or from the fork's release branch.
func readStream(ctx context.Context, dir string, minor release.Minor, file *string, remote string) ([]byte, string, error) {
	if file != nil {
		if *file == "" {
			return nil, "", cli.Usage(errors.New("-stream= is empty"), "give the stream metadata file, such as -stream=data/data/coreos/rhcos.json")
		}
		b, err := os.ReadFile(*file)
		if err != nil {
			return nil, "", cli.Fail(fmt.Errorf("read stream metadata: %w", err))
		}
		return b, *file, nil
	}
	if remote == "" {
		remote = release.DefaultForkRemote
	}
	rev := remote + "/" + minor.ForkBranch()
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return nil, "", cli.Fail(err, "run inside the installer fork, or give the file with -stream=FILE")
	}
	defer repo.Close()
	b, err := repo.ReadFile(ctx, rev, StreamPath)
	switch {
	case errors.Is(err, git.ErrUnknownRevision):
		return nil, "", cli.Fail(fmt.Errorf("read %s: %w", StreamPath, err),
			fmt.Sprintf("fetch the fork's branch: git fetch %s %s", remote, minor.ForkBranch()),
			"or give the file with -stream=FILE")
	case errors.Is(err, git.ErrPathNotFound):
		return nil, "", cli.Fail(err, "give the stream metadata file with -stream=FILE")
	case err != nil:
		return nil, "", cli.Fail(err)
	}
	return b, StreamPath + " at " + rev, nil
}

var archRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9_]{1,32}$`) })

// ParseArches reads -arch=: comma-separated architectures as the stream names them, once each;
// nil is DefaultArches.
func ParseArches(p *string) ([]string, error) {
	if p == nil {
		return DefaultArches, nil
	}
	var arches []string
	seen := map[string]bool{}
	for _, a := range strings.Split(*p, ",") {
		a = strings.TrimSpace(a)
		if !archRE().MatchString(a) {
			return nil, fmt.Errorf("invalid -arch=%q: want architectures as the stream names them, such as -arch=x86_64,aarch64", *p)
		}
		if !seen[a] {
			seen[a] = true
			arches = append(arches, a)
		}
	}
	return arches, nil
}

func hints(err error) []string {
	var te *netutil.TimeoutError
	switch {
	case errors.As(err, &te):
		return []string{netutil.Hint(te) + "; check " + EnvBlobEndpoint}
	case errors.Is(err, ErrTimedOut):
		return []string{"give it longer with -timeout=DURATION; a copy already started goes on in the storage account"}
	case errors.Is(err, ErrNoSubscription):
		return []string{"set " + EnvSubscription + " (or " + EnvAzureSubscription + ") to the subscription of the images storage account",
			"or give the account key in " + EnvStorageKey}
	case errors.Is(err, ErrNoKey):
		return []string{"log in with \"az login\" (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET), with listKeys on the account",
			"or give the account key in " + EnvStorageKey}
	case errors.Is(err, ErrUnreachable):
		return []string{"check the network and " + EnvBlobEndpoint + " (unset means https://ACCOUNT.blob.core.windows.net/)"}
	case errors.Is(err, ErrAuth):
		return []string{"check " + EnvStorageAccount + " and " + EnvStorageKey + ", and that the account's firewall lets this machine in"}
	case errors.Is(err, ErrCopyPending):
		return []string{"run the same command again to keep waiting: it does not start the copy twice"}
	case errors.Is(err, ErrCopyFailed), errors.Is(err, ErrCopyAborted):
		return []string{"run the same command again to start a fresh copy"}
	case errors.Is(err, ErrSourceNotFound), errors.Is(err, ErrSourceUnreadable), errors.Is(err, ErrSourceNotPageBlob):
		return []string{"the stream's VHD is not usable: check " + StreamPath + " on the release branch"}
	case errors.Is(err, ErrInvalidOptions):
		return []string{"check " + EnvStorageAccount + " and " + EnvBlobEndpoint}
	}
	return nil
}

// String is the event's progress line.
func (e Event) String() string {
	a := e.Source.Arch
	switch e.Kind {
	case EventSkip:
		return fmt.Sprintf("%s: %s already holds a successful copy (%s): not copying again", a, e.BlobURL, humanize.Bytes(e.Total))
	case EventStart:
		return fmt.Sprintf("%s: copying %s -> %s (server-side)", a, redact.URL(e.Source.URL), e.BlobURL)
	case EventRestart:
		return fmt.Sprintf("%s: %s; copying %s -> %s again", a, e.Note, redact.URL(e.Source.URL), e.BlobURL)
	case EventResume:
		return fmt.Sprintf("%s: a copy started earlier is still pending (%s): waiting for it", a, progressText(e))
	case EventProgress:
		return fmt.Sprintf("%s: %s, %s elapsed", a, progressText(e), humanize.Duration(e.Elapsed))
	case EventDone:
		return fmt.Sprintf("%s: copied %s in %s", a, humanize.Bytes(e.Total), e.Elapsed.Round(100*time.Millisecond))
	}
	return fmt.Sprintf("%s: event %d", a, e.Kind)
}

func progressText(e Event) string {
	if e.Total <= 0 {
		return humanize.Bytes(e.Copied) + " copied"
	}
	s := fmt.Sprintf("%s / %s (%d%%)", humanize.Bytes(e.Copied), humanize.Bytes(e.Total), e.Copied*100/e.Total)
	if e.Rate > 0 {
		s += fmt.Sprintf(", %s/s", humanize.Bytes(int64(e.Rate)))
	}
	return s
}

// partnerCenterImage is one entry of the JSON snippet for the offer's technical configuration.
type partnerCenterImage struct {
	Architecture string `json:"architecture"`
	RHCOSRelease string `json:"rhcosRelease"`
	OSVHDURL     string `json:"osVhdUrl"`
	Expiry       string `json:"sasExpiry"`
}

type partnerCenterSnippet struct {
	Release string               `json:"openshiftRelease"`
	Images  []partnerCenterImage `json:"images"`
}

// Print writes the result: under a dry run the plan; else "ARCH<TAB>SAS-URL" per architecture
// (not under JSON) and the Partner Center snippet on out, the expiries on log. It is the only
// place a SAS URL is printed.
func (r RunResult) Print(out, log io.Writer) {
	if r.DryRun {
		for _, d := range r.Plan {
			fmt.Fprintf(out, "%s\t%s\t%s\t->\t%s\n", d.Source.Arch, d.Source.Release, redact.URL(d.Source.URL), d.BlobURL)
		}
		return
	}
	if len(r.Results) == 0 {
		return
	}
	snippet := partnerCenterSnippet{Release: r.Release.String()}
	for _, res := range r.Results {
		exp := res.Expiry.UTC().Format(time.RFC3339)
		snippet.Images = append(snippet.Images, partnerCenterImage{
			Architecture: res.Source.Arch, RHCOSRelease: res.Source.Release, OSVHDURL: res.SASURL, Expiry: exp,
		})
		if !r.JSON {
			fmt.Fprintf(out, "%s\t%s\n", res.Source.Arch, res.SASURL)
		}
		fmt.Fprintf(log, "%s: SAS URL (read-only) valid until %s\n", res.Source.Arch, exp)
	}
	if !r.JSON {
		fmt.Fprintln(out)
	}
	// Not HTML-escaped: the default writes "&" as \u0026, and engineers paste these URLs by hand.
	_ = jsonstrict.Encode(out, snippet, true)
}
