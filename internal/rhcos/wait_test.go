package rhcos

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/netutil/netutiltest"
)

// blobService speaks the Blob service's wire protocol for the states Azurite cannot be made
// to show: a copy that stays pending, fails or is aborted. Destination blobs live under
// /acct/rhcos/, the public source under /pub/imagebucket/.
type blobService struct {
	mu sync.Mutex
	// dest is what successive HEADs of the destination return before any copy (none: no
	// blob), such as "pending 10/4096" or "failed 10/4096"; the last one sticks. Its copy
	// source is the test's source URL unless destSource is set.
	dest       []string
	destSource string
	destDesc   string
	// after is what successive HEADs of the destination return once a copy was started.
	after      []string
	afterDesc  string
	copyStarts int
	// destLength is the destination's Content-Length; default 4096, the source's.
	destLength string
	aborts     int
	srcURL     string
}

func (b *blobService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := w.Header()
	h.Set("x-ms-request-id", "00000000-0000-0000-0000-000000000000")
	h.Set("x-ms-version", "2025-01-05")
	switch {
	case r.Method == http.MethodPut && r.URL.Query().Get("restype") == "container":
		h.Set("x-ms-error-code", "ContainerAlreadyExists")
		w.WriteHeader(http.StatusConflict)
	case r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, "/pub/"):
		h.Set("x-ms-blob-type", "PageBlob")
		h.Set("Content-Length", "4096")
		h.Set("ETag", `"0x8D0000000000001"`)
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPut && r.URL.Query().Get("comp") == "copy":
		b.aborts++
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut && r.Header.Get("x-ms-copy-source") != "":
		b.copyStarts++
		b.dest, b.destSource, b.destDesc = nil, "", ""
		h.Set("x-ms-copy-id", "copy-1")
		h.Set("x-ms-copy-status", "pending")
		h.Set("ETag", `"0x8D0000000000002"`)
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, "/acct/rhcos/"):
		state, desc := "", b.destDesc
		if len(b.dest) > 0 {
			state = b.dest[0]
			if len(b.dest) > 1 {
				b.dest = b.dest[1:]
			}
		}
		if b.copyStarts > 0 {
			state, desc = b.after[0], b.afterDesc
			if len(b.after) > 1 {
				b.after = b.after[1:]
			}
		}
		if state == "" {
			h.Set("x-ms-error-code", "BlobNotFound")
			w.WriteHeader(http.StatusNotFound)
			return
		}
		status, prog, _ := strings.Cut(state, " ")
		src := b.srcURL
		if b.destSource != "" && b.copyStarts == 0 {
			src = b.destSource
		}
		h.Set("x-ms-blob-type", "PageBlob")
		h.Set("Content-Length", "4096")
		if b.destLength != "" {
			h.Set("Content-Length", b.destLength)
		}
		h.Set("ETag", `"0x8D0000000000002"`)
		h.Set("x-ms-copy-id", "copy-1")
		h.Set("x-ms-copy-status", status)
		h.Set("x-ms-copy-progress", prog)
		h.Set("x-ms-copy-source", src)
		if desc != "" {
			h.Set("x-ms-copy-status-description", desc)
		}
		w.WriteHeader(http.StatusOK)
	default:
		h.Set("x-ms-error-code", "UnsupportedHttpVerb")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

const testKey = "dGVzdC1rZXktdGhhdC1tdXN0LW5ldmVyLWJlLXByaW50ZWQ="

func serve(t *testing.T, b *blobService) Options {
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	b.srcURL = srv.URL + "/pub/imagebucket/rhcos-415.92.202402201450-0-azure.x86_64.vhd"
	return Options{
		Sources:      []Source{{Arch: "x86_64", Release: rel415, URL: b.srcURL}},
		Account:      "acct",
		Endpoint:     srv.URL + "/acct",
		Key:          StaticKey(testKey),
		PollInterval: time.Millisecond,
		Timeout:      time.Minute,
		MaxRetries:   -1,
	}
}

func TestWaitReportsProgressUntilSuccess(t *testing.T) {
	b := &blobService{after: []string{"pending 0/4096", "pending 1024/4096", "pending 3072/4096", "success 4096/4096"}}
	o := serve(t, b)
	rec := &recorder{}
	o.Progress = rec.progress
	res, err := Publish(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !res[0].Copied || res[0].Size != 4096 {
		t.Fatalf("results = %+v", res)
	}
	var seen []string
	for _, e := range rec.events {
		if e.Kind == EventProgress {
			seen = append(seen, strconv.FormatInt(e.Copied, 10)+"/"+strconv.FormatInt(e.Total, 10))
		}
	}
	if strings.Join(seen, " ") != "0/4096 1024/4096 3072/4096" {
		t.Errorf("progress = %v, want 0/4096 1024/4096 3072/4096", seen)
	}
	if last := rec.events[len(rec.events)-1]; last.Kind != EventDone || last.Total != 4096 {
		t.Errorf("last event = %+v, want done", last)
	}
	if b.copyStarts != 1 {
		t.Errorf("%d copies started, want 1", b.copyStarts)
	}
}

func TestWaitFailedAndAbortedCopies(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   error
		hint   string
	}{
		{"failed", ErrCopyFailed, "run again to retry"},
		{"aborted", ErrCopyAborted, "run again to start over"},
	} {
		t.Run(tc.status, func(t *testing.T) {
			b := &blobService{
				after: []string{"pending 0/4096", tc.status + " 1024/4096"},
				// A description that quotes a signed URL must not leak it.
				afterDesc: "500 InternalError \"https://x/y.vhd?sv=1&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D\"",
			}
			o := serve(t, b)
			res, err := Publish(context.Background(), o)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.hint) || !strings.Contains(err.Error(), "500 InternalError") {
				t.Fatalf("err = %v, want %v with %q", err, tc.want, tc.hint)
			}
			if len(res) != 0 {
				t.Errorf("results = %+v, want none", res)
			}
			scanForSecrets(t, testKey, err.Error())
			if strings.Contains(err.Error(), "c2VjcmV0") {
				t.Errorf("signature leaked: %v", err)
			}
		})
	}
}

