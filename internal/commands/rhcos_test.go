package commands

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
)

// rhcos:publish's -expiry and -timeout are parsed at the edge: Go durations and whole days.
func TestRhcosDurationFlags(t *testing.T) {
	expiry := func() *daysFlag {
		return &daysFlag{least: time.Hour, maxDays: rhcos.MaxExpiryDays, limit: "a SAS URL may last at most",
			examples: "a whole number of days such as 21d, or a duration such as 504h"}
	}
	for in, want := range map[string]time.Duration{"21d": 21 * 24 * time.Hour, "504h": 504 * time.Hour, "365d": 365 * 24 * time.Hour, "1h": time.Hour} {
		f := expiry()
		if err := f.Set(in); err != nil || f.d != want || f.String() != in {
			t.Errorf("%s: %v %v, want %v", in, f.d, err, want)
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
		f := expiry()
		if err := f.Set(in); err == nil || !strings.Contains(err.Error(), why) || f.d != 0 {
			t.Errorf("%q: err = %v, d = %v, want %q", in, err, f.d, why)
		}
	}
}

// A bad flag is a usage error that names the flag and, for -timeout, gives -timeout's own
// examples, not -expiry's days; nothing runs.
func TestRhcosDurationFlagUsageErrors(t *testing.T) {
	for _, c := range []struct{ flag, want, not string }{
		{"-expiry=3w", `invalid value "3w" for flag -expiry: want a whole number of days such as 21d, or a duration such as 504h`, ""},
		{"-expiry=999999d", `invalid value "999999d" for flag -expiry: a SAS URL may last at most 365 days`, ""},
		{"-timeout=abc", `invalid value "abc" for flag -timeout: want a duration such as 2h or 45m, or a whole number of days such as 1d`, "21d"},
		{"-timeout=1.5d", `invalid value "1.5d" for flag -timeout: want a duration such as 2h or 45m`, "504h"},
		{"-timeout=99999d", `invalid value "99999d" for flag -timeout: at most 3650 days`, ""},
		{"-timeout=0s", `invalid value "0s" for flag -timeout: want a positive duration`, ""},
	} {
		var stderr bytes.Buffer
		code := Table.Main(context.Background(), cli.Env{Stderr: &stderr, Stdout: &bytes.Buffer{}}, []string{"rhcos:publish", "4.15", "-dryrun", c.flag})
		first, _, _ := strings.Cut(stderr.String(), "\n") // the rest is the usage, which names both
		if code != cli.ExitFailed || !strings.Contains(first, c.want) || (c.not != "" && strings.Contains(first, c.not)) {
			t.Errorf("%s: exit %d, want exit 1 with %q:\n%s", c.flag, code, c.want, stderr.String())
		}
	}
}
