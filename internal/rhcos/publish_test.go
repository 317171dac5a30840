package rhcos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/rhcos/rhcostest"
)

func TestMain(m *testing.M) {
	gittest.Setenv(nil) // no git maintenance process after each of the tests' commits
	code := m.Run()
	rhcostest.StopShared()
	gittest.Done()
	os.Exit(code)
}

// recorder keeps every event as the target would print it, for the log scans.
type recorder struct {
	mu     sync.Mutex
	events []Event
	log    bytes.Buffer
}

func (r *recorder) progress(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	fmt.Fprintf(&r.log, "%+v\n", e)
}

func (r *recorder) kinds() []EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []EventKind
	for _, e := range r.events {
		ks = append(ks, e.Kind)
	}
	return ks
}

// uniqueContainer keeps the tests that share one Azurite apart.
func uniqueContainer(t *testing.T) string {
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	return strings.Trim(name, "-") + "-" + fmt.Sprint(time.Now().UnixNano()%1e6)
}

func seed(t *testing.T, srv *rhcostest.Server, arch string, size int) (Source, []byte) {
	t.Helper()
	name := fmt.Sprintf("rhcos-%s-azure.%s.vhd", rel415, arch)
	u, data, err := srv.SeedVHD(context.Background(), "imagebucket", name, size)
	if err != nil {
		t.Fatal(err)
	}
	return Source{Arch: arch, Release: rel415, URL: u}, data
}

func azuriteOptions(srv *rhcostest.Server, container string, srcs ...Source) Options {
	return Options{
		Sources:      srcs,
		Account:      srv.Account,
		Endpoint:     srv.Endpoint,
		Container:    container,
		Key:          StaticKey(srv.Key),
		PollInterval: 50 * time.Millisecond,
		Timeout:      time.Minute,
	}
}

