package rhcos

import (
	"strings"
	"testing"
)

// A bad -timeout is answered with -timeout's own examples, not -expiry's days.
func TestTimeoutFlagErrorGivesItsOwnFormat(t *testing.T) {
	for _, in := range []string{"abc", "3w", "1.5d", ""} {
		_, err := parseFlagDuration("-timeout", &in, "2h", 0, maxTimeoutDays, "")
		if err == nil {
			t.Fatalf("%q: no error", in)
		}
		msg := err.Error()
		if !strings.Contains(msg, `invalid -timeout="`+in+`"`) || !strings.Contains(msg, "a duration such as 2h or 45m") || strings.Contains(msg, "21d") || strings.Contains(msg, "504h") {
			t.Errorf("%q: %v", in, err)
		}
	}
}
