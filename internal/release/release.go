// Package release parses OpenShift release versions and names the branches that belong to them.
package release

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// ErrNoPreviousMinor is returned by Minor.Previous for an X.0 release.
var ErrNoPreviousMinor = errors.New("has no previous minor release")

// Minor is an OpenShift minor release X.Y, such as 4.15.
type Minor struct {
	Major, Minor int
}

// Patch is an OpenShift patch release X.Y.Z, such as 4.15.3.
type Patch struct {
	Minor
	Patch int
}

// A component is 0 or a number without a leading zero, so that "04.15" is refused rather than
// silently read as 4.15; at most 4 digits keeps Atoi far from overflow.
const num = `(0|[1-9][0-9]{0,3})`

var (
	minorRE = regexp.MustCompile(`^` + num + `\.` + num + `$`)
	patchRE = regexp.MustCompile(`^` + num + `\.` + num + `\.` + num + `$`)
)

// ParseMinor parses "X.Y". Anything else is an error that names the accepted form.
func ParseMinor(s string) (Minor, error) {
	m := minorRE.FindStringSubmatch(s)
	if m == nil {
		return Minor{}, fmt.Errorf("invalid release %q: want X.Y, for example 4.15", s)
	}
	return Minor{atoi(m[1]), atoi(m[2])}, nil
}

// ParsePatch parses "X.Y.Z". Anything else is an error that names the accepted form.
func ParsePatch(s string) (Patch, error) {
	m := patchRE.FindStringSubmatch(s)
	if m == nil {
		return Patch{}, fmt.Errorf("invalid release %q: want X.Y.Z, for example 4.15.3", s)
	}
	return Patch{Minor{atoi(m[1]), atoi(m[2])}, atoi(m[3])}, nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("release: regexp admitted a non-number: " + s) // unreachable: the regexps admit digits only
	}
	return n
}

func (m Minor) String() string { return fmt.Sprintf("%d.%d", m.Major, m.Minor) }
func (p Patch) String() string { return fmt.Sprintf("%d.%d.%d", p.Major, p.Minor.Minor, p.Patch) }

// Previous returns X.Y-1. OpenShift minors do not cross majors, so X.0 has none.
func (m Minor) Previous() (Minor, error) {
	if m.Minor == 0 {
		return Minor{}, fmt.Errorf("release %s %w: the toolkit ports from X.Y-1 to X.Y within one major", m, ErrNoPreviousMinor)
	}
	return Minor{m.Major, m.Minor - 1}, nil
}

// Next returns X.Y+1.
func (m Minor) Next() Minor { return Minor{m.Major, m.Minor + 1} }

// UpstreamBranch is upstream's branch for the release: release-X.Y.
func (m Minor) UpstreamBranch() string { return "release-" + m.String() }

// ForkBranch is the installer fork's branch for the release: release-X.Y-azure.
func (m Minor) ForkBranch() string { return "release-" + m.String() + "-azure" }

// Channel is the update-graph channel that carries the release: stable-X.Y.
func (m Minor) Channel() string { return "stable-" + m.String() }

// The remotes of an engineer's clone of the installer fork, when RELEASEKIT_FORK_REMOTE and
// RELEASEKIT_UPSTREAM_REMOTE do not name others. This is the one place they are set.
const (
	DefaultForkRemote     = "origin"
	DefaultUpstreamRemote = "upstream"
)

// Remotes names the installer fork's remote and upstream openshift/installer's remote.
type Remotes struct{ Fork, Upstream string }

// OrDefault fills the names left empty with the defaults.
func (r Remotes) OrDefault() Remotes {
	if r.Fork == "" {
		r.Fork = DefaultForkRemote
	}
	if r.Upstream == "" {
		r.Upstream = DefaultUpstreamRemote
	}
	return r
}

// ForkBranch is the fork's remote-tracking branch of the release: origin/release-X.Y-azure.
func (r Remotes) ForkBranch(m Minor) string { return r.OrDefault().Fork + "/" + m.ForkBranch() }

// UpstreamBranch is upstream's remote-tracking branch of the release: upstream/release-X.Y.
func (r Remotes) UpstreamBranch(m Minor) string {
	return r.OrDefault().Upstream + "/" + m.UpstreamBranch()
}
