// Package settings declares every RELEASEKIT_* environment setting once: its name, its default,
// its parser and its help. Only the edge (the command table) reads them; the packages that do
// the work get the parsed values in their Options.
package settings

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Info is what help shows of a setting.
type Info interface {
	Name() string
	Default() string
	Help() string
}

// Var is one setting of type T.
type Var[T any] struct {
	name, def, help string
	// value is the default.
	value T
	// emptySet: an empty value is a value (RELEASEKIT_VERIFY= means no verify), not the default.
	emptySet bool
	parse    func(name, s string) (T, error)
}

func (v *Var[T]) Name() string    { return v.name }
func (v *Var[T]) Default() string { return v.def }
func (v *Var[T]) Help() string    { return v.help }

// Lookup reports the setting's raw value and whether it is set (an empty value counts as unset
// unless the setting gives empty a meaning).
func (v *Var[T]) Lookup() (string, bool) {
	s, ok := os.LookupEnv(v.name)
	if !ok || (s == "" && !v.emptySet) {
		return "", false
	}
	return s, true
}

// Get is the setting's value: the environment's, parsed, or the default.
func (v *Var[T]) Get() (T, error) {
	s, ok := v.Lookup()
	if !ok {
		return v.value, nil
	}
	return v.parse(v.name, s)
}

var all []Info

func declare[T any](v *Var[T]) *Var[T] {
	all = append(all, v)
	return v
}

