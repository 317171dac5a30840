package assess

import (
	"fmt"
	"go/version"
	"regexp"
	"sync"

	"golang.org/x/mod/modfile"
)

// Paths of the files that say which Go a release builds with.
const (
	GoModPath        = "go.mod"
	DockerfileCIPath = "images/installer/Dockerfile.ci"
	BuildScriptPath  = "hack/build.sh"
	TestScriptPath   = "hack/go-test.sh"
)

var (
	// FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.19-openshift-4.13 AS builder
	builderRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^FROM\s+\S*builder:\S*golang-([0-9]+\.[0-9]+(?:\.[0-9]+)?)\S*\s+AS\s+builder`)
	})
	// minimum_go_version=1.20 in hack/build.sh
	buildScriptRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^(\s*minimum_go_version=)([0-9]+\.[0-9]+(?:\.[0-9]+)?)`)
	})
	// the golang:1.20 image in hack/go-test.sh
	testScriptRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(golang:)([0-9]+\.[0-9]+(?:\.[0-9]+)?)`) })
)

// GoVersions is what a release's tree says about Go.
type GoVersions struct {
	// GoMod is go.mod's go directive, Builder the golang version of the CI builder image.
	GoMod   string `json:"gomod"`
	Builder string `json:"builder,omitempty"`
	// Required is the higher of the two: what the hack scripts must carry.
	Required string `json:"required"`
	// BuildScript and TestScript are what hack/build.sh and hack/go-test.sh carry ("" if absent).
	BuildScript string `json:"buildScript,omitempty"`
	TestScript  string `json:"testScript,omitempty"`
}

// ReadGoVersions reads the Go versions from a tree's files (a missing file is nil).
func ReadGoVersions(gomod, dockerfile, buildScript, testScript []byte) (GoVersions, error) {
	var v GoVersions
	if gomod == nil {
		return v, fmt.Errorf("%s not found: is this the installer?", GoModPath)
	}
	f, err := modfile.ParseLax(GoModPath, gomod, nil)
	if err != nil {
		return v, fmt.Errorf("parse %s: %w", GoModPath, err)
	}
	if f.Go == nil {
		return v, fmt.Errorf("%s has no go directive", GoModPath)
	}
	v.GoMod = f.Go.Version
	if m := builderRE().FindSubmatch(dockerfile); m != nil {
		v.Builder = string(m[1])
	}
	v.Required = Max(v.GoMod, v.Builder)
	if m := buildScriptRE().FindSubmatch(buildScript); m != nil {
		v.BuildScript = string(m[2])
	}
	if m := testScriptRE().FindSubmatch(testScript); m != nil {
		v.TestScript = string(m[2])
	}
	return v, nil
}

// Max is the higher of two Go versions ("1.21", "1.21.3"); an empty one counts as lowest.
func Max(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	if version.Compare("go"+a, "go"+b) >= 0 {
		return a
	}
	return b
}

// Less reports whether Go version a is lower than b.
func Less(a, b string) bool { return version.Compare("go"+a, "go"+b) < 0 }

// NeedsBump reports whether a hack script carries a Go version lower than required.
func (v GoVersions) NeedsBump() bool {
	return (v.BuildScript != "" && Less(v.BuildScript, v.Required)) || (v.TestScript != "" && Less(v.TestScript, v.Required))
}

// BumpScripts rewrites the Go versions of hack/build.sh and hack/go-test.sh to want and returns
// the new contents; a script that already carries want or more is returned unchanged.
func BumpScripts(buildScript, testScript []byte, want string) ([]byte, []byte) {
	bump := func(re *regexp.Regexp, b []byte) []byte {
		return re.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := re.FindSubmatch(m)
			if !Less(string(sub[2]), want) {
				return m
			}
			return append(append([]byte{}, sub[1]...), want...)
		})
	}
	return bump(buildScriptRE(), buildScript), bump(testScriptRE(), testScript)
}
