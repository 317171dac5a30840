package settings

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAndValues(t *testing.T) {
	t.Setenv("RELEASEKIT_FETCH_TIMEOUT", "")
	if d, err := FetchTimeout.Get(); err != nil || d != 2*time.Minute {
		t.Errorf("empty RELEASEKIT_FETCH_TIMEOUT: %v, %v; want the default 2m", d, err)
	}
	t.Setenv("RELEASEKIT_FETCH_TIMEOUT", "90s")
	if d, err := FetchTimeout.Get(); err != nil || d != 90*time.Second {
		t.Errorf("RELEASEKIT_FETCH_TIMEOUT=90s: %v, %v", d, err)
	}
	// An empty RELEASEKIT_VERIFY means no verify; unset means the default.
	t.Setenv("RELEASEKIT_VERIFY", "")
	if v, _ := Verify.Get(); v != "" {
		t.Errorf("RELEASEKIT_VERIFY= gives %q, want none", v)
	}
	if FetchTimeout.Default() != "2m" || GoTimeout.Default() != "10m" || HTTPTimeout.Default() != "30s" {
		t.Errorf("defaults as help shows them: %s %s %s", FetchTimeout.Default(), GoTimeout.Default(), HTTPTimeout.Default())
	}
}

// A bad value is refused with a message that names the setting and what it wants.
func TestBadValues(t *testing.T) {
	for _, c := range []struct {
		name, value, want string
		get               func() error
	}{
		{"RELEASEKIT_FETCH_TIMEOUT", "soon", `invalid RELEASEKIT_FETCH_TIMEOUT "soon": want a duration such as 2m or 90s`, func() error { _, err := FetchTimeout.Get(); return err }},
		{"RELEASEKIT_HTTP_TIMEOUT", "-1s", `invalid RELEASEKIT_HTTP_TIMEOUT="-1s": want a positive duration`, func() error { _, err := HTTPTimeout.Get(); return err }},
		{"RELEASEKIT_GO_TIMEOUT", "soon", `RELEASEKIT_GO_TIMEOUT="soon": want a duration such as 90s or 15m`, func() error { _, err := GoTimeout.Get(); return err }},
		{"RELEASEKIT_JOBS", "many", `RELEASEKIT_JOBS="many": want a number from 1 to 256`, func() error { _, err := Jobs.Get(); return err }},
		{"RELEASEKIT_VERIFY_JOBS", "0", `jobs must be a whole number of 1 or more, not "0"`, func() error { _, err := VerifyJobs.Get(); return err }},
	} {
		t.Setenv(c.name, c.value)
		if err := c.get(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s: %v, want %q", c.name, c.value, err, c.want)
		}
	}
}

// ParseJobs is the one reader of a -jobs count, the flag's and RELEASEKIT_VERIFY_JOBS's alike.
func TestParseJobs(t *testing.T) {
	for _, s := range []string{"0", "-2", "four", "1.5", ""} {
		if _, err := ParseJobs(s); !errors.Is(err, ErrJobs) || !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
			t.Errorf("ParseJobs(%q): %v, want ErrJobs naming the value", s, err)
		}
	}
	if n, err := ParseJobs(" 3 "); err != nil || n != 3 {
		t.Errorf("ParseJobs(\" 3 \"): %d, %v", n, err)
	}
}

func TestAllOnceSorted(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, s := range All() {
		// GITHUB_API_URL is GitHub Actions' own name for the API, read as it sets it.
		named := strings.HasPrefix(s.Name(), "RELEASEKIT_") || s.Name() == "GITHUB_API_URL"
		if seen[s.Name()] || s.Name() < prev || !named || s.Help() == "" {
			t.Errorf("setting %q: declared twice, out of order, misnamed or undocumented", s.Name())
		}
		seen[s.Name()], prev = true, s.Name()
		if Lookup(s.Name()) != s {
			t.Errorf("Lookup(%s) does not find it", s.Name())
		}
	}
}
