// Command releasekit runs the ARO new-release runbook's targets on the repository in the
// current directory:
//
//	go install github.com/aro-releasekit/releasekit/cmd/releasekit@latest
//	cd installer-aro && releasekit fork:cherryPick 4.15
//
// releasekit help lists the targets, releasekit help TARGET shows one, releasekit --version
// says what it was built from. The mage targets in magefiles/ are the same command table.
package main

import (
	"os"

	"github.com/aro-releasekit/releasekit/internal/commands"
)

func main() {
	os.Exit(commands.Main("releasekit", os.Args[1:]))
}
