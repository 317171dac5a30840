//go:build mage

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/gomod"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Wrapper holds the targets for the installer wrapper repository (openshift/installer-aro-wrapper).
type Wrapper mg.Namespace

// Vendor points the wrapper's OpenShift modules at release-X.Y, repairs replace chains, then tidies and vendors.
//
// Run it in the installer wrapper repository. Each module the rules name gets a replace at its
// branch: github.com/openshift/* modules the wrapper requires follow release-X.Y, the installer
// is replaced by the ARO fork's release-X.Y-azure, hive is skipped, CAPZ comes from the
// OpenShift fork. Branches are resolved with the go command, honouring GOPROXY, GOPRIVATE,
// GONOPROXY and GOFLAGS. Replaces that dependencies rely on but Go does not carry over are
// copied into go.mod; then go mod tidy runs (and go mod vendor when the repository vendors),
// and chains ending in v0.0.0-00010101000000-000000000000 are repaired from the go.mod of the
// module that requires the placeholder.
//
// Rules come from hack/releasekit-modules.json (or -rules=FILE) over the defaults.
// Flags: -dryrun resolves and prints the plan, writing nothing; -json prints the report as JSON;
// -report=FILE also writes it as Markdown, ready for the pull request's body.
// Environment: RELEASEKIT_JOBS, how many go commands run at once (default 16).
func (Wrapper) Vendor(ctx context.Context, xy string, dryrun *bool, rules *string, json *bool, report *string) error {
	rel, err := release.ParseMinor(xy)
	if err != nil {
		return fail(err, "give the OpenShift minor, for example: releasekit wrapper:vendor 4.15")
	}
	dir, err := workdir()
	if err != nil {
		return err
	}
	opts := gomod.Options{Dir: dir, Release: rel, DryRun: isSet(dryrun), Progress: func(s string) { logf("%s", s) }}
	if v := envOr("RELEASEKIT_JOBS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return fail(fmt.Errorf("RELEASEKIT_JOBS=%q: want a number from 1 to 256", v))
		}
		opts.Jobs = n
	}
	if rules != nil {
		if *rules == "" {
			return fail(errors.New("-rules= names no file"), "give the rules file: -rules=hack/releasekit-modules.json")
		}
		rs, err := gomod.LoadRules(dir, *rules)
		if err != nil {
			return fail(err, rulesHints()...)
		}
		opts.Rules = &rs
	}
	if report != nil && *report == "" {
		return fail(errors.New("-report= names no file"), "give the Markdown file to write: -report=wrapper-vendor.md")
	}
	rep, err := gomod.Vendor(ctx, opts)
	if rep != nil && report != nil {
		if werr := os.WriteFile(*report, []byte(rep.Markdown()), 0o666); werr != nil {
			return fail(fmt.Errorf("cannot write the report: %w", werr))
		}
		logf("report written to %s", *report)
	}
	if rep != nil && err == nil {
		if isSet(json) {
			return printJSON(rep)
		}
		printVendorReport(rep)
		return nil
	}
	if rep != nil && !isSet(json) {
		printVendorReport(rep)
	}
	touched := rep != nil && (rep.GoModChanged || rep.Tidied)
	return fail(err, vendorHints(err, rel, touched)...)
}

func rulesHints() []string {
	return []string{
		"kinds: follow, skip, pin, fork, installer, drop-replace (see the README, \"Module rules\")",
		"fix " + gomod.RulesFile + ", then run the target again; go.mod is untouched",
	}
}

func vendorHints(err error, rel release.Minor, touched bool) []string {
	again := "then run \"releasekit wrapper:vendor " + rel.String() + "\" again"
	kept := "go.mod keeps the edits made so far: \"git diff go.mod\" shows them, \"git checkout go.mod go.sum vendor\" undoes them"
	untouched := "go.mod is untouched"
	if touched {
		untouched = kept
	}
	var (
		ce *gomod.ConflictError
		ue *gomod.UnfixableError
		se *gomod.StepError
	)
	switch {
	case errors.Is(err, gomod.ErrNoGoMod):
		return []string{"run it in the installer wrapper repository, where its go.mod is"}
	case errors.Is(err, gomod.ErrBadRules), errors.Is(err, gomod.ErrUnknownKind):
		return rulesHints()
	case errors.Is(err, gomod.ErrRevisionNotFound):
		return []string{
			"check that each branch named above exists in its module's repository (and that GOPROXY/GOPRIVATE reach it)",
			"a module not branched for " + rel.String() + " can get a skip or pin rule in " + gomod.RulesFile,
			untouched,
		}
	case errors.As(err, &ce):
		return []string{
			"pick one: add {\"module\": \"" + ce.Module + "\", \"kind\": \"pin\", \"fork\": \"<path>\", \"version\": \"<version>\"} to " + gomod.RulesFile,
			again,
			untouched,
		}
	case errors.As(err, &ue):
		return []string{
			"add the replace to go.mod by hand (go mod edit -replace " + ue.Chain.Failing.Path + "=PATH@VERSION), " + again,
			kept,
		}
	case errors.As(err, &se):
		return []string{
			kept,
			"fix what go reports (often code that must follow the new dependencies), " + again,
		}
	case errors.Is(err, gomod.ErrGoModChanged):
		return []string{"something else wrote go.mod meanwhile; " + again}
	}
	return nil
}

