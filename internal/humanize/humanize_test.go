package humanize

import (
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{-1: "size unknown", 0: "0 B", 512: "512 B", 1024: "1.0 KiB", 3 << 30: "3.0 GiB", 45 << 20: "45.0 MiB", 1<<63 - 1: "8.0 EiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0.0s", 0: "0.0s", 500 * time.Millisecond: "0.5s", 5 * time.Second: "5.0s",
		12340 * time.Millisecond: "12.3s", 59949 * time.Millisecond: "59.9s", 59960 * time.Millisecond: "1m00s",
		125 * time.Second: "2m05s", 59*time.Minute + 59*time.Second: "59m59s", 62 * time.Minute: "1h02m", 26 * time.Hour: "26h00m",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
	if got := Seconds(0.25); got != "0.2s" && got != "0.3s" {
		t.Errorf("Seconds(0.25) = %q", got)
	}
}
