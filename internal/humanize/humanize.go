// Package humanize formats quantities for output: the one byte-size formatter of the toolkit
// (release image layers, VHD copies) and the one duration format of every target.
package humanize

import "fmt"

// Bytes formats n in binary units: 512 B, 3.0 KiB, 16.0 GiB; a negative n is "size unknown".
func Bytes(n int64) string {
	const unit = 1024
	if n < 0 {
		return "size unknown"
	}
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
