package gomod

import (
	"golang.org/x/mod/module"
)

// Change is what a rule did to one module.
type Change struct {
	Module string `json:"module"`
	Kind   Kind   `json:"kind"`
	// Query is the branch (or revision, or Kubernetes tag) followed; empty for skip and
	// drop-replace.
	Query string `json:"query,omitempty"`
	// Old is what the wrapper built the module from before: its replacement, else the
	// required version.
	Old string `json:"old,omitempty"`
	// New is the replacement now, empty when dropped or skipped.
	New string `json:"new,omitempty"`
	Why string `json:"why,omitempty"`
	// Prefix is the prefix of the rule that named the module, if it named a prefix.
	Prefix string `json:"prefix,omitempty"`
	// explicit is a rule from the rules list, not a follow prefix.
	explicit bool
}

// Changed says whether the module's source moved.
func (c Change) Changed() bool { return c.Old != c.New && c.Kind != KindSkip }

// Fix is a replace the fix loop added because go failed with a chain.
type Fix struct {
	Chain   Chain          `json:"chain"`
	From    module.Version `json:"from"`
	Replace Inherited      `json:"replace"`
}

// Unbranched is a module that only a follow prefix named and that has no release branch: it
// is left to go mod.
type Unbranched struct {
	Module string `json:"module"`
	Branch string `json:"branch"`
	// Version is where go mod left it.
	Version string `json:"version"`
	// RequiredBy are the modules in the graph whose go.mod requires it.
	RequiredBy []string `json:"requiredBy,omitempty"`
}

// Unaligned is a Kubernetes module left alone: it has no such tag, or a fork replaces it.
type Unaligned struct {
	Module string `json:"module"`
	Why    string `json:"why"`
}

// Report is what a run did (or, dry, would do).
type Report struct {
	Release string `json:"release"`
	DryRun  bool   `json:"dryRun"`
	Strict  bool   `json:"strict,omitempty"`
	Rules   string `json:"rules"`
	// K8sTag is the Kubernetes tag the k8s rules align to, and K8sFrom where it came from.
	K8sTag      string       `json:"k8sTag,omitempty"`
	K8sFrom     string       `json:"k8sFrom,omitempty"`
	Changes     []Change     `json:"changes"`
	NotBranched []Unbranched `json:"notBranched,omitempty"`
	Unaligned   []Unaligned  `json:"unaligned,omitempty"`
	Inherited   []Inherited  `json:"inherited"`
	Fixes       []Fix        `json:"fixes"`
	Warnings    []string     `json:"warnings"`
	// GoModChanged says whether go.mod was written (by us or by go mod tidy); in a dry run,
	// whether it would be.
	GoModChanged bool `json:"goModChanged"`
	Tidied       bool `json:"tidied"`
	Vendored     bool `json:"vendored"`
	// Generated is the generate command that ran.
	Generated string `json:"generated,omitempty"`
	// ReportFile is where the Markdown report was written.
	ReportFile string `json:"reportFile,omitempty"`
	// Failed is a run that stopped with an error: go.mod, go.sum and vendor/ were put back.
	Failed bool `json:"failed,omitempty"`
}
