package gomod

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// RulesFile is where a wrapper repository keeps its module rules, relative to its root.
const RulesFile = "hack/releasekit-modules.json"

// Kind says what wrapper:vendor does with one module.
type Kind string

const (
	// KindFollow replaces the module with itself at release-X.Y.
	KindFollow Kind = "follow"
	// KindSkip leaves the module alone (it is not branched per OpenShift release, like hive).
	KindSkip Kind = "skip"
	// KindPin replaces the module with a fixed version (or the commit a revision names).
	KindPin Kind = "pin"
	// KindFork replaces an upstream module with an OpenShift fork at release-X.Y.
	KindFork Kind = "fork"
	// KindInstaller replaces the installer with the ARO fork at release-X.Y-azure, or with
	// upstream release-X.Y when Source is "upstream".
	KindInstaller Kind = "installer"
	// KindDropReplace removes our replace of the module, and inherits none for it.
	KindDropReplace Kind = "drop-replace"
)

var kinds = []Kind{KindFollow, KindSkip, KindPin, KindFork, KindInstaller, KindDropReplace}

// ErrUnknownKind is a rule whose kind is none of the known ones.
var ErrUnknownKind = errors.New("unknown rule kind")

// ErrBadRules is a rules file that cannot be used.
var ErrBadRules = errors.New("invalid module rules")

// Rule says what to do with one module path.
type Rule struct {
	// Module is the module path as the wrapper requires it.
	Module string `json:"module"`
	Kind   Kind   `json:"kind"`
	// Fork is the replacement module path of a fork rule, and of an installer rule (default
	// github.com/openshift/installer-aro); a pin rule may use it to pin a different path.
	Fork string `json:"fork,omitempty"`
	// Version is a pin rule's version: a semantic version used as is, or a commit or tag that
	// is resolved to its pseudo-version.
	Version string `json:"version,omitempty"`
	// Source is an installer rule's source: "fork" (default) or "upstream".
	Source string `json:"source,omitempty"`
	// Why is kept for people reading the file and shown in the report.
	Why string `json:"why,omitempty"`
}

// Rules are the module rules: explicit rules by module path, and the path prefixes whose
// required modules follow release-X.Y when no explicit rule names them.
type Rules struct {
	Follow []string `json:"follow,omitempty"`
	Rules  []Rule   `json:"rules,omitempty"`
	// Source is the file the rules came from, empty for the defaults.
	Source string `json:"-"`
}

// InstallerFork is the ARO fork of the installer.
const InstallerFork = "github.com/openshift/installer-aro"

// DefaultRules reproduce the wrapper's hack/update-go-module-dependencies.sh.
func DefaultRules() Rules {
	return Rules{
		Follow: []string{"github.com/openshift/"},
		Rules: []Rule{
			{Module: "github.com/openshift/installer", Kind: KindInstaller, Fork: InstallerFork, Why: "the ARO fork of the installer"},
			{Module: "github.com/openshift/hive", Kind: KindSkip, Why: "hive is not branched per OpenShift release"},
			{Module: "github.com/openshift/hive/apis", Kind: KindSkip, Why: "hive is not branched per OpenShift release"},
			{Module: "sigs.k8s.io/cluster-api-provider-azure", Kind: KindFork, Fork: "github.com/openshift/cluster-api-provider-azure", Why: "OpenShift carries its own CAPZ"},
		},
	}
}

// LoadRules reads dir's rules file over the defaults: a rule in the file replaces the default
// rule for the same module, and a "follow" list replaces the default prefixes. A repository
// without the file gets the defaults. file, when not empty, names another file to read.
func LoadRules(dir, file string) (Rules, error) {
	explicit := file != ""
	if !explicit {
		file = filepath.Join(dir, RulesFile)
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		r := DefaultRules()
		return r, r.Validate()
	}
	if err != nil {
		return Rules{}, fmt.Errorf("cannot read module rules: %w", err)
	}
	var fileRules Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fileRules); err != nil {
		return Rules{}, fmt.Errorf("%w in %s: %w", ErrBadRules, file, err)
	}
	fileRules.Source = file
	if err := fileRules.Validate(); err != nil {
		return Rules{}, err
	}
	merged := DefaultRules()
	merged.Source = file
	if fileRules.Follow != nil {
		merged.Follow = fileRules.Follow
	}
	for _, r := range fileRules.Rules {
		if i := slices.IndexFunc(merged.Rules, func(d Rule) bool { return d.Module == r.Module }); i >= 0 {
			merged.Rules[i] = r
		} else {
			merged.Rules = append(merged.Rules, r)
		}
	}
	return merged, merged.Validate()
}