func printVendorReport(rep *gomod.Report) {
	head := "wrapper:vendor " + rep.Release
	if rep.DryRun {
		head += " (dry run: nothing written)"
	}
	fmt.Fprintf(out, "%s\nrules: %s\n", head, rep.Rules)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nmodule\trule\tbranch\tversion")
	for _, c := range rep.Changes {
		ver := c.Old + " → " + c.New
		switch {
		case c.Kind == gomod.KindSkip:
			ver = "unchanged (" + c.Why + ")"
		case !c.Changed():
			ver = c.New + " (unchanged)"
		}
		if c.New == "" && c.Kind == gomod.KindDropReplace {
			ver = c.Old + " → replace dropped"
		}
		branch := c.Query
		if branch == "" {
			branch = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Module, c.Kind, branch, ver)
	}
	tw.Flush()
	if len(rep.Inherited) > 0 {
		fmt.Fprintln(out, "\nreplaces inherited from dependencies:")
		for _, in := range rep.Inherited {
			fmt.Fprintf(out, "  %s => %s\n", replaceOld(in), replaceNew(in.New.Path, in.New.Version))
			fmt.Fprintf(out, "      from the go.mod of %s\n", joinMods(in))
			if in.Previous != nil {
				fmt.Fprintf(out, "      was => %s\n", replaceNew(in.Previous.Path, in.Previous.Version))
			}
		}
	}
	if len(rep.Fixes) > 0 {
		fmt.Fprintln(out, "\nfixes for chains go reported:")
		for _, f := range rep.Fixes {
			fmt.Fprintf(out, "  %s => %s (from the go.mod of %s)\n", replaceOld(f.Replace), replaceNew(f.Replace.New.Path, f.Replace.New.Version), f.From)
			fmt.Fprintf(out, "      go said: %s\n", strings.ReplaceAll(f.Chain.String(), "\n\t", "\n               "))
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintln(out, "\nwarnings:")
		for _, w := range rep.Warnings {
			fmt.Fprintf(out, "  %s\n", w)
		}
	}
	if rep.DryRun {
		fmt.Fprintln(out, "\nnext: run without -dryrun to write go.mod, tidy and vendor (chains go reports then are repaired)")
		return
	}
	var done []string
	if rep.GoModChanged {
		done = append(done, "go.mod updated")
	} else {
		done = append(done, "go.mod unchanged")
	}
	if rep.Tidied {
		done = append(done, "go mod tidy ok")
	}
	if rep.Vendored {
		done = append(done, "go mod vendor ok")
	}
	fmt.Fprintf(out, "\n%s\n", strings.Join(done, ", "))
}

func replaceOld(in gomod.Inherited) string {
	if in.Old.Version == "" {
		return in.Old.Path
	}
	return in.Old.Path + " " + in.Old.Version
}

func replaceNew(path, version string) string {
	if version == "" {
		return path
	}
	return path + " " + version
}

func joinMods(in gomod.Inherited) string {
	s := make([]string, len(in.From))
	for i, m := range in.From {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}

// demoWrapper builds a wrapper repository and the module repositories it builds from (local
// git repositories served offline), then runs wrapper:vendor there: a dry run, the real run,
// and a second run that changes nothing.
func demoWrapper(ctx context.Context, root string) error {
	w, err := example.NewWrapper(ctx, filepath.Join(root, "wrapper-modules"), "")
	if err != nil {
		return err
	}
	restore, err := demoEnv(w.Dir, w.Env())
	if err != nil {
		return err
	}
	defer restore()
	fmt.Fprintf(out, "\n== wrapper:vendor: the installer wrapper at 4.14, moving to 4.15 (modules served offline from local git repositories)\n")
	fmt.Fprintf(out, "\n$ releasekit wrapper:vendor 4.15 -dryrun\n")
	yes := true
	if err := (Wrapper{}).Vendor(ctx, "4.15", &yes, nil, nil, nil); err != nil {
		return err
	}
	for _, run := range []string{"the real run", "again: nothing changes"} {
		fmt.Fprintf(out, "\n$ releasekit wrapper:vendor 4.15    # %s\n", run)
		if err := (Wrapper{}).Vendor(ctx, "4.15", nil, nil, nil, nil); err != nil {
			return err
		}
	}
	code, err := os.ReadFile(filepath.Join(w.Dir, "vendor", filepath.FromSlash(example.ClientGoModule), "client.go"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nvendor/%s/client.go now says: %s\n", example.ClientGoModule, strings.TrimSpace(string(code[strings.LastIndex(string(code), "const"):])))
	return nil
}

// demoEnv moves into dir with env set, the way a user's shell would be, and undoes both.
func demoEnv(dir string, env []string) (func(), error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	type saved struct {
		v  string
		ok bool
	}
	old := map[string]saved{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, seen := old[k]; !seen {
			pv, ok := os.LookupEnv(k)
			old[k] = saved{pv, ok}
		}
		os.Setenv(k, v)
	}
	restore := func() {
		os.Chdir(wd)
		for k, s := range old {
			if s.ok {
				os.Setenv(k, s.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
	if err := os.Chdir(dir); err != nil {
		restore()
		return nil, err
	}
	return restore, nil
}
