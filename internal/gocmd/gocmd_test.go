package gocmd

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestProxyIsRedacted(t *testing.T) {
	got := Proxy([]string{"GOPROXY=https://u:tok@proxy.example/x,https://p2.example/?sig=abc|direct"})
	if strings.Contains(got, "tok") || strings.Contains(got, "abc") {
		t.Fatalf("secret in %q", got)
	}
	if !strings.HasPrefix(got, "GOPROXY=https://") || !strings.HasSuffix(got, "|direct") {
		t.Fatalf("proxy list mangled: %q", got)
	}
}

func TestParseTimeout(t *testing.T) {
	if d, err := ParseTimeout(""); err != nil || d != DefaultTimeout {
		t.Fatalf("default: %v %v", d, err)
	}
	if d, err := ParseTimeout("90s"); err != nil || d != 90*time.Second {
		t.Fatalf("90s: %v %v", d, err)
	}
	for _, bad := range []string{"10", "-1s", "0s", "soon"} {
		if _, err := ParseTimeout(bad); err == nil || !strings.Contains(err.Error(), TimeoutSetting) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

// A module proxy that accepts the connection and never answers: the command is bounded and the
// error names the proxy and the setting.
func TestTimeoutNamesProxyAndSetting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	proxy := "http://" + l.Addr().String()
	r := Runner{Env: []string{"GOPROXY=" + proxy, "GOSUMDB=off", "GOFLAGS=-modcacherw", "GOMODCACHE=" + t.TempDir(), "GOTOOLCHAIN=local"}, Timeout: 2 * time.Second}
	_, err = r.List(context.Background(), t.TempDir(), "example.com/never@v1.0.0")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("want a timeout, got %v", err)
	}
	for _, want := range []string{"GOPROXY=" + proxy, TimeoutSetting, "within 2s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %q", want, err)
		}
	}
}
