package humanize

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{-1: "size unknown", 0: "0 B", 512: "512 B", 1024: "1.0 KiB", 3 << 30: "3.0 GiB", 45 << 20: "45.0 MiB", 1<<63 - 1: "8.0 EiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
