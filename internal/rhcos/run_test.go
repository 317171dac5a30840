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

func TestParseFlagDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"21d": 21 * 24 * time.Hour, "504h": 504 * time.Hour, "365d": 365 * 24 * time.Hour} {
		if got, err := parseFlagDuration("-expiry", &in, "", time.Hour, MaxExpiryDays, "a SAS URL may last"); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"":                      "want a whole number of days such as 21d, or a duration such as 504h",
		"3w":                    "want a whole number of days such as 21d, or a duration such as 504h",
		"1.5d":                  "want a whole number of days",
		"d":                     "want a whole number of days",
		"0d":                    "want a positive duration",
		"-2h":                   "want a positive duration",
		"30m":                   "want at least 1h0m0s",
		"366d":                  "a SAS URL may last at most 365 days",
		"999999d":               "a SAS URL may last at most 365 days",
		"99999999999999999999d": "a SAS URL may last at most 365 days",
		"9000h":                 "a SAS URL may last at most 365 days",
		"99999999999999999999h": "a SAS URL may last at most 365 days",
	} {
		_, err := parseFlagDuration("-expiry", &in, "", time.Hour, MaxExpiryDays, "a SAS URL may last")
		if err == nil || !strings.Contains(err.Error(), `invalid -expiry="`+in+`"`) || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: err = %v, want %q", in, err, why)
		}
	}
	if d, err := parseFlagDuration("-timeout", nil, "2h", 0, maxTimeoutDays, ""); err != nil || d != 2*time.Hour {
		t.Errorf("default: %v %v", d, err)
	}
}

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
		HTTPTimeout: 50 * time.Millisecond, Timeout: ptr("1m"),
	})
	var ce *cli.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "did not answer within 50ms") || !strings.Contains(strings.Join(ce.Hints, "\n"), "RELEASEKIT_HTTP_TIMEOUT") {
		t.Fatalf("err = %v", err)
	}
}