// All lists every setting, sorted by name.
func All() []Info {
	out := append([]Info(nil), all...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Lookup finds a setting by name.
func Lookup(name string) Info {
	for _, s := range all {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

func text(_, s string) (string, error) { return s, nil }

func str(name, def, help string) *Var[string] {
	return declare(&Var[string]{name: name, def: def, help: help, value: def, parse: text})
}

func duration(name string, def time.Duration, want, help string, format string) *Var[time.Duration] {
	return declare(&Var[time.Duration]{name: name, def: short(def), help: help, value: def,
		parse: func(name, s string) (time.Duration, error) {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return 0, fmt.Errorf(format, name, s, want)
			}
			return d, nil
		}})
}

// short prints a duration the way a user writes it: 2m, not 2m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// The fork targets.
var (
	ForkRemote     = str("RELEASEKIT_FORK_REMOTE", "origin", "the installer fork's remote")
	UpstreamRemote = str("RELEASEKIT_UPSTREAM_REMOTE", "upstream", "openshift/installer's remote")
	UpstreamURL    = str("RELEASEKIT_UPSTREAM_URL", "https://github.com/openshift/installer.git",
		"used to add the upstream remote when missing; its user and token are never printed")
	FetchTimeout = duration("RELEASEKIT_FETCH_TIMEOUT", 2*time.Minute, "a duration such as 2m or 90s",
		"fork:branch, fork:rebaseAgain, fork:share, fork:sync and -fetch/-sync give up a fetch that receives less than a byte a second for this long",
		"invalid %s %q: want %s")
	Verify = declare(&Var[string]{name: "RELEASEKIT_VERIFY", def: "./hack/build.sh && ./hack/go-test.sh", value: "./hack/build.sh && ./hack/go-test.sh",
		help: "run after each patch; empty for none (-verify= wins)", emptySet: true, parse: text})
	VerifyJobs = declare(&Var[int]{name: "RELEASEKIT_VERIFY_JOBS", def: "1", value: 1,
		help: "verifies at once, each in a worktree (-jobs= wins); 1 verifies after each pick in the work tree", parse: parseVerifyJobs})
	Regen = str("RELEASEKIT_REGEN", "cd hack/assets && go run ./assets.go", "regenerates data/assets_vfsdata.go")
)

// ErrJobs is a -jobs or RELEASEKIT_VERIFY_JOBS value that is not a count.
var ErrJobs = fmt.Errorf("jobs must be a whole number of 1 or more")

// ParseJobs reads a -jobs or RELEASEKIT_VERIFY_JOBS value.
func ParseJobs(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w, not %q", ErrJobs, s)
	}
	return n, nil
}

func parseVerifyJobs(_, s string) (int, error) { return ParseJobs(s) }

// wrapper:vendor.
var (
	Jobs = declare(&Var[int]{name: "RELEASEKIT_JOBS", def: "16", value: 16, help: "go commands wrapper:vendor runs at once",
		parse: func(name, s string) (int, error) {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 256 {
				return 0, fmt.Errorf("%s=%q: want a number from 1 to 256", name, s)
			}
			return n, nil
		}})
	GoTimeout = duration("RELEASEKIT_GO_TIMEOUT", 10*time.Minute, "a duration such as 90s or 15m",
		"the longest one go command of wrapper:vendor may take", "%s=%q: want %s")
	Generate = str("RELEASEKIT_GENERATE", "make generate (when the Makefile has it)", "the generate step of wrapper:vendor -generate")
)

// The rp targets and the network.
var (
	GraphURL    = str("RELEASEKIT_GRAPH_URL", "https://api.openshift.com", "the OpenShift update graph (Cincinnati)")
	ReleaseRepo = str("RELEASEKIT_RELEASE_REPO", "quay.io/openshift-release-dev/ocp-release", "release images")
	HTTPTimeout = duration("RELEASEKIT_HTTP_TIMEOUT", 30*time.Second, "a positive duration such as 30s or 2m",
		"each network request's connect and wait for an answer (update graph, registry, blob endpoint, Azure Resource Manager)",
		"invalid %s=%q: want %s")
)

// rp:registerVersion and release:status: the RP admin API and the installer images.
var (
	RPURL = str("RELEASEKIT_RP_URL", "https://localhost:8443", "the RP whose admin API rp:registerVersion and release:status use (-rp= wins)")
	ACR   = str("RELEASEKIT_ACR", "arointsvc.azurecr.io", "the registry of the installer image <acr>/aro-installer:release-X.Y (-acr= wins)")
)

// fork:pr and -pr: pull requests.
var (
	PRRemote     = str("RELEASEKIT_PR_REMOTE", "fork", "your fork's remote, where fork:pr and -pr push the branch (-remote= wins)")
	PRBaseRemote = str("RELEASEKIT_PR_BASE_REMOTE", "origin", "the remote of the wrapper or ARO-RP repository a -pr pull request goes to")
	GitHubAPIURL = str("GITHUB_API_URL", "https://api.github.com", "GitHub's API (GitHub Actions sets it); the token comes from GITHUB_TOKEN, GH_TOKEN or gh auth token")
)

// rhcos:publish.
var (
	StorageAccount = str("RELEASEKIT_STORAGE_ACCOUNT", "openshiftimages", "where rhcos:publish copies to")
	StorageGroup   = str("RELEASEKIT_STORAGE_RESOURCE_GROUP", "images", "its resource group")
	Subscription   = str("RELEASEKIT_SUBSCRIPTION_ID", "$AZURE_SUBSCRIPTION_ID", "its subscription (for the key lookup)")
	StorageKey     = str("RELEASEKIT_STORAGE_KEY", "", "the account key; skips the Azure login")
	BlobEndpoint   = str("RELEASEKIT_BLOB_ENDPOINT", "https://ACCOUNT.blob.core.windows.net/", "e.g. http://127.0.0.1:10000/devstoreaccount1 for Azurite")
)

// The program itself.
var (
	// GitReads is the one setting a domain package reads itself: internal/git (git.ReadsEnv)
	// checks it wherever a repository is opened, which every target does through git.Open.
	// Declared here so that help and the README list it.
	GitReads = declare(&Var[string]{name: "RELEASEKIT_GIT_READS", def: "git", value: "git",
		help: "who reads the repository's objects: git, or go-git (in process)", parse: oneOf("git", "go-git")})
	Prog    = str("RELEASEKIT_PROG", "", "the program name hints use (a wrapper script sets it to its own name)")
	DemoDir = str("RELEASEKIT_DEMO_DIR", "", "where demo keeps its repositories (default: a temporary directory, removed)")
)

// Value is a plain string setting whose default is a placeholder in help ("$AZURE_SUBSCRIPTION_ID",
// "ACCOUNT..."): the raw value, empty when unset.
func Value(v *Var[string]) string {
	s, _ := v.Lookup()
	return s
}

// oneOf parses a setting that takes one of a few words.
func oneOf(words ...string) func(name, s string) (string, error) {
	return func(name, s string) (string, error) {
		for _, w := range words {
			if s == w {
				return s, nil
			}
		}
		return "", fmt.Errorf("invalid %s %q: want %s", name, s, strings.Join(words, " or "))
	}
}
