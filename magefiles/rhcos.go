//go:build mage

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
)

// Rhcos publishes the RHCOS boot images of a release for the ARO Partner Center offer.
type Rhcos mg.Namespace

// Environment of rhcos:publish.
const (
	envStorageAccount  = "RELEASEKIT_STORAGE_ACCOUNT"        // [openshiftimages]
	envStorageGroup    = "RELEASEKIT_STORAGE_RESOURCE_GROUP" // [images]
	envStorageKey      = "RELEASEKIT_STORAGE_KEY"            // set: use this key, no Azure login
	envBlobEndpoint    = "RELEASEKIT_BLOB_ENDPOINT"          // [https://<account>.blob.core.windows.net/]
	envSubscription    = "RELEASEKIT_SUBSCRIPTION_ID"        // [$AZURE_SUBSCRIPTION_ID]
	envAzureSub        = "AZURE_SUBSCRIPTION_ID"
	envForkRemote      = "RELEASEKIT_FORK_REMOTE" // [origin]
	defaultAccount     = "openshiftimages"
	defaultForkRemote  = "origin"
	defaultCopyTimeout = "2h"
)

// Publish copies each architecture's RHCOS VHD of release X.Y into the images storage account and prints read-only SAS URLs.
//
// Sources: rhel-coreos-extensions.azure-disk of data/data/coreos/rhcos.json at
// origin/release-X.Y-azure (or -stream=FILE). Each VHD is copied server-side into container
// "rhcos" as a page blob named after the source file; a finished copy is never made twice and a
// pending one is waited for. stdout: "ARCH<TAB>SAS-URL" per architecture, then the Partner
// Center JSON snippet (-json: only the JSON).
//
// Flags: -arch=x86_64,aarch64 -stream=FILE -expiry=21d -timeout=2h -dryrun -json.
// Environment: RELEASEKIT_STORAGE_ACCOUNT [openshiftimages], RELEASEKIT_STORAGE_RESOURCE_GROUP
// [images] and RELEASEKIT_SUBSCRIPTION_ID [$AZURE_SUBSCRIPTION_ID] to list the key with your
// Azure login; or RELEASEKIT_STORAGE_KEY; RELEASEKIT_BLOB_ENDPOINT
// [https://ACCOUNT.blob.core.windows.net/]; RELEASEKIT_FORK_REMOTE [origin].
func (Rhcos) Publish(ctx context.Context, version string, stream, arch, expiry, timeout *string, dryrun, json *bool) error {
	wd, err := workdir()
	if err != nil {
		return err
	}
	return rhcosPublish(ctx, wd, version, rhcosFlags{stream: stream, arch: arch, expiry: expiry, timeout: timeout, dryrun: isSet(dryrun), json: isSet(json)})
}

