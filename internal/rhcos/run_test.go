package rhcos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
)

func ptr[T any](v T) *T { return &v }

func TestParseArches(t *testing.T) {
	got, err := ParseArches(ptr("x86_64, aarch64,x86_64"))
	if err != nil || strings.Join(got, " ") != "x86_64 aarch64" {
		t.Errorf("ParseArches = %v, %v", got, err)
	}
	if got, _ := ParseArches(nil); strings.Join(got, " ") != "x86_64 aarch64" {
		t.Errorf("default arches = %v", got)
	}
	for _, bad := range []string{"", "x86_64,", "ARM64", "x86_64;rm -rf"} {
		if _, err := ParseArches(&bad); err == nil {
			t.Errorf("ParseArches(%q) accepted", bad)
		}
	}
}

func TestEventText(t *testing.T) {
	e := Event{Kind: EventProgress, Source: Source{Arch: "x86_64"}, Copied: 3 << 30, Total: 16 << 30, Rate: 45 << 20, Elapsed: 90 * time.Second}
	if got, want := e.String(), "x86_64: 3.0 GiB / 16.0 GiB (18%), 45.0 MiB/s, 1m30s elapsed"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := progressText(Event{Copied: 512}), "512 B copied"; got != want {
		t.Errorf("progressText = %q, want %q", got, want)
	}
	start := Event{Kind: EventStart, Source: Source{Arch: "aarch64", URL: "https://h/c/x.vhd?sv=1&sig=s3cret"}, BlobURL: "https://a/rhcos/x.vhd"}
	if s := start.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "copying https://h/c/x.vhd") {
		t.Errorf("start = %q", s)
	}
}

func writeStream(t *testing.T, release string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rhcos.json")
	s := example.RHCOSStream(
		example.RHCOSDisk{Arch: "x86_64", Release: release, URL: example.RHCOSPublicURL(release, "x86_64")},
		example.RHCOSDisk{Arch: "aarch64", Release: release, URL: example.RHCOSPublicURL(release, "aarch64")},
	)
	if err := os.WriteFile(p, s, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 14 item 13: a 4.15 stream is not published as 4.16 unless forced; the refusal is an error.
func TestRunRefusesAnotherReleasesStream(t *testing.T) {
	p := writeStream(t, rel415)
	var log bytes.Buffer
	o := RunOptions{Version: "4.16", Stream: &p, DryRun: true, Log: &log}
	_, err := Run(context.Background(), o)
	if cli.Code(err) != cli.ExitFailed || !strings.Contains(err.Error(), "x86_64: RHCOS "+rel415+" is not a 4.16 build (want 416.*)") ||
		!strings.Contains(err.Error(), "aarch64:") || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("err = %v", err)
	}
	o.Force = true
	res, err := Run(context.Background(), o)
	if err != nil || len(res.Plan) != 2 || !strings.Contains(log.String(), "warning: x86_64: RHCOS "+rel415+" is not a 4.16 build") {
		t.Fatalf("forced: %v %+v\n%s", err, res, log.String())
	}
	o.Version, o.Force = "4.15", false
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatalf("matching release: %v", err)
	}
}

func TestRunUnresponsiveEndpoint(t *testing.T) {
	p := writeStream(t, rel415)
	addr := hangingEndpoint(t)
	_, err := Run(context.Background(), RunOptions{
		Version: "4.15", Stream: &p, Arch: ptr("x86_64"),
		Account: "acct", Endpoint: "http://" + addr + "/acct", Key: testKey,
		HTTPTimeout: 50 * time.Millisecond, Timeout: time.Minute,
	})
	var ce *cli.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "did not answer within 50ms") || !strings.Contains(strings.Join(ce.Hints, "\n"), "RELEASEKIT_HTTP_TIMEOUT") {
		t.Fatalf("err = %v", err)
	}
}
