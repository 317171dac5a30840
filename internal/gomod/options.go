package gomod

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"golang.org/x/mod/semver"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/gocmd"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Options configure Run. The target fills them from its flags and environment; everything
// else (defaults, settings, checks) happens here.
type Options struct {
	// Dir is the wrapper repository (its go.mod is there).
	Dir string
	// Release is the OpenShift minor to point the modules at.
	Release release.Minor
	// Rules are the module rules; nil reads RulesFile (or Dir's hack/releasekit-modules.json)
	// over the defaults.
	Rules *Rules
	// RulesFile is -rules=FILE: "" for Dir's rules file, else the file to read (relative to
	// Dir), which must exist.
	RulesFile string
	// ReportFile is -report=FILE: where the Markdown report goes (relative to Dir), "" for
	// none. It is checked before anything changes.
	ReportFile string
	// DryRun resolves, plans and tidies in a scratch copy, and writes nothing.
	DryRun bool
	// Strict turns modules without the release branch and pin-guard warnings into errors.
	Strict bool
	// K8s is -k8s=vX.Y.Z: the Kubernetes tag for k8s rules, over the installer's.
	K8s string
	// Generate runs the repository's generate step after vendoring: GenerateCmd (the edge
	// fills it from RELEASEKIT_GENERATE), else "make generate" when the Makefile has that target.
	Generate    bool
	GenerateCmd string
	// Jobs bounds how many go commands run at once (default 16; the edge fills it from
	// RELEASEKIT_JOBS). They mostly wait on the network, so more than the number of CPUs pays.
	Jobs int
	// GoTimeout bounds each go command (default 10m; the edge fills it from
	// RELEASEKIT_GO_TIMEOUT).
	GoTimeout time.Duration
	// Retries is how often a transient resolution failure is retried (default 3, negative
	// for none), waiting RetryDelay (default 500ms) and doubling it each time.
	Retries    int
	RetryDelay time.Duration
	// MaxFixes bounds the fix loop (default 10).
	MaxFixes int
	// Env is added to the environment of every go command.
	Env []string
	// NoInherit leaves out replace inheritance, so that the fix loop alone meets go's
	// errors (to see what go says without it).
	NoInherit bool
	// Progress, when set, is told about each long step.
	Progress func(string)
}

// GenerateSetting names the generate step's setting, for hints.
const GenerateSetting = "RELEASEKIT_GENERATE"

// Validate checks the options and sets defaults. Its errors are usage errors with hints.
func (o *Options) Validate() error {
	if o.Dir == "" {
		return errors.New("no wrapper directory given")
	}
	if o.Release == (release.Minor{}) {
		return cli.Usage(errors.New("no release given"), "give the OpenShift minor, for example: "+cli.Cmd("wrapper:vendor", "4.15"))
	}
	if o.Jobs == 0 {
		o.Jobs = 16
	}
	if o.Jobs < 1 || o.Jobs > 256 {
		return cli.Usage(fmt.Errorf("jobs %d: want 1 to 256", o.Jobs))
	}
	if o.GoTimeout == 0 {
		o.GoTimeout = gocmd.DefaultTimeout
	}
	if o.K8s != "" && (!semver.IsValid(o.K8s) || semver.Canonical(o.K8s) != o.K8s || semver.Prerelease(o.K8s) != "") {
		return cli.Usage(fmt.Errorf("-k8s=%s: want a Kubernetes module tag such as v0.28.3", o.K8s))
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = 500 * time.Millisecond
	}
	if o.MaxFixes == 0 {
		o.MaxFixes = 10
	}
	if o.Rules != nil {
		if err := o.Rules.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

func (o *Options) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.Dir, p)
}
