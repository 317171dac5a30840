// Command genhistory writes the benchmark history (an installer-sized upstream, release
// branches and a fork with carry patches) into an empty directory.
//
//	go run ./scripts/genhistory DIR
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aro-releasekit/releasekit/internal/fixture"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genhistory DIR (an empty or absent directory)")
		os.Exit(2)
	}
	h, err := fixture.NewHistory(context.Background(), os.Args[1], fixture.HistoryOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "genhistory:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: release-4.14 has %d commits, release-4.15 %d more, release-4.14-azure %d carry patches (%d already in 4.15)\n",
		h.Dir, h.Upstream414, h.Since414, len(h.Carries), len(h.InUpstream))
}