func TestWaitTimeoutLeavesCopyRunning(t *testing.T) {
	b := &blobService{after: []string{"pending 512/4096"}}
	o := serve(t, b)
	o.Timeout = time.Second // the whole run: the requests before the wait must fit in it
	o.PollInterval = 5 * time.Millisecond
	_, err := Publish(context.Background(), o)
	if !errors.Is(err, ErrCopyPending) || !strings.Contains(err.Error(), "512/4096 bytes copied") || !strings.Contains(err.Error(), "run again to keep waiting") {
		t.Fatalf("err = %v, want ErrCopyPending with progress and a way on", err)
	}
	if b.aborts != 0 {
		t.Errorf("the copy was aborted; it should go on server-side")
	}

	// The next run finds the pending copy and waits for it instead of starting another.
	b.mu.Lock()
	b.dest, b.copyStarts = []string{"pending 2048/4096", "pending 3072/4096", "success 4096/4096"}, 0
	b.mu.Unlock()
	rec := &recorder{}
	o.Timeout, o.Progress = time.Minute, rec.progress
	res, err := Publish(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if b.copyStarts != 0 {
		t.Errorf("a second copy was started")
	}
	if ks := rec.kinds(); len(ks) < 2 || ks[0] != EventResume || ks[len(ks)-1] != EventDone {
		t.Errorf("events = %v, want resume … done", ks)
	}
	if len(res) != 1 || res[0].Copied {
		t.Errorf("results = %+v, want one, not copied by this run", res)
	}
}

func TestRestartAfterFailedCopy(t *testing.T) {
	b := &blobService{dest: []string{"failed 100/4096"}, destDesc: "403 CannotVerifyCopySource", after: []string{"success 4096/4096"}}
	o := serve(t, b)
	rec := &recorder{}
	o.Progress = rec.progress
	res, err := Publish(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if b.copyStarts != 1 || len(res) != 1 || !res[0].Copied {
		t.Fatalf("copy starts %d, results %+v: want one fresh copy", b.copyStarts, res)
	}
	if e := rec.events[0]; e.Kind != EventRestart || !strings.Contains(e.Note, "failed: 403 CannotVerifyCopySource") {
		t.Errorf("first event = %+v, want a restart that says why", e)
	}
}

func TestForeignCopySourceIsRefused(t *testing.T) {
	b := &blobService{dest: []string{"success 4096/4096"}, destSource: "https://elsewhere.example/other.vhd?sig=c2VjcmV0"}
	o := serve(t, b)
	_, err := Publish(context.Background(), o)
	if !errors.Is(err, ErrDestinationTaken) || !strings.Contains(err.Error(), "a copy of https://elsewhere.example/other.vhd") {
		t.Fatalf("err = %v, want ErrDestinationTaken naming the other source", err)
	}
	if b.copyStarts != 0 {
		t.Errorf("a copy was started over a foreign blob")
	}
	scanForSecrets(t, testKey, err.Error())
}

func TestShortCopyIsAFailure(t *testing.T) {
	b := &blobService{after: []string{"success 2048/2048"}, destLength: "2048"}
	o := serve(t, b)
	res, err := Publish(context.Background(), o)
	if !errors.Is(err, ErrCopyFailed) || !strings.Contains(err.Error(), "holds 2048 bytes of the source's 4096") {
		t.Fatalf("err = %v, want ErrCopyFailed about the length", err)
	}
	if len(res) != 0 {
		t.Errorf("a short copy was signed: %+v", res)
	}
}

// hangingEndpoint accepts connections and never answers.
func hangingEndpoint(t *testing.T) string {
	addr, stop, err := netutiltest.Hang()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}

func TestUnresponsiveEndpointGivesUp(t *testing.T) {
	addr := hangingEndpoint(t)
	o := Options{
		Sources:     []Source{{Arch: "x86_64", Release: rel415, URL: "https://rhcos.blob.core.windows.net/imagebucket/rhcos-415.92.202402201450-0-azure.x86_64.vhd"}},
		Account:     "acct",
		Endpoint:    "http://" + addr + "/acct",
		Key:         StaticKey(testKey),
		HTTPTimeout: 100 * time.Millisecond,
		MaxRetries:  1,
	}
	_, err := Publish(context.Background(), o)
	var te *netutil.TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "blob endpoint http://"+addr+"/acct/ did not answer within 100ms ("+netutil.EnvTimeout+")") {
		t.Fatalf("err = %v, want a timeout naming the endpoint and the setting", err)
	}

	// The run's Timeout bounds it whatever a single request would wait.
	o.HTTPTimeout, o.Timeout = time.Hour, 300*time.Millisecond
	_, err = Publish(context.Background(), o)
	if !errors.Is(err, ErrTimedOut) || !strings.Contains(err.Error(), "stopped after -timeout=300ms") {
		t.Fatalf("err = %v, want ErrTimedOut", err)
	}
}
