//go:build mage

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/magefile/mage/mg"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/gomod"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Wrapper holds the targets for the installer wrapper repository (openshift/installer-aro-wrapper).
type Wrapper mg.Namespace

// Vendor points the wrapper's OpenShift modules at release-X.Y, aligns Kubernetes modules, repairs replace chains, then tidies and vendors.
//
// Run it in the installer wrapper repository. Each module the rules name gets a replace at its
// branch: github.com/openshift/* modules the wrapper requires follow release-X.Y (a module
// without that branch is left to go mod and reported), the installer is replaced by the ARO
// fork's release-X.Y-azure, k8s.io/* modules by their tag at the Kubernetes version of the
// installer fork's go.mod, hive is skipped, CAPZ comes from the OpenShift fork. Replaces that
// dependencies rely on but Go does not carry over are copied into go.mod; then go mod tidy
// runs (and go mod vendor when the repository vendors), and chains ending in
// v0.0.0-00010101000000-000000000000 are repaired. A failed run leaves go.mod, go.sum and
// vendor/ as they were. Rules come from hack/releasekit-modules.json over the defaults.
//
// Environment: RELEASEKIT_JOBS (go commands at once, 16), RELEASEKIT_GO_TIMEOUT (bound on
// each go command, 10m), RELEASEKIT_GENERATE.
func (Wrapper) Vendor(ctx context.Context, version string,
	dryrun *bool, // plan and tidy in a scratch copy; write nothing
	rules *string, // read the module rules from FILE instead of hack/releasekit-modules.json
	json *bool, // print the report as JSON
	report *string, // also write the report to FILE as Markdown, for the pull request
	strict *bool, // make modules without the release branch and pin-guard warnings errors
	k8s *string, // align k8s.io modules to this tag (vX.Y.Z) instead of the installer's
	generate *bool, // run RELEASEKIT_GENERATE (default "make generate") after vendoring
) error {
	rel, err := release.ParseMinor(version)
	if err != nil {
		return cli.Usage(err, "give the OpenShift minor, for example: "+cli.Cmd("wrapper:vendor", "4.15"))
	}
	dir, err := workdir()
	if err != nil {
		return err
	}
	opts := gomod.Options{
		Dir: dir, Release: rel, DryRun: isSet(dryrun), RulesFile: rules, ReportFile: report,
		Strict: isSet(strict), Generate: isSet(generate), Progress: func(s string) { logf("%s", s) },
	}
	if k8s != nil {
		opts.K8s = *k8s
	}
	rep, err := gomod.Run(ctx, opts)
	return printVendor(rep, err, isSet(json))
}

// printVendor prints what wrapper:vendor returned: the report (also after a failure, to show
// the plan), then the error.
func printVendor(rep *gomod.Report, err error, json bool) error {
	if rep == nil {
		return cli.Fail(err)
	}
	if rep.ReportFile != "" {
		logf("report written to %s", rep.ReportFile)
	}
	if json && err == nil {
		return printJSON(rep)
	}
	if !json {
		if werr := rep.WriteText(out); werr != nil && err == nil {
			err = werr
		}
	}
	return cli.Fail(err)
}

// demoWrapper builds a wrapper repository and the module repositories it builds from (local
// git repositories and a module proxy tree, served offline), then runs wrapper:vendor there
// with the same entry point as the target: a dry run, the real run, and a second run that
// changes nothing.
func demoWrapper(ctx context.Context, root string) error {
	w, err := example.NewWrapper(ctx, filepath.Join(root, "wrapper-modules"), "")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== wrapper:vendor: the installer wrapper at 4.14, moving to 4.15 (modules served offline from local repositories)\n")
	rel := release.Minor{Major: 4, Minor: 15}
	for _, run := range []struct {
		cmd string
		dry bool
	}{
		{"releasekit wrapper:vendor 4.15 -dryrun", true},
		{"releasekit wrapper:vendor 4.15    # the real run", false},
		{"releasekit wrapper:vendor 4.15    # again: nothing changes", false},
	} {
		fmt.Fprintf(out, "\n$ %s\n", run.cmd)
		rep, err := gomod.Run(ctx, gomod.Options{Dir: w.Dir, Release: rel, DryRun: run.dry, Env: w.Env(), Progress: func(s string) { logf("%s", s) }})
		if err := printVendor(rep, err, false); err != nil {
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
