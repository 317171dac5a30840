package commands

import (
	"context"
	"flag"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/rp"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var rpSettings = []settings.Info{settings.GraphURL, settings.ReleaseRepo, settings.HTTPTimeout}

var rpBumpVersion = &cli.Command{
	Name:  "rp:bumpVersion",
	Args:  []string{"X.Y.Z"},
	Short: "Set ARO-RP's default install stream to release X.Y.Z with its digest pull spec.",
	Long: `It rewrites only the Version and PullSpec of DefaultInstallStream in
pkg/util/version/const.go and prints the diff. The pull spec is the payload of <version> in
the update graph's channel stable-X.Y, checked against the digest of the registry's
X.Y.Z-x86_64 tag.`,
	Settings: rpSettings,
	Flags: func(fs *flag.FlagSet) cli.Run {
		pullspec := stringFlag(fs, "pullspec", "use this `PULLSPEC` (registry/repository@sha256:<64 hex>) and ask no server")
		channel := stringFlag(fs, "channel", "look in this update graph `CHANNEL`, such as candidate-4.16")
		dryrun := fs.Bool("dryrun", false, "print the diff without writing")
		json := fs.Bool("json", false, "print the edit as JSON")
		openPR := prFlag(fs)
		return func(ctx context.Context, args []string) error {
			dir, err := workdir()
			if err != nil {
				return err
			}
			ep, err := rpEndpoints()
			if err != nil {
				return err
			}
			res, err := rp.BumpVersion(ctx, rp.BumpOptions{
				Dir: dir, Version: args[0], PullSpec: pullspec.Ptr(), Channel: channel.Ptr(), DryRun: *dryrun,
				Endpoints: ep, Log: logw,
			})
			if err != nil {
				return err
			}
			if *json {
				if err := printJSON(rpJSON{Edit: edit(res.Result), Version: res.Version.String(), PullSpec: res.PullSpec, Before: res.Before}); err != nil {
					return err
				}
			} else {
				res.Print(out)
			}
			if !*openPR || *dryrun {
				return nil
			}
			return prChange(ctx, dir, "releasekit/rp-bumpversion-"+res.Version.String(), "Install OpenShift "+res.Version.String()+" by default",
				diffBody(res.Summary, res.Diff), *json, rp.ConstFile)
		}
	},
}

// rpJSON is the edit an rp target made (or, in a dry run, would make).
type rpJSON struct {
	Edit
	Version  string   `json:"version"`
	PullSpec string   `json:"pullSpec,omitempty"`
	Before   string   `json:"before,omitempty"`
	Added    []string `json:"added,omitempty"`
	Kept     []string `json:"kept,omitempty"`
}

// Edit is one file's edit.
type Edit struct {
	File    string `json:"file"`
	Diff    string `json:"diff"`
	DryRun  bool   `json:"dryRun"`
	Summary string `json:"summary"`
}

func edit(r rp.Result) Edit {
	return Edit{File: r.File, Diff: r.Diff, DryRun: r.DryRun, Summary: r.Summary}
}

var rpNamespaces = &cli.Command{
	Name:  "rp:namespaces",
	Args:  []string{"X.Y.Z"},
	Short: "Add the new OpenShift namespaces of release X.Y.Z to ARO-RP's namespace.go.",
	Long: `The namespaces are the kind: Namespace manifests of the release payload whose names start
with one of the prefixes. They are streamed from the release image's release-manifests/ (the
image resolved as rp:bumpVersion does) unless -from or -pullspec says otherwise. Missing
names are added to the "OCP namespaces" group of IsOpenShiftNamespace in sorted position;
nothing is deleted or reordered.`,
	Settings: rpSettings,
	Flags: func(fs *flag.FlagSet) cli.Run {
		from := stringFlag(fs, "from", "read the manifests from `DIR`, as oc adm release extract writes them")
		pullspec := stringFlag(fs, "pullspec", "read the manifests from this release image `PULLSPEC`")
		channel := stringFlag(fs, "channel", "look in this update graph `CHANNEL`, such as candidate-4.16")
		prefix := stringFlag(fs, "prefix", "comma-separated namespace `PREFIXES` to add (default openshift)")
		dryrun := fs.Bool("dryrun", false, "print the diff without writing")
		json := fs.Bool("json", false, "print the edit as JSON")
		openPR := prFlag(fs)
		return func(ctx context.Context, args []string) error {
			dir, err := workdir()
			if err != nil {
				return err
			}
			ep, err := rpEndpoints()
			if err != nil {
				return err
			}
			res, err := rp.Namespaces(ctx, rp.NamespacesOptions{
				Dir: dir, Version: args[0], From: from.Ptr(), PullSpec: pullspec.Ptr(), Channel: channel.Ptr(), Prefix: prefix.Ptr(),
				DryRun: *dryrun, Endpoints: ep, Log: logw,
			})
			if err != nil {
				return err
			}
			if *json {
				if err := printJSON(rpJSON{Edit: edit(res.Result), Version: res.Version.String(), Added: res.Added, Kept: res.Kept}); err != nil {
					return err
				}
			} else {
				res.Print(out)
			}
			if !*openPR || *dryrun {
				return nil
			}
			return prChange(ctx, dir, "releasekit/rp-namespaces-"+res.Version.String(), "Add the OpenShift "+res.Version.String()+" namespaces",
				diffBody(res.Summary, res.Diff), *json, rp.NamespaceFile)
		}
	},
}

func rpEndpoints() (rp.Endpoints, error) {
	t, err := get(settings.HTTPTimeout)
	if err != nil {
		return rp.Endpoints{}, err
	}
	graph, _ := settings.GraphURL.Get()
	repo, _ := settings.ReleaseRepo.Get()
	return rp.Endpoints{GraphURL: graph, ReleaseRepo: repo, Timeout: t}, nil
}
