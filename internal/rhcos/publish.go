package rhcos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

var (
	// ErrUnreachable is returned when the blob endpoint does not answer.
	ErrUnreachable = errors.New("blob endpoint unreachable")
	// ErrAuth is returned when the storage account refuses the request (HTTP 403): a wrong
	// key, or a firewall that does not let this machine in.
	ErrAuth = errors.New("storage account refused the request")
	// ErrSourceNotFound is returned when the public VHD does not exist.
	ErrSourceNotFound = errors.New("source VHD not found")
	// ErrSourceUnreadable is returned when the source refuses to be read (HTTP 401/403): a
	// private VHD, or an expired SAS in the stream's URL.
	ErrSourceUnreadable = errors.New("source VHD not readable")
	// ErrSourceNotPageBlob is returned when the source is not a page blob (a VHD must be one).
	ErrSourceNotPageBlob = errors.New("source is not a page blob")
	// ErrDestinationTaken is returned when the destination blob exists but is not a copy of the source.
	ErrDestinationTaken = errors.New("destination blob exists and is not a copy of this source")
	// ErrCopyFailed is returned for a copy the service reports as failed.
	ErrCopyFailed = errors.New("copy failed")
	// ErrCopyAborted is returned for a copy someone aborted.
	ErrCopyAborted = errors.New("copy aborted")
	// ErrCopyPending is returned when the timeout ends the wait; the copy goes on server-side.
	ErrCopyPending = errors.New("copy still pending")
	// ErrTimedOut is returned when Options.Timeout ends the run before the copies started.
	ErrTimedOut = errors.New("timed out")
)

// runTimeout is the cause of the run's context ending at Options.Timeout.
type runTimeout struct{ d time.Duration }

func (r *runTimeout) Error() string { return fmt.Sprintf("stopped after -timeout=%s", r.d) }

// timedOut reports whether ctx ended because the run's Timeout passed.
func timedOut(ctx context.Context) (*runTimeout, bool) {
	var rt *runTimeout
	ok := ctx.Err() != nil && errors.As(context.Cause(ctx), &rt)
	return rt, ok
}

// EventKind says what happened to a source.
type EventKind int

const (
	// EventSkip: the blob already holds a successful copy of the source.
	EventSkip EventKind = iota
	// EventStart: a copy was started.
	EventStart
	// EventRestart: an earlier copy had failed or was aborted; a new one was started.
	EventRestart
	// EventResume: a copy started by an earlier run is still pending; waiting for it.
	EventResume
	// EventProgress: a pending copy moved.
	EventProgress
	// EventDone: the copy succeeded.
	EventDone
)

// Event is one step of one source's publication, for progress output.
type Event struct {
	Kind    EventKind
	Source  Source
	BlobURL string
	// Copied and Total are bytes; Total is 0 when not known yet.
	Copied, Total int64
	// Rate is bytes per second since the previous event of this source, 0 when unknown.
	Rate float64
	// Elapsed is the time since Publish started.
	Elapsed time.Duration
	// Note explains a restart (the earlier copy's status and description).
	Note string
}

// Result is one published VHD.
type Result struct {
	Source Source
	// BlobURL is the copy, without a SAS.
	BlobURL string
	// SASURL reads the copy until Expiry. It is a secret: print it only as a result.
	SASURL string
	Expiry time.Time
	// Copied is false when an earlier run had already copied the source.
	Copied bool
	// Size is the blob's length in bytes.
	Size int64
}

// copyJob is one source's state while Publish waits.
type copyJob struct {
	src      Source
	dst      *blob.Client
	url      string
	copied   bool
	done     bool
	size     int64
	lastSeen int64
	total    int64
	// srcSize is the source's length when this run started the copy, 0 otherwise.
	srcSize int64
	lastAt  time.Time
}

// Publish copies each source into the container server-side, waits for the copies, and signs
// a read-only SAS URL for each. A source whose blob already holds a successful copy is not
// copied again; a copy still pending from an earlier run is waited for, not restarted.
//
// The results of the sources that made it are returned even when others failed, with the
// errors joined. No error text carries the key or a SAS signature.
func Publish(ctx context.Context, o Options) ([]Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Key == nil {
		return nil, ErrNoKey
	}
	// The timeout bounds the whole run, key lookup and requests included, not only the wait.
	ctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, &runTimeout{o.Timeout})
	defer cancel()
	key, err := o.Key.AccountKey(ctx, o.Account)
	if err != nil {
		if rt, ok := timedOut(ctx); ok {
			err = fmt.Errorf("storage account key: %w: %v", ErrTimedOut, rt)
		}
		return nil, redact.Err(err, key)
	}
	results, err := publish(ctx, o, key)
	return results, redact.Err(err, key)
}

