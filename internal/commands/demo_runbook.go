package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
)

// demoRunbook ends the demo as the runbook ends: the canary, the pull requests (against an
// example GitHub API), a wrapper moved to the fork's release branch, RHCOS published from the
// fork's stream (into Azurite, when installed), the version registered with an example RP
// admin API, and release:status over all of them: the same installer fork, wrapper and ARO-RP
// checkout, so every step is done (RHCOS stays pending without Azurite, and the demo says why).
func demoRunbook(ctx context.Context, root string) error {
	fmt.Fprintln(out, "\n== the end of the runbook for 4.15: pull requests, the RP, and release:status")
	work := filepath.Join(root, "fork", "installer")
	forkBare := filepath.Join(root, "fork", "fork.git")
	dir := filepath.Join(root, "runbook")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	gh := example.NewGitHub("demo-token")
	apiURL, stop, err := gh.Start()
	if err != nil {
		return fail(err)
	}
	defer stop()
	rel, err := example.StartReleases(example.Releases())
	if err != nil {
		return fail(err)
	}
	defer rel.Close()
	restore := setenv(map[string]string{
		"GITHUB_API_URL": apiURL, "GITHUB_TOKEN": gh.Token, "GH_TOKEN": "",
		"RELEASEKIT_GRAPH_URL": rel.GraphURL, "RELEASEKIT_RELEASE_REPO": rel.Repo,
		"RELEASEKIT_VERIFY": "./hack/build.sh", "RELEASEKIT_PR_REMOTE": "fork",
	})
	defer restore()
	fmt.Fprintf(out, "# GitHub API at %s; the remotes are github.com URLs that git's url.insteadOf points at local repositories\n", apiURL)

	// The installer fork: origin is openshift/installer-aro, fork is the engineer's.
	meInstaller := filepath.Join(dir, "me-installer-aro.git")
	if err := gitIn(ctx, dir, "init", "-q", "--bare", meInstaller); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"remote", "set-url", "origin", "https://github.com/openshift/installer-aro.git"},
		{"config", "url." + forkBare + ".insteadOf", "https://github.com/openshift/installer-aro.git"},
		{"remote", "add", "fork", "https://github.com/me/installer-aro.git"},
		{"config", "url." + meInstaller + ".insteadOf", "https://github.com/me/installer-aro.git"},
	} {
		if err := gitIn(ctx, work, args...); err != nil {
			return err
		}
	}
	gh.AddRepo("openshift/installer-aro", "master", forkBare)
	gh.AddRepo("me/installer-aro", "master", meInstaller)

	err = inDir(work, func() error {
		demoStep("releasekit fork:pr 4.15")
		if err := call(ctx, "fork:pr", "4.15"); err != nil {
			fmt.Fprintf(out, "Error: %v\n", err)
		}
		fmt.Fprintln(out, "\n# a repository admin creates release-4.15-azure from upstream's release-4.15")
		if err := gitIn(ctx, work, "push", "-q", "origin", "upstream/release-4.15:refs/heads/release-4.15-azure"); err != nil {
			return err
		}
		demoStep("releasekit fork:pr 4.15")
		if err := call(ctx, "fork:pr", "4.15"); err != nil {
			return err
		}
		fmt.Fprintln(out, "\n# the pull request is reviewed and merged; from now on the canary watches the fork's branch")
		gh.Merge("openshift/installer-aro", 1)
		if err := gitIn(ctx, work, "push", "-q", "origin", "release-4.15-azure"); err != nil {
			return err
		}
		if err := gitIn(ctx, work, "fetch", "-q", "origin"); err != nil {
			return err
		}
		demoStep("releasekit fork:canary 4.15 -verify=./hack/build.sh")
		return call(ctx, "fork:canary", "4.15", "-verify=./hack/build.sh")
	})
	if err != nil {
		return err
	}
	wrapperDir, err := demoForkWrapper(ctx, gh, dir, forkBare)
	if err != nil {
		return err
	}
	var rhcosPending string
	err = inDir(work, func() error {
		var err error
		rhcosPending, err = demoRhcos(ctx, work, filepath.Join(dir, "rhcos"))
		return err
	})
	if err != nil {
		return err
	}

	// ARO-RP at 4.15: the stream and the namespaces, each in a pull request.
	rpDir := filepath.Join(dir, "ARO-RP")
	if err := example.RP(rpDir, example.RPOptions{}); err != nil {
		return fail(err)
	}
	for _, args := range [][]string{{"init", "-q", "-b", "master"}, {"add", "-A"}, {"commit", "-q", "-m", "ARO-RP"}} {
		if err := gitIn(ctx, rpDir, args...); err != nil {
			return err
		}
	}
	if err := demoGitHubRepo(ctx, gh, dir, rpDir, "Azure/ARO-RP"); err != nil {
		return err
	}
	admin, err := example.StartRPAdmin(example.RPAdminOptions{Versions: []example.OpenShiftVersion{{Properties: example.OpenShiftVersionProperties{
		Version: "4.14.38", OpenShiftPullspec: "quay.io/openshift-release-dev/ocp-release@sha256:" + fmt.Sprintf("%064d", 0),
		InstallerPullspec: "arointsvc.azurecr.io/aro-installer:release-4.14", Enabled: true, Default: true,
	}}}})
	if err != nil {
		return fail(err)
	}
	defer admin.Close()
	certs := filepath.Join(dir, "rp-certs")
	if err := os.MkdirAll(certs, 0o755); err != nil {
		return fail(err)
	}
	if err := admin.WriteFiles(certs); err != nil {
		return fail(err)
	}
	cacert := filepath.Join(certs, "ca.crt")
	fmt.Fprintf(out, "\n# ARO-RP checkout in %s; a dev RP's admin API at %s\n", rpDir, admin.URL)
	err = inDir(rpDir, func() error {
		for _, args := range [][]string{
			{"rp:bumpVersion", "4.15.35", "-pr"},
			{"rp:namespaces", "4.15.35", "-pr"},
			{"rp:registerVersion", "4.15.35", "-rp=" + admin.URL, "-cacert=" + cacert},
		} {
			demoStep("releasekit " + joinArgs(args))
			if err := call(ctx, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	args := []string{"release:status", "4.15", "-installer=" + work, "-wrapper=" + wrapperDir, "-arorp=" + rpDir, "-rp=" + admin.URL, "-cacert=" + cacert}
	demoStep("releasekit " + joinArgs(args))
	err = call(ctx, args...)
	var pending pendingError
	if errors.As(err, &pending) && rhcosPending != "" {
		// Without Azurite RHCOS was only planned: the checklist says so, and that is its
		// answer, not a failure of the demo.
		fmt.Fprintf(out, "(RHCOS is pending because it was not published: %s)\n", rhcosPending)
		return nil
	}
	if errors.As(err, &pending) {
		return fail(fmt.Errorf("demo: every step of the runbook ran, yet the checklist has steps pending"))
	}
	if err == nil {
		fmt.Fprintln(out, "(every step of the runbook is done)")
	}
	return err
}

// demoForkWrapper makes the installer wrapper follow the demo's installer fork: a wrapper whose
// go.mod replaces the installer with the fork's release-4.14-azure (served to go from the
// fork's bare repository, offline) runs wrapper:vendor 4.15 -pr, which moves it to the fork's
// release-4.15-azure and opens the pull request. It returns the wrapper's directory.
func demoForkWrapper(ctx context.Context, gh *example.GitHub, dir, forkBare string) (string, error) {
	fmt.Fprintln(out, "\n== the installer wrapper follows the fork: its go.mod moves to release-4.15-azure, in a pull request")
	w, err := example.NewForkWrapper(ctx, filepath.Join(dir, "wrapper-fork"), forkBare)
	if err != nil {
		return "", fail(err)
	}
	for _, args := range [][]string{{"config", "user.name", "ARO Release Engineer"}, {"config", "user.email", "aro-release@example.com"}} {
		if err := gitIn(ctx, w.Dir, args...); err != nil {
			return "", err
		}
	}
	if err := demoGitHubRepo(ctx, gh, dir, w.Dir, "openshift/installer-aro-wrapper"); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "# the wrapper in %s: github.com/openshift/installer => github.com/openshift/installer-aro %s (the fork's release-4.14-azure)\n",
		w.Dir, w.Pseudo["installer@release-4.14-azure"])
	// The go commands read the fork from its repository, with git (the fixture's VCS mode).
	vars := map[string]string{}
	for _, kv := range w.Env() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	restore := setenv(vars)
	defer restore()
	err = inDir(w.Dir, func() error {
		demoStep("releasekit wrapper:vendor 4.15 -pr")
		return call(ctx, "wrapper:vendor", "4.15", "-pr")
	})
	return w.Dir, err
}

// demoGitHubRepo makes the clone in work a clone of github.com/SLUG (origin) with the engineer's
// fork github.com/me/NAME (fork), both bare repositories under dir that git's url.insteadOf
// points at and the example GitHub API serves, and pushes its master to origin.
func demoGitHubRepo(ctx context.Context, gh *example.GitHub, dir, work, slug string) error {
	_, name, _ := strings.Cut(slug, "/")
	for _, r := range []struct{ remote, slug, bare string }{
		{"origin", slug, filepath.Join(dir, name+".git")},
		{"fork", "me/" + name, filepath.Join(dir, "me-"+name+".git")},
	} {
		url := "https://github.com/" + r.slug + ".git"
		for _, c := range []struct {
			dir  string
			args []string
		}{
			{dir, []string{"init", "-q", "--bare", r.bare}},
			{work, []string{"remote", "add", r.remote, url}},
			{work, []string{"config", "url." + r.bare + ".insteadOf", url}},
		} {
			if err := gitIn(ctx, c.dir, c.args...); err != nil {
				return err
			}
		}
		gh.AddRepo(r.slug, "master", r.bare)
	}
	return gitIn(ctx, work, "push", "-q", "origin", "master")
}

func gitIn(ctx context.Context, dir string, args ...string) error {
	if _, err := (git.Runner{Dir: dir}).Run(ctx, args...); err != nil {
		return cli.Fail(err)
	}
	return nil
}

func joinArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

// setenv sets the variables for the demo's servers and returns what puts them back.
func setenv(vars map[string]string) func() {
	old := map[string]*string{}
	for k, v := range vars {
		if prev, ok := os.LookupEnv(k); ok {
			old[k] = &prev
		} else {
			old[k] = nil
		}
		os.Setenv(k, v)
	}
	return func() {
		for k, v := range old {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}
}
