package commands

import (
	"context"
	"flag"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/gomod"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var wrapperVendor = &cli.Command{
	Name:  "wrapper:vendor",
	Args:  []string{"X.Y"},
	Short: "Point the wrapper's OpenShift modules at release-X.Y, align Kubernetes modules, repair replace chains, then tidy and vendor.",
	Long: `Run it in the installer wrapper repository (openshift/installer-aro-wrapper). Each module the
rules name gets a replace at its branch: github.com/openshift/* modules the wrapper requires
follow release-X.Y (a module without that branch is left to go mod and reported), the installer
is replaced by the ARO fork's release-X.Y-azure, k8s.io/* modules by their tag at the Kubernetes
version of the installer fork's go.mod, hive is skipped, CAPZ comes from the OpenShift fork.
Replaces that dependencies rely on but Go does not carry over are copied into go.mod; then go
mod tidy runs (and go mod vendor when the repository vendors), and chains ending in
v0.0.0-00010101000000-000000000000 are repaired. A failed run leaves go.mod, go.sum and vendor/
as they were. Rules come from hack/releasekit-modules.json over the defaults.`,
	Settings: []settings.Info{settings.Jobs, settings.GoTimeout, settings.Generate},
	Flags: func(fs *flag.FlagSet) cli.Run {
		dryrun := fs.Bool("dryrun", false, "plan and tidy in a scratch copy; write nothing")
		rules := filePath(fs, "rules", "read the module rules from `FILE` instead of "+gomod.RulesFile)
		json := fs.Bool("json", false, "print the report as JSON")
		report := filePath(fs, "report", "also write the report to `FILE` as Markdown, for the pull request")
		strict := fs.Bool("strict", false, "make modules without the release branch and pin-guard warnings errors")
		k8s := fs.String("k8s", "", "align k8s.io modules to this `TAG` (vX.Y.Z) instead of the installer's")
		generate := fs.Bool("generate", false, "run RELEASEKIT_GENERATE (default \"make generate\") after vendoring")
		openPR := prFlag(fs)
		return func(ctx context.Context, args []string) error {
			rel, err := release.ParseMinor(args[0])
			if err != nil {
				return cli.Usage(err, "give the OpenShift minor, for example: "+cli.Cmd("wrapper:vendor", "4.15"))
			}
			dir, err := workdir()
			if err != nil {
				return err
			}
			n, err := settings.Jobs.Get()
			if err != nil {
				return cli.Usage(err, "unset it for the default, 16")
			}
			goTimeout, err := settings.GoTimeout.Get()
			if err != nil {
				return cli.Usage(err, "unset it for the default, 10m")
			}
			opts := gomod.Options{
				Dir: dir, Release: rel, DryRun: *dryrun, RulesFile: rules.Or(""), ReportFile: report.Or(""),
				Strict: *strict, K8s: *k8s, Generate: *generate, Jobs: n, GoTimeout: goTimeout,
				Progress: func(s string) { logf("%s", s) },
			}
			if *generate {
				opts.GenerateCmd = settings.Value(settings.Generate)
			}
			rep, err := gomod.Run(ctx, opts)
			if err := printVendor(rep, err, *json); err != nil || !*openPR || *dryrun {
				return err
			}
			return prChange(ctx, dir, "releasekit/wrapper-vendor-"+rel.String(), "Vendor the OpenShift "+rel.String()+" modules",
				rep.Markdown(), *json, "go.mod", "go.sum", "vendor")
		}
	},
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