func publish(ctx context.Context, o Options, key string) ([]Result, error) {
	start := time.Now()
	cred, err := service.NewSharedKeyCredential(o.Account, key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoKey, err)
	}
	copts := &service.ClientOptions{ClientOptions: policy.ClientOptions{
		Transport: netutil.Client(o.HTTPTimeout),
		Retry:     policy.RetryOptions{MaxRetries: o.MaxRetries},
	}}
	svc, err := service.NewClientWithSharedKeyCredential(o.Endpoint, cred, copts)
	if err != nil {
		return nil, fmt.Errorf("blob client for %s: %w", o.Endpoint, err)
	}
	cont := svc.NewContainerClient(o.Container)
	cl := classifier{ctx: ctx, endpoint: o.Endpoint, timeout: o.HTTPTimeout}
	if err := ensureContainer(ctx, cont); err != nil {
		return nil, cl.classify(err, fmt.Sprintf("container %s at %s", o.Container, o.Endpoint))
	}

	emit := func(e Event) {
		e.Elapsed = time.Since(start)
		if o.Progress != nil {
			o.Progress(e)
		}
	}
	var jobs []*copyJob
	var errs []error
	for _, src := range o.Sources {
		j := &copyJob{src: src, dst: cont.NewBlobClient(src.BlobName()), url: o.BlobURL(src)}
		if err := startOrResume(ctx, cl, j, emit, copts); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src.Arch, err))
			continue
		}
		jobs = append(jobs, j)
	}

	errs = append(errs, wait(ctx, cl, o, jobs, emit)...)

	var results []Result
	for _, j := range jobs {
		if !j.done {
			continue
		}
		r, err := sign(o, cred, j)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", j.src.Arch, err))
			continue
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

func ensureContainer(ctx context.Context, cont *container.Client) error {
	_, err := cont.Create(ctx, nil)
	if err == nil || bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return nil
	}
	return err
}

// startOrResume looks at the destination and starts a copy only when no usable one is there.
func startOrResume(ctx context.Context, cl classifier, j *copyJob, emit func(Event), copts *service.ClientOptions) error {
	props, err := j.dst.GetProperties(ctx, nil)
	kind := EventStart
	note := ""
	switch {
	case isNotFound(err):
	case err != nil:
		return cl.classify(err, "destination "+j.url)
	case props.CopySource == nil || stripQuery(*props.CopySource) != stripQuery(j.src.URL):
		from := "not a copy"
		if props.CopySource != nil {
			from = "a copy of " + redact.URL(stripQuery(*props.CopySource))
		}
		return fmt.Errorf("%w: %s is %s; delete it or pick another container", ErrDestinationTaken, j.url, from)
	default:
		status := blob.CopyStatusType("")
		if props.CopyStatus != nil {
			status = *props.CopyStatus
		}
		copied, total := progress(props.CopyProgress)
		switch status {
		case blob.CopyStatusTypeSuccess:
			j.done, j.size = true, length(props.ContentLength, total)
			emit(Event{Kind: EventSkip, Source: j.src, BlobURL: j.url, Copied: j.size, Total: j.size})
			return nil
		case blob.CopyStatusTypePending:
			j.lastSeen, j.total, j.lastAt = copied, total, time.Now()
			emit(Event{Kind: EventResume, Source: j.src, BlobURL: j.url, Copied: copied, Total: total})
			return nil
		default:
			kind = EventRestart
			note = fmt.Sprintf("the earlier copy is %s", status)
			if d := deref(props.CopyStatusDescription); d != "" {
				note += ": " + d
			}
		}
	}

	size, err := checkSource(ctx, cl, j.src, copts)
	if err != nil {
		return err
	}
	j.srcSize = size
	release, arch := j.src.Release, j.src.Arch
	resp, err := j.dst.StartCopyFromURL(ctx, j.src.URL, &blob.StartCopyFromURLOptions{
		Metadata: map[string]*string{"rhcos_release": &release, "rhcos_arch": &arch},
	})
	if err != nil {
		if bloberror.HasCode(err, bloberror.CannotVerifyCopySource) || isNotFound(err) {
			return fmt.Errorf("%w: %s: %v", ErrSourceNotFound, redact.URL(j.src.URL), err)
		}
		return cl.classify(err, "start copy to "+j.url)
	}
	j.copied = true
	j.lastAt = time.Now()
	emit(Event{Kind: kind, Source: j.src, BlobURL: j.url, Note: note})
	if resp.CopyStatus != nil && *resp.CopyStatus == blob.CopyStatusTypeSuccess {
		// Small or same-account copies finish at once; the wait reads the final length.
		j.lastSeen = -1
	}
	return nil
}