// Validate checks every rule and fills in defaults (the installer fork path).
func (rs *Rules) Validate() error {
	where := "the default rules"
	if rs.Source != "" {
		where = rs.Source
	}
	for _, p := range rs.Follow {
		if strings.TrimSpace(p) == "" || strings.ContainsAny(p, " \t\n@") {
			return fmt.Errorf("%w in %s: follow prefix %q is not a module path prefix", ErrBadRules, where, p)
		}
	}
	seen := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		at := fmt.Sprintf("%s: rule %d (%s)", where, i+1, r.Module)
		if err := module.CheckPath(r.Module); err != nil {
			return fmt.Errorf("%w in %s: %w", ErrBadRules, at, err)
		}
		if seen[r.Module] {
			return fmt.Errorf("%w in %s: a second rule for the same module", ErrBadRules, at)
		}
		seen[r.Module] = true
		if !slices.Contains(kinds, r.Kind) {
			return fmt.Errorf("%w %q in %s: want one of %s", ErrUnknownKind, r.Kind, at, kindList())
		}
		if r.Kind == KindInstaller && r.Fork == "" {
			r.Fork = InstallerFork
		}
		if r.Fork != "" {
			if err := module.CheckPath(r.Fork); err != nil {
				return fmt.Errorf("%w in %s: fork: %w", ErrBadRules, at, err)
			}
			if r.Kind != KindFork && r.Kind != KindInstaller && r.Kind != KindPin {
				return fmt.Errorf("%w in %s: a %s rule takes no fork", ErrBadRules, at, r.Kind)
			}
		}
		switch r.Kind {
		case KindFork:
			if r.Fork == "" {
				return fmt.Errorf("%w in %s: a fork rule needs \"fork\", the replacement module path", ErrBadRules, at)
			}
		case KindPin:
			if r.Version == "" {
				return fmt.Errorf("%w in %s: a pin rule needs \"version\"", ErrBadRules, at)
			}
			if strings.HasPrefix(r.Version, "v") && semver.IsValid(r.Version) {
				if err := module.Check(r.target(r.Module), r.Version); err != nil {
					return fmt.Errorf("%w in %s: %w", ErrBadRules, at, err)
				}
			} else if strings.ContainsAny(r.Version, " \t\n@") || strings.HasPrefix(r.Version, "-") {
				return fmt.Errorf("%w in %s: version %q is neither a version nor a revision", ErrBadRules, at, r.Version)
			}
		case KindInstaller:
			if r.Source != "" && r.Source != "fork" && r.Source != "upstream" {
				return fmt.Errorf("%w in %s: source %q: want \"fork\" or \"upstream\"", ErrBadRules, at, r.Source)
			}
		}
		if r.Version != "" && r.Kind != KindPin {
			return fmt.Errorf("%w in %s: only a pin rule takes a version", ErrBadRules, at)
		}
		if r.Source != "" && r.Kind != KindInstaller {
			return fmt.Errorf("%w in %s: only an installer rule takes a source", ErrBadRules, at)
		}
	}
	return nil
}

func kindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// target is the module path the rule replaces path with.
func (r Rule) target(path string) string {
	if r.Fork != "" && (r.Kind != KindInstaller || r.Source != "upstream") {
		return r.Fork
	}
	return path
}

// lookup is the rule for a module path: an explicit rule, else follow when a prefix matches.
func (rs Rules) lookup(path string) (Rule, bool) {
	for _, r := range rs.Rules {
		if r.Module == path {
			return r, true
		}
	}
	for _, p := range rs.Follow {
		if strings.HasPrefix(path, p) {
			return Rule{Module: path, Kind: KindFollow}, true
		}
	}
	return Rule{}, false
}
