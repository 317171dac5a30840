// Package gomod points the installer wrapper's modules at an OpenShift release and keeps its
// go.mod buildable: rule-driven replaces, replaces inherited from dependencies, a fix loop for
// placeholder-version chains, then go mod tidy and go mod vendor.
package gomod

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
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
	// RulesFile is -rules=FILE: nil for Dir's rules file, else the file to read (relative to
	// Dir), which must exist.
	RulesFile *string
	// ReportFile is -report=FILE: where the Markdown report goes (relative to Dir). It is
	// checked before anything changes.
	ReportFile *string
	// DryRun resolves, plans and tidies in a scratch copy, and writes nothing.
	DryRun bool
	// Strict turns modules without the release branch and pin-guard warnings into errors.
	Strict bool
	// K8s is -k8s=vX.Y.Z: the Kubernetes tag for k8s rules, over the installer's.
	K8s string
	// Generate runs the repository's generate step after vendoring: GenerateCmd, else
	// RELEASEKIT_GENERATE, else "make generate" when the Makefile has that target.
	Generate    bool
	GenerateCmd string
	// Jobs bounds how many go commands run at once (default RELEASEKIT_JOBS, else 16). They
	// mostly wait on the network, so more than the number of CPUs pays.
	Jobs int
	// GoTimeout bounds each go command (default RELEASEKIT_GO_TIMEOUT, else 10m).
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
	// Getenv reads the RELEASEKIT_* settings (nil: the process environment).
	Getenv func(string) string
}

// Settings read from the environment.
const (
	JobsSetting     = "RELEASEKIT_JOBS"
	GenerateSetting = "RELEASEKIT_GENERATE"
)

// Validate checks the options and sets defaults. Its errors are usage errors with hints.
func (o *Options) Validate() error {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Dir == "" {
		return errors.New("no wrapper directory given")
	}
	if o.Release == (release.Minor{}) {
		return cli.Usage(errors.New("no release given"), "give the OpenShift minor, for example: "+cli.Cmd("wrapper:vendor", "4.15"))
	}
	if o.Jobs == 0 {
		if v := o.Getenv(JobsSetting); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 256 {
				return cli.Usage(fmt.Errorf("%s=%q: want a number from 1 to 256", JobsSetting, v), "unset it for the default, 16")
			}
			o.Jobs = n
		} else {
			o.Jobs = 16
		}
	}
	if o.Jobs < 1 || o.Jobs > 256 {
		return cli.Usage(fmt.Errorf("jobs %d: want 1 to 256", o.Jobs))
	}
	if o.GoTimeout == 0 {
		d, err := gocmd.ParseTimeout(o.Getenv(gocmd.TimeoutSetting))
		if err != nil {
			return cli.Usage(err, "unset it for the default, "+gocmd.DefaultTimeout.String())
		}
		o.GoTimeout = d
	}
	if o.K8s != "" && (!semver.IsValid(o.K8s) || semver.Canonical(o.K8s) != o.K8s || semver.Prerelease(o.K8s) != "") {
		return cli.Usage(fmt.Errorf("-k8s=%s: want a Kubernetes module tag such as v0.28.3", o.K8s))
	}
	if o.RulesFile != nil && *o.RulesFile == "" {
		return cli.Usage(errors.New("-rules= names no file"), "give the rules file: -rules="+RulesFile)
	}
	if o.ReportFile != nil && *o.ReportFile == "" {
		return cli.Usage(errors.New("-report= names no file"), "give the Markdown file to write: -report=wrapper-vendor.md")
	}
	if o.Generate && o.GenerateCmd == "" {
		o.GenerateCmd = o.Getenv(GenerateSetting)
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

// Run points the wrapper at opts.Release: it resolves every rule's branch, edits the replaces,
// carries over the replaces of dependencies, then runs go mod tidy (and go mod vendor when the
// repository vendors), repairing placeholder chains as go reports them, and, with Generate,
// the generate step. A dry run does the same in a scratch copy. In every failure go.mod,
// go.sum and vendor/ are as they were; only a failed generate step keeps the vendored result.
// Errors carry hints (cli.Fail).
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, cli.Usage(err)
	}
	rules := opts.Rules
	if rules == nil {
		file := ""
		if opts.RulesFile != nil {
			file = opts.path(*opts.RulesFile)
		}
		r, err := LoadRules(opts.Dir, file)
		if err != nil {
			return nil, cli.Fail(err, rulesHints(opts.Dir, file)...)
		}
		rules = &r
	}
	if opts.ReportFile != nil {
		if err := checkWritable(opts.path(*opts.ReportFile)); err != nil {
			return nil, cli.Fail(err, "give a -report= file in a directory that exists and that you can write", untouched)
		}
	}
	if opts.Generate {
		cmd, err := generateCmd(&opts)
		if err != nil {
			return nil, err
		}
		opts.GenerateCmd = cmd
	}
	rep := &Report{Release: opts.Release.String(), DryRun: opts.DryRun, Strict: opts.Strict, Rules: rules.Source}
	if rep.Rules == "" {
		rep.Rules = "defaults"
	} else if rel, err := filepath.Rel(opts.Dir, rep.Rules); err == nil && !strings.HasPrefix(rel, "..") {
		rep.Rules = filepath.ToSlash(rel) + " over the defaults"
	}
	err := vendor(ctx, &opts, *rules, rep)
	if err != nil {
		rep.Failed = true
		return rep, cli.Fail(err, vendorHints(err, &opts, rules.Source)...)
	}
	var genErr error
	if opts.Generate && !opts.DryRun {
		// It runs on the written result: a failure keeps go.mod, go.sum and vendor/.
		rep.Generated, genErr = generate(ctx, &opts)
	}
	if opts.ReportFile != nil {
		path := opts.path(*opts.ReportFile)
		if err := fsutil.WriteFile(path, []byte(rep.Markdown()), 0o666); err != nil {
			return rep, cli.Fail(fmt.Errorf("cannot write the report to %s: %w", path, err))
		}
		rep.ReportFile = *opts.ReportFile
	}
	return rep, genErr
}

