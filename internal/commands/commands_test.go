package commands

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The one JSON printer does not escape HTML: a subject such as "use <none> & go" stays as it is.
func TestJSONIsNotHTMLEscaped(t *testing.T) {
	for _, indent := range []bool{true, false} {
		var b bytes.Buffer
		if err := writeJSON(&b, map[string]string{"subject": "use <none> & go"}, indent); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `"use <none> & go"`) {
			t.Errorf("indent %v: %s", indent, b.String())
		}
	}
}

func TestOneDurationFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{500 * time.Millisecond: "0.5s", 5 * time.Second: "5.0s", 90 * time.Second: "1m30s"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}
