package rhcos

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

// Defaults of Options.
const (
	DefaultContainer    = "rhcos"
	DefaultExpiry       = 21 * 24 * time.Hour
	DefaultTimeout      = 2 * time.Hour
	DefaultPollInterval = 10 * time.Second
)

// ErrInvalidOptions is returned by Options.Validate.
var ErrInvalidOptions = errors.New("invalid publish options")

// Options say what to publish where.
type Options struct {
	// Sources are the VHDs to copy, one per architecture.
	Sources []Source
	// Account is the destination storage account name.
	Account string
	// Endpoint is the account's blob service URL; default https://<Account>.blob.core.windows.net/.
	// Azurite serves path-style URLs such as http://127.0.0.1:10000/devstoreaccount1.
	Endpoint string
	// Container holds the VHDs; default "rhcos". It is created (private) when missing.
	Container string
	// Key gives the account key that authorizes the copy and signs the SAS.
	Key KeySource
	// Expiry is how long the SAS URLs stay valid; default 21 days.
	Expiry time.Duration
	// Timeout bounds the whole run (key lookup, requests and the wait for the copies); copies
	// already started go on server-side after it.
	Timeout time.Duration
	// HTTPTimeout bounds each request's connect and wait for an answer; default
	// netutil.DefaultTimeout. A request that runs out is retried (MaxRetries) with backoff.
	HTTPTimeout time.Duration
	// PollInterval is how often a pending copy is checked; default 10 s.
	PollInterval time.Duration
	// Progress, when set, receives what happens to each source.
	Progress func(Event)
	// MaxRetries is the SDK's retry count per request: 0 is the SDK default (3), -1 none.
	MaxRetries int32
	// Now is the clock that dates the SAS; default time.Now.
	Now func() time.Time
}

// accountRE is Azure's rule for storage account names.
var accountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]{3,24}$`) })

// containerRE is Azure's rule for container names.
var containerRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`) })

// Validate checks the options and sets the defaults.
func (o *Options) Validate() error {
	if !accountRE().MatchString(o.Account) {
		return fmt.Errorf("%w: storage account %q: want 3-24 lowercase letters and digits", ErrInvalidOptions, o.Account)
	}
	if o.Container == "" {
		o.Container = DefaultContainer
	}
	if !containerRE().MatchString(o.Container) {
		return fmt.Errorf("%w: container %q: want 3-63 lowercase letters, digits and single hyphens", ErrInvalidOptions, o.Container)
	}
	if o.Endpoint == "" {
		o.Endpoint = "https://" + o.Account + ".blob.core.windows.net/"
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("%w: blob endpoint %q: want an http(s) URL without a query, such as https://%s.blob.core.windows.net/", ErrInvalidOptions, redact.URL(o.Endpoint), o.Account)
	}
	if !strings.HasSuffix(o.Endpoint, "/") {
		o.Endpoint += "/"
	}
	if o.Expiry == 0 {
		o.Expiry = DefaultExpiry
	}
	if o.Expiry < time.Hour || o.Expiry > 365*24*time.Hour {
		return fmt.Errorf("%w: SAS expiry %s: want between 1h and 365 days", ErrInvalidOptions, o.Expiry)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < 0 {
		return fmt.Errorf("%w: timeout %s is negative", ErrInvalidOptions, o.Timeout)
	}
	if o.HTTPTimeout <= 0 {
		o.HTTPTimeout = netutil.DefaultTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Sources) == 0 {
		return fmt.Errorf("%w: nothing to publish", ErrInvalidOptions)
	}
	seen := map[string]string{}
	for _, s := range o.Sources {
		if err := checkSourceURL(s.URL); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidOptions, s.Arch, err)
		}
		if other, ok := seen[s.BlobName()]; ok {
			return fmt.Errorf("%w: %s and %s both name blob %s", ErrInvalidOptions, other, s.Arch, s.BlobName())
		}
		seen[s.BlobName()] = s.Arch
	}
	return nil
}

// BlobURL is where a source lands, without any SAS.
func (o *Options) BlobURL(s Source) string {
	return o.Endpoint + o.Container + "/" + url.PathEscape(s.BlobName())
}

// Destination is one planned copy, for a dry run.
type Destination struct {
	Source  Source
	BlobURL string
}

// Plan lists the copies Publish would make, without touching the network.
func Plan(o Options) ([]Destination, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var out []Destination
	for _, s := range o.Sources {
		out = append(out, Destination{Source: s, BlobURL: o.BlobURL(s)})
	}
	return out, nil
}
