package humanize

import (
	"fmt"
	"time"
)

// Duration is the one duration format of the toolkit's output: tenths of a second under a
// minute (0.5s, 12.3s), then minutes and seconds (2m05s), then hours and minutes (1h02m).
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute-50*time.Millisecond:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour-500*time.Millisecond:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

// Seconds is Duration of a count of seconds, as verify results record them.
func Seconds(s float64) string { return Duration(time.Duration(s * float64(time.Second))) }