func TestPublishCopiesOnceAndSignsReadableURLs(t *testing.T) {
	srv := rhcostest.Shared(t)
	ctx := context.Background()
	x86, x86data := seed(t, srv, "x86_64", 1<<20+4096)
	arm, armdata := seed(t, srv, "aarch64", 8192)
	cont := uniqueContainer(t)

	rec := &recorder{}
	o := azuriteOptions(srv, cont, x86, arm)
	o.Progress = rec.progress
	res, err := Publish(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].Copied || !res[1].Copied {
		t.Fatalf("results = %+v, want two fresh copies", res)
	}
	for i, want := range [][]byte{x86data, armdata} {
		r := res[i]
		if r.Size != int64(len(want)) {
			t.Errorf("%s: size %d, want %d", r.Source.Arch, r.Size, len(want))
		}
		got, code, err := rhcostest.Get(ctx, r.SASURL)
		if err != nil || code != 200 {
			t.Fatalf("%s: GET SAS URL: %d %v", r.Source.Arch, code, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the SAS URL reads %d bytes that differ from the source", r.Source.Arch, len(got))
		}
		if !strings.Contains(r.SASURL, "sp=r&") || !strings.Contains(r.SASURL, "sig=") {
			t.Errorf("%s: SAS URL is not a read-only signed URL: %s", r.Source.Arch, redact.URL(r.SASURL))
		}
		if d := time.Until(r.Expiry); d < 20*24*time.Hour || d > 21*24*time.Hour {
			t.Errorf("%s: SAS expires in %s, want 21 days", r.Source.Arch, d)
		}
		props, err := srv.BlobProperties(ctx, cont, r.Source.BlobName())
		if err != nil {
			t.Fatal(err)
		}
		if props.BlobType == nil || *props.BlobType != blob.BlobTypePageBlob {
			t.Errorf("%s: copy is a %v, want a page blob", r.Source.Arch, props.BlobType)
		}
		if v := props.Metadata["Rhcos_release"]; v == nil || *v != rel415 {
			if v = props.Metadata["rhcos_release"]; v == nil || *v != rel415 {
				t.Errorf("%s: metadata %v lacks rhcos_release", r.Source.Arch, props.Metadata)
			}
		}
	}
	// A read-only SAS must not write.
	if _, code, _ := rhcostest.Get(ctx, strings.Replace(res[0].SASURL, "sp=r", "sp=rw", 1)); code != 403 {
		t.Errorf("a SAS with tampered permissions answers %d, want 403", code)
	}
	if !containsKind(rec.kinds(), EventStart) || containsKind(rec.kinds(), EventSkip) {
		t.Errorf("first run events = %v, want starts and no skips", rec.kinds())
	}

	// Re-run: nothing is copied again; the blob is untouched; fresh SAS URLs still read it.
	before, _ := srv.BlobProperties(ctx, cont, x86.BlobName())
	rec2 := &recorder{}
	o.Progress = rec2.progress
	res2, err := Publish(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2) != 2 || res2[0].Copied || res2[1].Copied {
		t.Fatalf("re-run results = %+v, want two already-copied", res2)
	}
	if ks := rec2.kinds(); len(ks) != 2 || ks[0] != EventSkip || ks[1] != EventSkip {
		t.Errorf("re-run events = %v, want two skips", ks)
	}
	after, _ := srv.BlobProperties(ctx, cont, x86.BlobName())
	if *before.ETag != *after.ETag || *before.CopyID != *after.CopyID {
		t.Errorf("re-run touched the blob: etag %s → %s, copy id %s → %s", *before.ETag, *after.ETag, *before.CopyID, *after.CopyID)
	}
	if got, code, _ := rhcostest.Get(ctx, res2[1].SASURL); code != 200 || !bytes.Equal(got, armdata) {
		t.Errorf("re-run SAS URL does not read the copy (%d)", code)
	}
	scanForSecrets(t, srv.Key, rec.log.String()+rec2.log.String())
}

func TestPublishSourceMissing(t *testing.T) {
	srv := rhcostest.Shared(t)
	ctx := context.Background()
	good, _ := seed(t, srv, "x86_64", 4096)
	missing := Source{Arch: "aarch64", Release: rel415, URL: strings.Replace(good.URL, "x86_64", "aarch64-gone", 1)}
	cont := uniqueContainer(t)
	res, err := Publish(ctx, azuriteOptions(srv, cont, missing, good))
	if !errors.Is(err, ErrSourceNotFound) {
		t.Fatalf("err = %v, want ErrSourceNotFound", err)
	}
	for _, w := range []string{"aarch64:", "404", "azure-disk.url", missing.URL} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if len(res) != 1 || res[0].Source.Arch != "x86_64" {
		t.Errorf("results = %+v, want the x86_64 one that made it", res)
	}
	if _, perr := srv.BlobProperties(ctx, cont, missing.BlobName()); perr == nil {
		t.Errorf("a blob was created for the missing source")
	}
	scanForSecrets(t, srv.Key, err.Error())
}

func TestPublishSourceNotPageBlob(t *testing.T) {
	srv := rhcostest.Shared(t)
	ctx := context.Background()
	u, err := srv.SeedBlockBlob(ctx, "imagebucket", "rhcos-block-azure.x86_64.vhd", make([]byte, 1024))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Publish(ctx, azuriteOptions(srv, uniqueContainer(t), Source{Arch: "x86_64", Release: rel415, URL: u}))
	if !errors.Is(err, ErrSourceNotPageBlob) || !strings.Contains(err.Error(), "BlockBlob") {
		t.Fatalf("err = %v, want ErrSourceNotPageBlob naming BlockBlob", err)
	}
}

func TestPublishRefusesForeignBlob(t *testing.T) {
	srv := rhcostest.Shared(t)
	ctx := context.Background()
	src, _ := seed(t, srv, "x86_64", 4096)
	cont := uniqueContainer(t)
	// Someone uploaded a blob of that name by hand: it is not ours to overwrite.
	if _, err := srv.SeedBlockBlob(ctx, cont, src.BlobName(), []byte("hand-made")); err != nil {
		t.Fatal(err)
	}
	_, err := Publish(ctx, azuriteOptions(srv, cont, src))
	if !errors.Is(err, ErrDestinationTaken) || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("err = %v, want ErrDestinationTaken with a way out", err)
	}
	props, _ := srv.BlobProperties(ctx, cont, src.BlobName())
	if props.ContentLength == nil || *props.ContentLength != int64(len("hand-made")) {
		t.Errorf("the foreign blob was overwritten")
	}
}

