package gomod

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
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
	// KindK8s replaces the module with itself at the installer's Kubernetes tag (the version
	// of k8s.io/api in the installer fork's go.mod, or -k8s); modules without that tag are
	// left alone, and so are modules a fork replaces.
	KindK8s Kind = "k8s"
)

var kinds = []Kind{KindFollow, KindSkip, KindPin, KindFork, KindInstaller, KindDropReplace, KindK8s}

// ErrUnknownKind is a rule whose kind is none of the known ones.
var ErrUnknownKind = errors.New("unknown rule kind")

// ErrBadRules is a rules file that cannot be used.
var ErrBadRules = errors.New("invalid module rules")

// Rule says what to do with one module path, or with every module under a path prefix.
type Rule struct {
	// Module is the module path as the wrapper requires it.
	Module string `json:"module,omitempty"`
	// Prefix, instead of Module, names every module whose path starts with it
	// ("github.com/metal3-io/"). The most specific rule for a path wins: a module rule over
	// any prefix, a longer prefix over a shorter one.
	Prefix string `json:"prefix,omitempty"`
	Kind   Kind   `json:"kind"`
	// Fork is the replacement module path of a fork rule, and of an installer rule (default
	// github.com/openshift/installer-aro); a pin rule may use it to pin a different path. In
	// a prefix rule it is the replacement prefix: the rest of the path is kept.
	Fork string `json:"fork,omitempty"`
	// Version is a pin rule's version: a semantic version used as is, or a commit or tag that
	// is resolved to its pseudo-version.
	Version string `json:"version,omitempty"`
	// Source is an installer rule's source: "fork" (default) or "upstream".
	Source string `json:"source,omitempty"`
	// Why is kept for people reading the file and shown in the report.
	Why string `json:"why,omitempty"`

	fromFollow bool
}

// Rules are the module rules: explicit rules by module path or prefix, and the path prefixes
// whose required modules follow release-X.Y when no more specific rule names them.
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
			{Prefix: "k8s.io/", Kind: KindK8s, Why: "Kubernetes modules move in lock step with the installer's"},
		},
	}
}

// LoadRules reads dir's rules file over the defaults: a rule in the file replaces the default
// rule for the same module (or the same prefix), and a "follow" list replaces the default prefixes. A repository
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
	// Strictly, as the README says: a second object or merge-conflict markers after the first,
	// a key in another case or a key twice are errors that name the line and the key.
	if err := jsonstrict.Unmarshal(data, &fileRules); err != nil {
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
		if i := slices.IndexFunc(merged.Rules, func(d Rule) bool { return d.key() == r.key() }); i >= 0 {
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
	seen := map[string]int{}
	for _, p := range rs.Follow {
		seen["prefix "+p] = -1
	}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		at := fmt.Sprintf("%s: rule %d (%s)", where, i+1, r.name())
		switch {
		case r.Module != "" && r.Prefix != "":
			return fmt.Errorf("%w in %s: a rule names a module or a prefix, not both", ErrBadRules, at)
		case r.Prefix != "":
			if strings.TrimSpace(r.Prefix) != r.Prefix || strings.ContainsAny(r.Prefix, " \t\n@") || strings.Count(r.Prefix, "/") == 0 && !strings.Contains(r.Prefix, ".") {
				return fmt.Errorf("%w in %s: prefix %q is not a module path prefix", ErrBadRules, at, r.Prefix)
			}
			if r.Kind == KindInstaller {
				return fmt.Errorf("%w in %s: an installer rule names one module, not a prefix", ErrBadRules, at)
			}
		default:
			if err := module.CheckPath(r.Module); err != nil {
				return fmt.Errorf("%w in %s: %w", ErrBadRules, at, err)
			}
		}
		if j, dup := seen[r.key()]; dup {
			other := "the follow prefix " + strconv.Quote(r.Prefix)
			if j >= 0 {
				other = fmt.Sprintf("rule %d (%s)", j+1, rs.Rules[j].name())
			}
			what := "module"
			if r.Prefix != "" {
				what = "prefix"
			}
			return fmt.Errorf("%w in %s: %s and rule %d (%s) name the same %s: keep one", ErrBadRules, where, other, i+1, r.name(), what)
		}
		seen[r.key()] = i
		if !slices.Contains(kinds, r.Kind) {
			return fmt.Errorf("%w %q in %s: want one of %s", ErrUnknownKind, r.Kind, at, kindList())
		}
		if r.Kind == KindInstaller && r.Fork == "" {
			r.Fork = InstallerFork
		}
		if r.Fork != "" && r.Kind != KindFork && r.Kind != KindInstaller && r.Kind != KindPin {
			return fmt.Errorf("%w in %s: a %s rule takes no fork", ErrBadRules, at, r.Kind)
		}
		if r.Fork != "" && r.Prefix != "" {
			if strings.ContainsAny(r.Fork, " \t\n@") || strings.HasSuffix(r.Prefix, "/") != strings.HasSuffix(r.Fork, "/") {
				return fmt.Errorf("%w in %s: fork prefix %q must end the way the prefix does", ErrBadRules, at, r.Fork)
			}
		} else if r.Fork != "" {
			if err := module.CheckPath(r.Fork); err != nil {
				return fmt.Errorf("%w in %s: fork: %w", ErrBadRules, at, err)
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
			if strings.HasPrefix(r.Version, "v") && semver.IsValid(r.Version) && r.Prefix == "" {
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

// key identifies what a rule names, for overriding and for conflicts.
func (r Rule) key() string {
	if r.Prefix != "" {
		return "prefix " + r.Prefix
	}
	return "module " + r.Module
}

// name is the rule's module, or its prefix with a star, for messages.
func (r Rule) name() string {
	if r.Prefix != "" {
		return r.Prefix + "*"
	}
	return r.Module
}

// target is the module path the rule replaces path with.
func (r Rule) target(path string) string {
	if r.Fork == "" || (r.Kind == KindInstaller && r.Source == "upstream") {
		return path
	}
	if r.Prefix != "" {
		return r.Fork + strings.TrimPrefix(path, r.Prefix)
	}
	return r.Fork
}

// explicit says whether the rule comes from the rules list, not from a follow prefix.
func (r Rule) explicit() bool { return !r.fromFollow }

// lookup is the most specific rule for a module path: a module rule, else the rule or follow
// prefix with the longest prefix of the path. Validate has refused two rules that name the
// same module or prefix, and two different prefixes of one path differ in length.
func (rs Rules) lookup(path string) (Rule, bool) {
	best, bestLen, found := Rule{}, -1, false
	for _, r := range rs.Rules {
		switch {
		case r.Module == path:
			return r, true
		case r.Prefix != "" && strings.HasPrefix(path, r.Prefix) && len(r.Prefix) > bestLen:
			best, bestLen, found = r, len(r.Prefix), true
		}
	}
	for _, p := range rs.Follow {
		if strings.HasPrefix(path, p) && len(p) > bestLen {
			best, bestLen, found = Rule{Prefix: p, Kind: KindFollow, fromFollow: true}, len(p), true
		}
	}
	if found {
		best.Module = path
	}
	return best, found
}