// checkSource reads the public VHD's properties anonymously (its SAS, if any, authorizes).
// It returns the source's length.
func checkSource(ctx context.Context, cl classifier, src Source, copts *service.ClientOptions) (int64, error) {
	c, err := blob.NewClientWithNoCredential(src.URL, &blob.ClientOptions{ClientOptions: copts.ClientOptions})
	if err != nil {
		return 0, fmt.Errorf("source %s: %w", redact.URL(src.URL), err)
	}
	props, err := c.GetProperties(ctx, nil)
	if isNotFound(err) {
		return 0, fmt.Errorf("%w: %s answers 404: check rhel-coreos-extensions.azure-disk.url in the stream", ErrSourceNotFound, redact.URL(src.URL))
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && (re.StatusCode == http.StatusForbidden || re.StatusCode == http.StatusUnauthorized) {
		return 0, fmt.Errorf("%w: %s answers %d %s: the URL must be public or carry a valid SAS", ErrSourceUnreadable, redact.URL(src.URL), re.StatusCode, orUnknown(&re.ErrorCode))
	}
	if err != nil {
		u, _ := url.Parse(src.URL)
		cl.endpoint = "source host " + u.Scheme + "://" + u.Host
		return 0, cl.classify(err, "source "+redact.URL(src.URL))
	}
	if props.BlobType != nil && *props.BlobType != blob.BlobTypePageBlob {
		return 0, fmt.Errorf("%w: %s is a %s", ErrSourceNotPageBlob, redact.URL(src.URL), *props.BlobType)
	}
	return length(props.ContentLength, 0), nil
}

// wait polls the pending copies until all are done, failed, or the run's timeout ends the wait.
func wait(ctx context.Context, cl classifier, o Options, jobs []*copyJob, emit func(Event)) []error {
	var errs []error
	pending := append([]*copyJob(nil), jobs...)
	for {
		var still []*copyJob
		for _, j := range pending {
			if j.done {
				continue
			}
			if err := poll(ctx, cl, j, emit); err != nil {
				if ctx.Err() != nil {
					still = append(still, j) // the timeout or an interrupt: reported below
					continue
				}
				errs = append(errs, fmt.Errorf("%s: %w", j.src.Arch, err))
				continue
			}
			if !j.done {
				still = append(still, j)
			}
		}
		pending = still
		if len(pending) == 0 {
			return errs
		}
		wait := o.PollInterval
		if dl, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(dl))
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() == nil {
			continue
		}
		for _, j := range pending {
			if _, ok := timedOut(ctx); ok {
				errs = append(errs, fmt.Errorf("%s: %w after %s (%s): it goes on in the storage account; run again to keep waiting", j.src.Arch, ErrCopyPending, o.Timeout, fraction(j.lastSeen, j.total)))
			} else {
				errs = append(errs, fmt.Errorf("%s: %w: stopped waiting (%v); the copy goes on in the storage account; run again to keep waiting", j.src.Arch, ErrCopyPending, ctx.Err()))
			}
		}
		return errs
	}
}

