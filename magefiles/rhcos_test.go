//go:build mage

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/aro-releasekit/releasekit/internal/rhcos"
)

func TestParseLongDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"21d": 21 * 24 * time.Hour, "504h": 504 * time.Hour, "45m": 45 * time.Minute} {
		if got, err := parseLongDuration("-expiry", in); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "3w", "0d", "-2h", "d", "1.5d", "99999d"} {
		if _, err := parseLongDuration("-expiry", in); err == nil || !strings.Contains(err.Error(), "-expiry") {
			t.Errorf("%q: err = %v, want an error naming the flag", in, err)
		}
	}
}

func TestParseArches(t *testing.T) {
	s := "x86_64, aarch64,x86_64"
	got, err := parseArches(&s)
	if err != nil || strings.Join(got, " ") != "x86_64 aarch64" {
		t.Errorf("parseArches(%q) = %v, %v", s, got, err)
	}
	if got, _ := parseArches(nil); strings.Join(got, " ") != "x86_64 aarch64" {
		t.Errorf("default arches = %v", got)
	}
	for _, bad := range []string{"", "x86_64,", "ARM64", "x86_64;rm -rf"} {
		if _, err := parseArches(&bad); err == nil {
			t.Errorf("parseArches(%q) accepted", bad)
		}
	}
}

func TestProgressText(t *testing.T) {
	e := rhcos.Event{Copied: 3 << 30, Total: 16 << 30, Rate: 45 << 20}
	if got, want := progressText(e), "3.0 GiB / 16.0 GiB (18%), 45.0 MiB/s"; got != want {
		t.Errorf("progressText = %q, want %q", got, want)
	}
	if got, want := progressText(rhcos.Event{Copied: 512}), "512 B copied"; got != want {
		t.Errorf("progressText = %q, want %q", got, want)
	}
}
