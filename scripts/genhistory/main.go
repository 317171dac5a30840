// Command genhistory writes the benchmark history (an installer-sized upstream, release
// branches and a fork with carry patches) into an empty directory.
//
//	go run ./scripts/genhistory [-commits N] [-after N] [-files N] [-carries N] DIR
//
// Zero sizes take the defaults of history.HistoryOptions.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/aro-releasekit/releasekit/scripts/genhistory/history"
)

func main() {
	var opts history.HistoryOptions
	flag.IntVar(&opts.Commits, "commits", 0, "upstream commits below release-4.14's branch point (default 10000)")
	flag.IntVar(&opts.After, "after", 0, "main-line commits from release-4.14's branch point to release-4.15 (default 300)")
	flag.IntVar(&opts.Files, "files", 0, "files in the tree (default 400)")
	flag.IntVar(&opts.Carries, "carries", 0, "carry patches on release-4.14-azure (default 20)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: genhistory [flags] DIR (an empty or absent directory)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	h, err := history.NewHistory(context.Background(), flag.Arg(0), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genhistory:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: release-4.14 has %d commits, release-4.15 %d more, release-4.14-azure %d carry patches (%d already in 4.15)\n",
		h.Dir, h.Upstream414, h.Since414, len(h.Carries), len(h.InUpstream))
}
