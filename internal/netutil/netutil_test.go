package netutil

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aro-releasekit/releasekit/internal/netutil/netutiltest"
)

func TestClientGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	addr := netutiltest.Listen(t)
	for _, scheme := range []string{"http", "https"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, scheme+"://"+addr+"/", nil)
		_, err := Client(200 * time.Millisecond).Do(req)
		if !IsTimeout(err) {
			t.Fatalf("%s: err = %v, want a timeout", scheme, err)
		}
		err = Explain(err, "update graph "+scheme+"://"+addr, 200*time.Millisecond)
		var te *TimeoutError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "did not answer within 200ms ("+EnvTimeout+")") || !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: %v", scheme, err)
		}
	}
}

func TestExplainLeavesOtherErrors(t *testing.T) {
	other := errors.New("connection refused")
	if Explain(other, "x", time.Second) != other {
		t.Error("a non-timeout error was rewritten")
	}
}

func TestParseTimeout(t *testing.T) {
	if d, err := ParseTimeout(""); err != nil || d != DefaultTimeout {
		t.Errorf("default: %v %v", d, err)
	}
	if d, err := ParseTimeout("2m"); err != nil || d != 2*time.Minute {
		t.Errorf("2m: %v %v", d, err)
	}
	for _, bad := range []string{"soon", "0s", "-1s", "30"} {
		if _, err := ParseTimeout(bad); err == nil || !strings.Contains(err.Error(), EnvTimeout) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