type rhcosFlags struct {
	stream, arch, expiry, timeout *string
	dryrun, json                  bool
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

// rhcosPublish is the target, run in dir.
func rhcosPublish(ctx context.Context, dir, version string, f rhcosFlags) error {
	minor, err := release.ParseMinor(version)
	if err != nil {
		return fail(err)
	}
	arches, err := parseArches(f.arch)
	if err != nil {
		return fail(err)
	}
	expiry, err := parseLongDuration("-expiry", flagOr(f.expiry, "", "21d"))
	if err != nil {
		return fail(err, "give a duration such as 21d, 504h or 30d")
	}
	timeout, err := parseLongDuration("-timeout", flagOr(f.timeout, "", defaultCopyTimeout))
	if err != nil {
		return fail(err, "give a duration such as 2h or 45m")
	}

	data, what, err := readStream(ctx, dir, minor, f.stream)
	if err != nil {
		return err
	}
	st, err := rhcos.ParseStream(data, what)
	if err != nil {
		return fail(err, "check the file, or give another with -stream=FILE")
	}
	srcs, err := rhcos.Sources(st, what, arches)
	if err != nil {
		return fail(err, "publish the architectures the stream has with -arch=ARCH[,ARCH]")
	}
	logf("rhcos: %s (stream %s, last modified %s)", what, st.Stream, st.Metadata.LastModified)
	for _, s := range srcs {
		if !rhcos.CheckRelease(s.Release, minor.Major, minor.Minor) {
			logf("warning: %s: RHCOS %s does not look like a %s build (want %d%d.*): is this the right stream?", s.Arch, s.Release, minor, minor.Major, minor.Minor)
		}
	}

	account := envOr(envStorageAccount, defaultAccount)
	opts := rhcos.Options{
		Sources:   srcs,
		Account:   account,
		Endpoint:  os.Getenv(envBlobEndpoint),
		Container: rhcos.DefaultContainer,
		Expiry:    expiry,
		Timeout:   timeout,
	}
	if f.dryrun {
		plan, err := rhcos.Plan(opts)
		if err != nil {
			return fail(err)
		}
		for _, d := range plan {
			fmt.Fprintf(out, "%s\t%s\t%s\t->\t%s\n", d.Source.Arch, d.Source.Release, rhcos.Redact(d.Source.URL), d.BlobURL)
		}
		logf("dry run: nothing copied, no SAS signed")
		return nil
	}

	if key := os.Getenv(envStorageKey); key != "" {
		opts.Key = rhcos.StaticKey(key)
		logf("rhcos: account %s, key from %s", account, envStorageKey)
	} else {
		sub := envOr(envSubscription, os.Getenv(envAzureSub))
		rg := envOr(envStorageGroup, rhcos.DefaultResourceGroup)
		opts.Key = rhcos.ARMKey{SubscriptionID: sub, ResourceGroup: rg}
		logf("rhcos: account %s, key listed through Azure Resource Manager (resource group %s)", account, rg)
	}
	opts.Progress = printRhcosEvent

	results, perr := rhcos.Publish(ctx, opts)
	if len(results) > 0 {
		printRhcosResults(minor, results, f.json)
	}
	if perr != nil {
		return fail(perr, rhcosHints(perr)...)
	}
	return nil
}

// readStream reads the stream metadata from -stream=FILE or from the fork's release branch.
func readStream(ctx context.Context, dir string, minor release.Minor, file *string) ([]byte, string, error) {
	if file != nil {
		if *file == "" {
			return nil, "", fail(errors.New("-stream= is empty"), "give the stream metadata file, such as -stream=data/data/coreos/rhcos.json")
		}
		b, err := os.ReadFile(*file)
		if err != nil {
			return nil, "", fail(fmt.Errorf("read stream metadata: %w", err))
		}
		return b, *file, nil
	}
	remote := envOr(envForkRemote, defaultForkRemote)
	rev := remote + "/" + minor.ForkBranch()
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return nil, "", fail(err, "run inside the installer fork, or give the file with -stream=FILE")
	}
	b, err := repo.ReadFile(ctx, rev, rhcos.StreamPath)
	switch {
	case errors.Is(err, git.ErrUnknownRevision):
		return nil, "", fail(fmt.Errorf("read %s: %w", rhcos.StreamPath, err),
			fmt.Sprintf("fetch the fork's branch: git fetch %s %s", remote, minor.ForkBranch()),
			"or give the file with -stream=FILE")
	case errors.Is(err, git.ErrPathNotFound):
		return nil, "", fail(err, "give the stream metadata file with -stream=FILE")
	case err != nil:
		return nil, "", fail(err)
	}
	return b, rhcos.StreamPath + " at " + rev, nil
}

var archRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func parseArches(p *string) ([]string, error) {
	if p == nil {
		return rhcos.DefaultArches, nil
	}
	var arches []string
	seen := map[string]bool{}
	for _, a := range strings.Split(*p, ",") {
		a = strings.TrimSpace(a)
		if !archRE.MatchString(a) {
			return nil, fmt.Errorf("invalid -arch=%q: want architectures as the stream names them, such as -arch=x86_64,aarch64", *p)
		}
		if !seen[a] {
			seen[a] = true
			arches = append(arches, a)
		}
	}
	return arches, nil
}