func TestPublishWrongKey(t *testing.T) {
	srv := rhcostest.Shared(t)
	src, _ := seed(t, srv, "x86_64", 4096)
	o := azuriteOptions(srv, uniqueContainer(t), src)
	wrong := "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ=="
	o.Key = StaticKey(wrong)
	_, err := Publish(context.Background(), o)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	scanForSecrets(t, wrong, err.Error())
	scanForSecrets(t, srv.Key, err.Error())
}

func TestPublishUnreachable(t *testing.T) {
	// A port that was free a moment ago: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	key := "a2V5LWZvci1hbi11bnJlYWNoYWJsZS1lbmRwb2ludA=="
	_, err = Publish(context.Background(), Options{
		Sources:    []Source{{Arch: "x86_64", Release: rel415, URL: "http://" + addr + "/pub/imagebucket/rhcos-azure.x86_64.vhd"}},
		Account:    "releasekittest",
		Endpoint:   "http://" + addr + "/releasekittest",
		Key:        StaticKey(key),
		MaxRetries: -1,
	})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want ErrUnreachable naming %s", err, addr)
	}
	scanForSecrets(t, key, err.Error())
}

func TestValidate(t *testing.T) {
	src := Source{Arch: "x86_64", Release: rel415, URL: "https://rhcos.blob.core.windows.net/imagebucket/a.vhd"}
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"account", Options{Account: "Open_Images", Sources: []Source{src}}, "storage account"},
		{"container", Options{Account: "openshiftimages", Container: "RH", Sources: []Source{src}}, "container"},
		{"endpoint", Options{Account: "openshiftimages", Endpoint: "ftp://x", Sources: []Source{src}}, "blob endpoint"},
		{"expiry", Options{Account: "openshiftimages", Expiry: time.Minute, Sources: []Source{src}}, "expiry"},
		{"nothing", Options{Account: "openshiftimages"}, "nothing to publish"},
		{"duplicate", Options{Account: "openshiftimages", Sources: []Source{src, {Arch: "aarch64", Release: rel415, URL: src.URL}}}, "both name blob"},
	} {
		err := tc.o.Validate()
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions about %s", tc.name, err, tc.want)
		}
	}
	o := Options{Account: "openshiftimages", Sources: []Source{src}}
	plan, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://openshiftimages.blob.core.windows.net/rhcos/a.vhd"; plan[0].BlobURL != want {
		t.Errorf("plan = %s, want %s", plan[0].BlobURL, want)
	}
}

func containsKind(ks []EventKind, k EventKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// scanForSecrets fails when text carries the key or any SAS signature.
func scanForSecrets(t *testing.T, key, text string) {
	t.Helper()
	if key != "" && strings.Contains(text, key) {
		t.Errorf("the account key appears in:\n%s", text)
	}
	if i := strings.Index(strings.ToLower(text), "sig="); i >= 0 && !strings.HasPrefix(text[i+4:], redact.Redacted) {
		t.Errorf("a SAS signature appears in:\n%s", text)
	}
}

// BenchmarkPublish compares a first publish (server-side copy of a 4 MiB VHD, SAS) with a
// re-run that finds the copy and only signs: the re-run should cost a few round trips.
func BenchmarkPublish(b *testing.B) {
	srv := rhcostest.Shared(b)
	ctx := context.Background()
	name := "rhcos-415.92.202402201450-0-azure.x86_64.vhd"
	u, _, err := srv.SeedVHD(ctx, "imagebucket", name, 4<<20)
	if err != nil {
		b.Fatal(err)
	}
	src := Source{Arch: "x86_64", Release: rel415, URL: u}
	opts := func(cont string) Options {
		return Options{Sources: []Source{src}, Account: srv.Account, Endpoint: srv.Endpoint, Container: cont, Key: StaticKey(srv.Key), PollInterval: 10 * time.Millisecond}
	}
	b.Run("copy", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Publish(ctx, opts(fmt.Sprintf("bench-copy-%d-%d", time.Now().UnixNano()%1e9, i))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rerun", func(b *testing.B) {
		o := opts("bench-rerun")
		if _, err := Publish(ctx, o); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, err := Publish(ctx, o)
			if err != nil || res[0].Copied {
				b.Fatalf("rerun copied again or failed: %v", err)
			}
		}
	})
}