// poll reads one copy's status.
func poll(ctx context.Context, cl classifier, j *copyJob, emit func(Event)) error {
	props, err := j.dst.GetProperties(ctx, nil)
	if err != nil {
		return cl.classify(err, "copy status of "+j.url)
	}
	copied, total := progress(props.CopyProgress)
	status := blob.CopyStatusType("")
	if props.CopyStatus != nil {
		status = *props.CopyStatus
	}
	switch status {
	case blob.CopyStatusTypeSuccess:
		if props.BlobType != nil && *props.BlobType != blob.BlobTypePageBlob {
			return fmt.Errorf("%w: the copy at %s is a %s", ErrSourceNotPageBlob, j.url, *props.BlobType)
		}
		size := length(props.ContentLength, total)
		if j.srcSize > 0 && size != j.srcSize {
			return fmt.Errorf("%w: %s reports success but holds %d bytes of the source's %d; run again to copy it afresh", ErrCopyFailed, j.url, size, j.srcSize)
		}
		j.done, j.size = true, size
		emit(Event{Kind: EventDone, Source: j.src, BlobURL: j.url, Copied: j.size, Total: j.size})
		return nil
	case blob.CopyStatusTypePending:
		now := time.Now()
		var rate float64
		if j.lastSeen >= 0 && copied >= j.lastSeen && now.After(j.lastAt) {
			rate = float64(copied-j.lastSeen) / now.Sub(j.lastAt).Seconds()
		}
		j.lastSeen, j.total, j.lastAt = copied, total, now
		emit(Event{Kind: EventProgress, Source: j.src, BlobURL: j.url, Copied: copied, Total: total, Rate: rate})
		return nil
	case blob.CopyStatusTypeFailed:
		return fmt.Errorf("%w: %s: %s; run again to retry", ErrCopyFailed, j.url, orUnknown(props.CopyStatusDescription))
	case blob.CopyStatusTypeAborted:
		return fmt.Errorf("%w: %s: %s; run again to start over", ErrCopyAborted, j.url, orUnknown(props.CopyStatusDescription))
	default:
		return fmt.Errorf("%s: no copy status (%q): was the blob overwritten while copying?", j.url, status)
	}
}

// sign makes the read-only SAS URL of a finished copy.
func sign(o Options, cred *service.SharedKeyCredential, j *copyJob) (Result, error) {
	now := o.Now().UTC()
	proto := sas.ProtocolHTTPS
	if strings.HasPrefix(o.Endpoint, "http://") {
		proto = sas.ProtocolHTTPSandHTTP
	}
	expiry := now.Add(o.Expiry)
	qp, err := sas.BlobSignatureValues{
		Protocol: proto,
		// Allow for clock skew between this machine and the service.
		StartTime:     now.Add(-15 * time.Minute),
		ExpiryTime:    expiry,
		Permissions:   (&sas.BlobPermissions{Read: true}).String(),
		ContainerName: o.Container,
		BlobName:      j.src.BlobName(),
	}.SignWithSharedKey(cred)
	if err != nil {
		return Result{}, fmt.Errorf("sign SAS for %s: %w", j.url, err)
	}
	return Result{
		Source:  j.src,
		BlobURL: j.url,
		SASURL:  j.dst.URL() + "?" + qp.Encode(),
		Expiry:  qp.ExpiryTime(),
		Copied:  j.copied,
		Size:    j.size,
	}, nil
}

// classifier names the failure a user can act on: the run's timeout, an endpoint that does
// not answer in time, an unreachable endpoint, a refused key, other.
type classifier struct {
	ctx      context.Context
	endpoint string // "http(s)://ACCOUNT-ENDPOINT/" or "source host URL"
	timeout  time.Duration
}

func (c classifier) classify(err error, what string) error {
	if rt, ok := timedOut(c.ctx); ok {
		return fmt.Errorf("%s: %w: %v", what, ErrTimedOut, rt)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch {
		case re.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: %w (HTTP 403 %s)", what, ErrAuth, orUnknown(&re.ErrorCode))
		default:
			return fmt.Errorf("%s: HTTP %d %s", what, re.StatusCode, orUnknown(&re.ErrorCode))
		}
	}
	if netutil.IsTimeout(err) && c.ctx.Err() == nil {
		name := c.endpoint
		if !strings.HasPrefix(name, "source ") {
			name = "blob endpoint " + name
		}
		return fmt.Errorf("%s: %w", what, &netutil.TimeoutError{What: name, Timeout: c.timeout, Setting: netutil.EnvTimeout,
			Err: fmt.Errorf("%w: %w", ErrUnreachable, err)})
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%s: %w: %v", what, ErrUnreachable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// stripQuery is a URL without its query: what identifies a blob whatever SAS reads it.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// progress parses x-ms-copy-progress, "<copied>/<total>".
func progress(p *string) (copied, total int64) {
	if p == nil {
		return 0, 0
	}
	a, b, ok := strings.Cut(*p, "/")
	if !ok {
		return 0, 0
	}
	c, err1 := strconv.ParseInt(a, 10, 64)
	t, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || c < 0 || t < 0 {
		return 0, 0
	}
	return c, t
}

func length(n *int64, fallback int64) int64 {
	if n != nil {
		return *n
	}
	return fallback
}

func fraction(copied, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("%d bytes copied", max(copied, 0))
	}
	return fmt.Sprintf("%d/%d bytes copied", max(copied, 0), total)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func orUnknown(s *string) string {
	if s == nil || *s == "" {
		return "no description"
	}
	return *s
}
