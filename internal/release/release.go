// Package release parses OpenShift release versions and names the branches that belong to them.
package release

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"

	"github.com/blang/semver/v4"
)

// ErrNoPreviousMinor is returned by Minor.Previous for an X.0 release.
var ErrNoPreviousMinor = errors.New("has no previous minor release")

// Minor is an OpenShift minor release X.Y, such as 4.15.
type Minor struct {
	Major, Minor int
}

// Patch is an OpenShift patch release X.Y.Z, such as 4.15.3, or a candidate of one,
// X.Y.Z-rc.N (Pre "rc.3"), -ec.N or -fc.N.
type Patch struct {
	Minor
	Patch int
	// Pre is a candidate's pre-release, such as "rc.3"; "" for a release.
	Pre string
}

// A component is 0 or a number without a leading zero, so that "04.15" is refused rather than
// silently read as 4.15; at most 4 digits keeps Atoi far from overflow.
const num = `(0|[1-9][0-9]{0,3})`

var (
	minorRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^` + num + `\.` + num + `$`) })
	patchRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^` + num + `\.` + num + `\.` + num + `$`) })
)

// ParseMinor parses "X.Y". Anything else is an error that names the accepted form.
func ParseMinor(s string) (Minor, error) {
	m := minorRE().FindStringSubmatch(s)
	if m == nil {
		return Minor{}, fmt.Errorf("invalid release %q: want X.Y, for example 4.15", s)
	}
	return Minor{atoi(m[1]), atoi(m[2])}, nil
}

// ParsePatch parses "X.Y.Z". Anything else is an error that names the accepted form.
func ParsePatch(s string) (Patch, error) {
	m := patchRE().FindStringSubmatch(s)
	if m == nil {
		return Patch{}, fmt.Errorf("invalid release %q: want X.Y.Z, for example 4.15.3", s)
	}
	return Patch{Minor: Minor{atoi(m[1]), atoi(m[2])}, Patch: atoi(m[3])}, nil
}

// candidateRE is an OpenShift candidate's pre-release: an engineering (ec), feature (fc) or
// release (rc) candidate and its number.
var candidateRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(ec|fc|rc)\.(0|[1-9][0-9]{0,3})$`) })

// ParseVersion parses a release X.Y.Z or an OpenShift candidate X.Y.Z-rc.N, -ec.N, -fc.N, as
// semantic versions (blang/semver, which the cluster-version operator and oc use): no leading
// "v", no leading zeros, no build metadata.
func ParseVersion(s string) (Patch, error) {
	bad := fmt.Errorf("invalid release %q: want X.Y.Z or a candidate X.Y.Z-rc.N (or -ec.N, -fc.N), for example 4.15.3 or 4.20.0-rc.3", s)
	v, err := semver.Parse(s)
	if err != nil || len(v.Build) > 0 || v.Major > 9999 || v.Minor > 9999 || v.Patch > 9999 {
		return Patch{}, bad
	}
	p := Patch{Minor: Minor{int(v.Major), int(v.Minor)}, Patch: int(v.Patch)}
	if len(v.Pre) > 0 {
		pre := s[len(fmt.Sprintf("%d.%d.%d-", v.Major, v.Minor, v.Patch)):]
		if !candidateRE().MatchString(pre) {
			return Patch{}, bad
		}
		p.Pre = pre
	}
	if p.String() != s {
		return Patch{}, bad
	}
	return p, nil
}

// IsCandidate reports whether p is a candidate rather than a release.
func (p Patch) IsCandidate() bool { return p.Pre != "" }

// Semver is p as a semantic version.
func (p Patch) Semver() semver.Version {
	v, err := semver.Parse(p.String())
	if err != nil {
		panic("release: unparsable version " + p.String()) // unreachable: Patch holds parsed parts
	}
	return v
}

// Compare orders releases by semantic version: a candidate comes before its release
// (4.20.0-ec.2 < 4.20.0-rc.3 < 4.20.0). Negative when a is older than b, 0 when equal.
func Compare(a, b Patch) int { return a.Semver().Compare(b.Semver()) }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("release: regexp admitted a non-number: " + s) // unreachable: the regexps admit digits only
	}
	return n
}

func (m Minor) String() string { return fmt.Sprintf("%d.%d", m.Major, m.Minor) }
func (p Patch) String() string {
	s := fmt.Sprintf("%d.%d.%d", p.Major, p.Minor.Minor, p.Patch)
	if p.Pre != "" {
		s += "-" + p.Pre
	}
	return s
}

// Channel is the update-graph channel to find p in: stable-X.Y, or candidate-X.Y for a
// candidate (candidates never reach stable).
func (p Patch) Channel() string {
	if p.IsCandidate() {
		return "candidate-" + p.Minor.String()
	}
	return p.Minor.Channel()
}

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