// checkWritable makes sure a file can be written at path, without leaving anything behind.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("cannot write the report to %s: it is a directory", path)
	}
	f, err := os.CreateTemp(dir, ".releasekit-report-*")
	if err != nil {
		return fmt.Errorf("cannot write the report to %s: %w", path, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// vendor runs the rounds in the repository (backed up and restored on failure) or, for a dry
// run, in a scratch copy.
func vendor(ctx context.Context, opts *Options, rules Rules, rep *Report) (err error) {
	orig, err := readGoMod(opts.Dir)
	if err != nil {
		return err
	}
	work, vendors := opts.Dir, false
	if opts.DryRun {
		if err := busy(backupDir(opts.Dir)); err != nil {
			return err // its go.mod may be half edited
		}
		scratch, done, err := scratchCopy(opts.Dir)
		if err != nil {
			return err
		}
		defer done()
		work = scratch
		// Compared with the copy, whose local replaces are absolute, as the result will be.
		if orig, err = readGoMod(scratch); err != nil {
			return err
		}
	} else {
		tx, berr := begin(opts.Dir)
		if berr != nil {
			return berr
		}
		if tx.recovered != "" {
			rep.Warnings = append(rep.Warnings, tx.recovered)
			opts.progress("%s", tx.recovered)
			if orig, err = readGoMod(opts.Dir); err != nil {
				tx.rollback()
				return err
			}
		}
		vendors = tx.vendors()
		// err is the named result: every failure below, a panic aside, is put back.
		defer func() {
			if err != nil {
				if rerr := tx.rollback(); rerr != nil {
					err = fmt.Errorf("%w; and go.mod, go.sum and vendor/ could not be put back: %w", err, rerr)
				}
				return
			}
			err = tx.commit()
		}()
	}
	return rounds(ctx, opts, rules, rep, work, orig, vendors)
}

// rounds plans, resolves, edits, tidies and vendors in dir, until go mod tidy adds nothing the
// rules cover; then it checks the result against the pin guard.
func rounds(ctx context.Context, opts *Options, rules Rules, rep *Report, dir string, orig *goModFile, vendors bool) error {
	g := gocmd.Runner{Env: opts.Env, Timeout: opts.GoTimeout}
	f := newFetcher(g, opts.Jobs, dir)
	planned := map[string]bool{}
	gm, err := readGoMod(dir)
	if err != nil {
		return err
	}
	k := &k8sState{tag: opts.K8s, aligned: map[string]bool{}}
	if k.tag != "" {
		k.from = "-k8s"
	}
	// go mod tidy can add requirements that the rules cover (a new github.com/openshift module
	// the installer brings in): those get their rule in another round, so that the next run
	// finds nothing to do.
	for round := 1; ; round++ {
		if round > 1 {
			if gm, err = readGoMod(dir); err != nil {
				return err
			}
		}
		changes, queries, managed := plan(gm.f, rules, opts.Release)
		if round > 1 {
			changes, queries = unplanned(changes, planned)
			if !slices.ContainsFunc(changes, func(c Change) bool { return c.Kind != KindSkip }) || round > 3 {
				rep.Changes = append(rep.Changes, changes...)
				break
			}
			opts.progress("go mod tidy added modules the rules cover: another round")
		}
		st := &planState{rules: rules, changes: changes, queries: queries, managed: managed, planned: planned, k8s: k}
		if _, err := prepare(ctx, g, f, opts, gm, rep, st); err != nil {
			if round == 1 {
				return err
			}
			return fmt.Errorf("after go mod tidy: %w", err)
		}
		written, err := gm.write()
		if err != nil {
			return err
		}
		if round > 1 && !written {
			break // the round changed nothing (modules left to go mod): tidy has run on this go.mod
		}
		if err := tidyAndVendor(ctx, g, f, opts, rep, dir, managed, vendors); err != nil {
			return err
		}
	}
	final, err := readGoMod(dir)
	if err != nil {
		return err
	}
	rep.GoModChanged = string(final.data) != string(orig.data)
	gr, err := walk(ctx, f, final.f)
	if err != nil {
		return err
	}
	rep.K8sTag, rep.K8sFrom = k.tag, k.from
	rep.Unaligned = k.unaligned
	unbranched(rep, final.f, gr)
	rep.Warnings = slices.DeleteFunc(rep.Warnings, func(w string) bool { return strings.HasPrefix(w, k8sPrefix) })
	rep.Warnings = append(rep.Warnings, k8sSkew(final.f, gr)...)
	guard := pinGuard(orig.f, final.f, rep.Changes)
	rep.Warnings = append(rep.Warnings, guard...)
	if opts.Strict && len(guard) > 0 {
		return &GuardError{Warnings: guard}
	}
	return nil
}

// unplanned keeps the changes (and their queries) for modules no earlier round planned.
func unplanned(changes []Change, planned map[string]bool) ([]Change, []Query) {
	var keep []Change
	var qs []Query
	seen := map[Query]bool{}
	for _, c := range changes {
		if planned[c.Module] {
			continue
		}
		keep = append(keep, c)
		if c.Query != "" {
			path, query, _ := strings.Cut(c.New, "@")
			if q := (Query{path, query}); !seen[q] {
				seen[q] = true
				qs = append(qs, q)
			}
		}
	}
	return keep, qs
}

// planState is one round's plan and what earlier rounds planned.
type planState struct {
	rules   Rules
	changes []Change
	queries []Query
	managed func(string) bool
	planned map[string]bool
	k8s     *k8sState
}

// k8sState is the Kubernetes tag the k8s rules align to, once known, and the modules left alone.
type k8sState struct {
	tag, from string
	unaligned []Unaligned
	// aligned are the modules replaced at the tag.
	aligned map[string]bool
}

// apply resolves changes' queries and edits gm (in memory). A module that only a follow
// prefix named and whose branch does not exist is left to go mod (an error with -strict); k8s
// changes are resolved once the installer's Kubernetes tag is known.
func (st *planState) apply(ctx context.Context, g gocmd.Runner, f *fetcher, opts *Options, gm *goModFile, rep *Report, changes []Change, queries []Query) error {
	for _, c := range changes {
		st.planned[c.Module] = true
	}
	opts.progress("resolving %d module branches (%d at a time)", len(queries), opts.Jobs)
	res := resolver{g: g, jobs: opts.Jobs, retries: opts.Retries, retryDelay: opts.RetryDelay, progress: opts.Progress}
	resolved, err := res.resolveAll(ctx, queries)
	if err != nil {
		missing, rest := splitNotFound(err)
		var unbranched []Query
		for _, q := range missing {
			if !opts.Strict && onlyFollowed(changes, q) {
				unbranched = append(unbranched, q.Query)
				continue
			}
			rest = append(rest, q.err)
		}
		if len(rest) > 0 {
			return errors.Join(rest...)
		}
		for _, q := range unbranched {
			opts.progress("%s has no branch %s: left to go mod", q.Path, q.Query)
			rep.NotBranched = append(rep.NotBranched, Unbranched{Module: q.Path, Branch: q.Query})
			changes = slices.DeleteFunc(changes, func(c Change) bool { return c.Module == q.Path && c.Kind == KindFollow })
		}
	}
	if err := st.k8sTag(f, changes, resolved); err != nil {
		return err
	}
	changes, err = st.alignK8s(ctx, res, gm, changes, resolved)
	if err != nil {
		return err
	}
	if err := applyChanges(gm.f, changes, resolved); err != nil {
		return err
	}
	rep.Changes = append(rep.Changes, changes...)
	// Resolution already read the go.mod of every module it resolved.
	for _, r := range resolved {
		if data, err := os.ReadFile(r.GoMod); err == nil {
			f.parse(module.Version{Path: r.Path, Version: r.Version}, r.GoMod, data)
		}
	}
	return nil
}

// missingQuery is a query whose revision does not exist, with its error.
type missingQuery struct {
	Query
	err error
}

// splitNotFound sorts resolution errors into missing revisions and the rest.
func splitNotFound(err error) ([]missingQuery, []error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var missing []missingQuery
	var rest []error
	for _, e := range errs {
		var re *ResolveError
		if errors.As(e, &re) && errors.Is(e, ErrRevisionNotFound) {
			missing = append(missing, missingQuery{Query{re.Path, re.Query}, e})
			continue
		}
		rest = append(rest, e)
	}
	return missing, rest
}

// onlyFollowed says whether every change that asked q comes from a follow prefix.
func onlyFollowed(changes []Change, q missingQuery) bool {
	any := false
	for _, c := range changes {
		if c.Query == q.Query.Query && strings.HasPrefix(c.New, q.Path+"@") {
			if c.Kind != KindFollow || c.explicit {
				return false
			}
			any = true
		}
	}
	return any
}

// prepare resolves the planned changes, applies them to gm (in memory), and carries over the
// replaces of dependencies until the graph stops moving. It returns the graph.
func prepare(ctx context.Context, g gocmd.Runner, f *fetcher, opts *Options, gm *goModFile, rep *Report, st *planState) (*graph, error) {
	if err := st.apply(ctx, g, f, opts, gm, rep, st.changes, st.queries); err != nil {
		return nil, err
	}
	var gr *graph
	var err error
	for round := 1; ; round++ {
		opts.progress("reading the module graph (round %d)", round)
		if gr, err = walk(ctx, f, gm.f); err != nil {
			return nil, err
		}
		moved := false
		// A rule written for a module the wrapper does not name yet (a pin, a fork, a k8s
		// alignment) acts once the new release brings the module into the graph.
		var paths []string
		for p := range gr.selected {
			if !st.planned[p] {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		if more, qs := planPaths(gm.f, st.rules, opts.Release, paths, true); len(more) > 0 {
			if err := st.apply(ctx, g, f, opts, gm, rep, more, qs); err != nil {
				return nil, err
			}
			moved = true
		}
		if opts.NoInherit {
			if moved && round < 10 {
				continue
			}
			break
		}
		found, local, err := inherit(gr, gm.f, st.managed, func(p string) bool { return st.k8s.aligned[p] })
		if err != nil {
			return nil, err
		}
		for _, l := range local {
			rep.Warnings = appendNew(rep.Warnings, "cannot inherit: "+l)
		}
		for _, in := range found {
			if !in.Changed() {
				continue
			}
			if st.aligned(rep, in) {
				continue
			}
			if err := gm.f.AddReplace(in.Old.Path, in.Old.Version, in.New.Path, in.New.Version); err != nil {
				return nil, fmt.Errorf("cannot add replace for %s: %w", in.Old.Path, err)
			}
			rep.Inherited = append(rep.Inherited, in)
			moved = true
		}
		if !moved || round >= 10 {
			break
		}
	}
	for m, why := range gr.unread {
		rep.Warnings = appendNew(rep.Warnings, fmt.Sprintf("cannot read the go.mod of %s: %s", m, why))
	}
	slices.Sort(rep.Warnings)
	return gr, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// plan lists what each rule does to the modules the wrapper's go.mod names, and the queries
// to resolve. managed says which module paths the rules own (inheritance leaves them alone).
func plan(mf *modfile.File, rules Rules, rel release.Minor) ([]Change, []Query, func(string) bool) {
	named := map[string]bool{}
	var paths []string
	for _, r := range mf.Require {
		if !named[r.Mod.Path] {
			named[r.Mod.Path] = true
			paths = append(paths, r.Mod.Path)
		}
	}
	for _, r := range mf.Replace {
		if !named[r.Old.Path] {
			named[r.Old.Path] = true
			paths = append(paths, r.Old.Path)
		}
	}
	slices.Sort(paths)
	changes, queries := planPaths(mf, rules, rel, paths, false)
	ownedPaths := map[string]bool{}
	for _, c := range changes {
		// A k8s alignment gives way to a fork that a dependency replaces the module with.
		if c.Kind != KindK8s {
			ownedPaths[c.Module] = true
		}
	}
	return changes, queries, func(p string) bool {
		if ownedPaths[p] {
			return true
		}
		r, ok := rules.lookup(p)
		return ok && r.Module == p && !r.fromFollow && r.Prefix == "" && r.Kind != KindK8s
	}
}

// planPaths plans the rules for paths. graphOnly plans the modules the build graph brings in
// and go.mod does not name yet: only module rules that replace (pin, fork, installer) and k8s
// rules act there; follow prefixes, prefix forks and pins wait until go mod tidy requires the
// module.
func planPaths(mf *modfile.File, rules Rules, rel release.Minor, paths []string, graphOnly bool) ([]Change, []Query) {
	var changes []Change
	var queries []Query
	seen := map[Query]bool{}
	for _, p := range paths {
		r, ok := rules.lookup(p)
		if !ok {
			continue
		}
		if graphOnly && r.Kind != KindK8s && (r.Prefix != "" || r.Kind == KindSkip || r.Kind == KindDropReplace) {
			continue
		}
		if (r.Kind == KindFollow || r.Kind == KindFork || r.Kind == KindPin) && r.Prefix != "" && !graphOnly && !required(mf, p) {
			// A prefix is for what the wrapper requires; a lone replace is someone's choice.
			continue
		}
		c := Change{Module: p, Kind: r.Kind, Old: current(mf, p), Why: r.Why, explicit: r.explicit()}
		if r.Prefix != "" && !r.fromFollow {
			c.Prefix = r.Prefix
		}
		var q Query
		switch r.Kind {
		case KindSkip:
			c.New = c.Old
		case KindDropReplace:
		case KindK8s:
			// The tag is known once the installer is resolved (alignK8s).
			c.New = c.Old
		case KindFollow:
			q = Query{p, rel.UpstreamBranch()}
		case KindFork:
			q = Query{r.target(p), rel.UpstreamBranch()}
		case KindInstaller:
			if r.Source == "upstream" {
				q = Query{p, rel.UpstreamBranch()}
			} else {
				q = Query{r.target(p), rel.ForkBranch()}
			}
		case KindPin:
			if semver.IsValid(r.Version) {
				c.New = r.target(p) + " " + r.Version
			} else {
				q = Query{r.target(p), r.Version}
			}
		}
		if q.Path != "" {
			c.Query = q.Query
			c.New = q.Path + "@" + q.Query // filled in once resolved
			if !seen[q] {
				seen[q] = true
				queries = append(queries, q)
			}
		}
		changes = append(changes, c)
	}
	return changes, queries
}

func required(mf *modfile.File, p string) bool {
	return slices.ContainsFunc(mf.Require, func(r *modfile.Require) bool { return r.Mod.Path == p })
}

// current is what the wrapper builds p from: its replacement, else its required version.
func current(mf *modfile.File, p string) string {
	for _, r := range mf.Replace {
		if r.Old.Path == p {
			if r.New.Path == p {
				return r.New.Version
			}
			return newString(r.New)
		}
	}
	for _, r := range mf.Require {
		if r.Mod.Path == p {
			return r.Mod.Version
		}
	}
	return ""
}

// applyChanges edits the replaces the plan calls for, with the resolved versions.
func applyChanges(mf *modfile.File, changes []Change, resolved map[Query]Resolved) error {
	for i := range changes {
		c := &changes[i]
		var to module.Version
		switch c.Kind {
		case KindSkip:
			continue
		case KindK8s:
			if c.Query == "" {
				continue // left alone
			}
			r, ok := resolved[Query{c.Module, c.Query}]
			if !ok {
				return fmt.Errorf("internal error: %s@%s was not resolved", c.Module, c.Query)
			}
			to = module.Version{Path: c.Module, Version: r.Version}
		case KindDropReplace:
			for _, r := range slices.Clone(mf.Replace) {
				if r.Old.Path == c.Module {
					if err := mf.DropReplace(r.Old.Path, r.Old.Version); err != nil {
						return fmt.Errorf("cannot drop replace of %s: %w", c.Module, err)
					}
				}
			}
			c.New = current(mf, c.Module)
			continue
		default:
			if c.Query != "" {
				path, query, _ := strings.Cut(c.New, "@")
				r, ok := resolved[Query{path, query}]
				if !ok {
					return fmt.Errorf("internal error: %s@%s was not resolved", path, query)
				}
				to = module.Version{Path: path, Version: r.Version}
			} else {
				path, v, _ := strings.Cut(c.New, " ")
				to = module.Version{Path: path, Version: v}
			}
		}
		if err := mf.AddReplace(c.Module, "", to.Path, to.Version); err != nil {
			return fmt.Errorf("cannot replace %s: %w", c.Module, err)
		}
		if to.Path == c.Module {
			c.New = to.Version
		} else {
			c.New = newString(to)
		}
	}
	return nil
}
