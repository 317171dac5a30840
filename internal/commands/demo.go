package commands

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var demo = &cli.Command{
	Name:  "demo",
	Short: "Run the toolkit on built-in example repositories in a temporary directory.",
	Long: `It builds an upstream installer, an ARO fork with carry patches and an engineer's clone, then
runs the targets on them as a user would, printing what the user sees.`,
	Settings: []settings.Info{settings.DemoDir},
	Flags: func(fs *flag.FlagSet) cli.Run {
		return func(ctx context.Context, _ []string) error { return runDemo(ctx) }
	},
}

func runDemo(ctx context.Context) error {
	// Where the demo was started: Azurite is looked for from there (the steps run in the
	// demo's repositories).
	wd, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	demoStart = wd
	root, _ := settings.DemoDir.Get()
	if root == "" {
		tmp, err := os.MkdirTemp("", "releasekit-demo-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	if err := demoFork(ctx, filepath.Join(root, "fork")); err != nil {
		return err
	}
	if err := demoWrapper(ctx, root); err != nil {
		return err
	}
	if err := demoRp(ctx, root); err != nil {
		return err
	}
	return demoRunbook(ctx, root)
}

// demoStart is the directory the demo was started in.
var demoStart string

// call runs a target of the table in-process, as its command line would.
func call(ctx context.Context, args ...string) error { return Table.Call(ctx, args...) }

// inDir runs a target the way a user does: from inside the repository.
func inDir(dir string, f func() error) error {
	prev, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	if err := os.Chdir(dir); err != nil {
		return fail(err)
	}
	defer os.Chdir(prev)
	return f()
}

func demoStep(cmd string) {
	fmt.Fprintf(out, "\n$ %s\n", cmd)
}

func demoFork(ctx context.Context, root string) error {
	fmt.Fprintln(out, "== installer fork: an upstream with release-4.14 and release-4.15, a fork with 4.14 carry patches")
	fx, err := example.NewInstaller(ctx, root, example.InstallerOptions{})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "built %s (origin = the fork, upstream = openshift/installer)\n", fx.Work)
	return inDir(fx.Work, func() error {
		demoStep("releasekit fork:patches 4.14")
		if err := call(ctx, "fork:patches", "4.14"); err != nil {
			return err
		}
		demoStep("releasekit fork:assess 4.15")
		if err := call(ctx, "fork:assess", "4.15"); err != nil {
			return err
		}
		demoStep("releasekit fork:branch 4.15")
		if err := call(ctx, "fork:branch", "4.15"); err != nil {
			return err
		}
		return demoCherryPick(ctx, fx)
	})
}

// demoCherryPick ports the carry patches, stops on the conflict, resolves it the way an engineer
// does, and continues to the report.
func demoCherryPick(ctx context.Context, fx *example.Installer) error {
	verify := "./hack/build.sh"
	demoStep("releasekit fork:cherryPick 4.15 -verify='" + verify + "'")
	err := call(ctx, "fork:cherryPick", "4.15", "-verify="+verify)
	if err == nil {
		return fail(fmt.Errorf("demo: the port was expected to stop on the bootstrap conflict"))
	}
	if cli.Code(err) != cli.ExitStopped {
		return err
	}
	fmt.Fprintf(out, "Error: %v\n", err)
	demoStep("releasekit fork:status")
	if err := call(ctx, "fork:status"); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n# the engineer resolves %s: upstream's new condition goes, ARO never creates the IP\n", example.BootstrapConflict)
	if err := os.WriteFile(filepath.Join(fx.Work, example.BootstrapConflict), []byte(example.ResolvedBootstrap()), 0o644); err != nil {
		return fail(err)
	}
	demoStep("git add " + example.BootstrapConflict)
	repo, err := git.Open(ctx, fx.Work)
	if err != nil {
		return fail(err)
	}
	defer repo.Close()
	if _, err := repo.Git.Run(ctx, "add", "--", example.BootstrapConflict); err != nil {
		return fail(err)
	}
	demoStep("releasekit fork:continue")
	if err := call(ctx, "fork:continue"); err != nil {
		return err
	}
	return demoRebaseAgain(ctx, fx)
}

// demoRebaseAgain moves upstream on, replays the ported branch onto it, and resolves the new
// conflict keeping both sides, as the engineer should.
func demoRebaseAgain(ctx context.Context, fx *example.Installer) error {
	fmt.Fprintln(out, "\n== upstream release-4.15 moves on by three commits; one conflicts with a carry patch, one makes another empty")
	if err := fx.AdvanceUpstream(ctx); err != nil {
		return fail(err)
	}
	verify := "./hack/build.sh"
	demoStep("releasekit fork:rebaseAgain 4.15 -verify='" + verify + "'")
	err := call(ctx, "fork:rebaseAgain", "4.15", "-verify="+verify)
	if cli.Code(err) != cli.ExitStopped {
		if err == nil {
			err = fail(fmt.Errorf("demo: the replay was expected to stop on the outbound-provider conflict"))
		}
		return err
	}
	fmt.Fprintf(out, "Error: %v\n", err)
	repo, err := git.Open(ctx, fx.Work)
	if err != nil {
		return fail(err)
	}
	defer repo.Close()
	const path = "cmd/openshift-install/main.go"
	upstream, err := repo.ReadFile(ctx, "HEAD", path)
	if err != nil {
		return fail(err)
	}
	resolved := strings.Replace(string(upstream), "func main() {\n",
		"func main() {\n\tos.Setenv(\"OPENSHIFT_INSTALL_SKIP_OUTBOUND_PROVIDER\", \"true\") // ARO creates no outbound-provider Service\n", 1)
	fmt.Fprintf(out, "\n# the engineer keeps upstream's new --version check and ARO's line\n")
	if err := os.WriteFile(filepath.Join(fx.Work, path), []byte(resolved), 0o644); err != nil {
		return fail(err)
	}
	demoStep("git add " + path)
	if _, err := repo.Git.Run(ctx, "add", "--", path); err != nil {
		return fail(err)
	}
	demoStep("releasekit fork:continue")
	return call(ctx, "fork:continue")
}