// parseLongDuration reads a Go duration or a number of days ("21d"), which Go's parser lacks.
func parseLongDuration(flag, s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > 3650 {
			return 0, fmt.Errorf("invalid %s=%q: want a number of days such as 21d", flag, s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid %s=%q: want a positive duration", flag, s)
	}
	return d, nil
}

func printRhcosEvent(e rhcos.Event) {
	a := e.Source.Arch
	switch e.Kind {
	case rhcos.EventSkip:
		logf("%s: %s already holds a successful copy (%s): not copying again", a, e.BlobURL, bytesHuman(e.Total))
	case rhcos.EventStart:
		logf("%s: copying %s -> %s (server-side)", a, rhcos.Redact(e.Source.URL), e.BlobURL)
	case rhcos.EventRestart:
		logf("%s: %s; copying %s -> %s again", a, e.Note, rhcos.Redact(e.Source.URL), e.BlobURL)
	case rhcos.EventResume:
		logf("%s: a copy started earlier is still pending (%s): waiting for it", a, progressText(e))
	case rhcos.EventProgress:
		logf("%s: %s, %s elapsed", a, progressText(e), e.Elapsed.Round(time.Second))
	case rhcos.EventDone:
		logf("%s: copied %s in %s", a, bytesHuman(e.Total), e.Elapsed.Round(100*time.Millisecond))
	}
}

func progressText(e rhcos.Event) string {
	if e.Total <= 0 {
		return bytesHuman(e.Copied) + " copied"
	}
	s := fmt.Sprintf("%s / %s (%d%%)", bytesHuman(e.Copied), bytesHuman(e.Total), e.Copied*100/e.Total)
	if e.Rate > 0 {
		s += fmt.Sprintf(", %s/s", bytesHuman(int64(e.Rate)))
	}
	return s
}

func bytesHuman(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// printRhcosResults is the only place a SAS URL is printed: the results, on stdout.
func printRhcosResults(minor release.Minor, results []rhcos.Result, jsonOnly bool) {
	snippet := partnerCenterSnippet{Release: minor.String()}
	for _, r := range results {
		exp := r.Expiry.UTC().Format(time.RFC3339)
		snippet.Images = append(snippet.Images, partnerCenterImage{
			Architecture: r.Source.Arch, RHCOSRelease: r.Source.Release, OSVHDURL: r.SASURL, Expiry: exp,
		})
		if !jsonOnly {
			fmt.Fprintf(out, "%s\t%s\n", r.Source.Arch, r.SASURL)
		}
		logf("%s: SAS URL (read-only) valid until %s", r.Source.Arch, exp)
	}
	if !jsonOnly {
		fmt.Fprintln(out)
	}
	// Not printJSON: its encoder escapes "&" as \u0026, and engineers paste these URLs by hand.
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(snippet)
}

func rhcosHints(err error) []string {
	switch {
	case errors.Is(err, rhcos.ErrNoSubscription):
		return []string{"set " + envSubscription + " (or " + envAzureSub + ") to the subscription of the images storage account",
			"or give the account key in " + envStorageKey}
	case errors.Is(err, rhcos.ErrNoKey):
		return []string{"log in with \"az login\" (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET), with listKeys on the account",
			"or give the account key in " + envStorageKey}
	case errors.Is(err, rhcos.ErrUnreachable):
		return []string{"check the network and " + envBlobEndpoint + " (unset means https://ACCOUNT.blob.core.windows.net/)"}
	case errors.Is(err, rhcos.ErrAuth):
		return []string{"check " + envStorageAccount + " and " + envStorageKey + ", and that the account's firewall lets this machine in"}
	case errors.Is(err, rhcos.ErrCopyPending):
		return []string{"run the same command again to keep waiting: it does not start the copy twice"}
	case errors.Is(err, rhcos.ErrCopyFailed), errors.Is(err, rhcos.ErrCopyAborted):
		return []string{"run the same command again to start a fresh copy"}
	case errors.Is(err, rhcos.ErrSourceNotFound), errors.Is(err, rhcos.ErrSourceUnreadable), errors.Is(err, rhcos.ErrSourceNotPageBlob):
		return []string{"the stream's VHD is not usable: check " + rhcos.StreamPath + " on the release branch"}
	}
	return nil
}
