// Package status reads the runbook of one release as a checklist: which steps are done, with
// the evidence, across the installer fork, the wrapper, ARO-RP and the RP. It writes nothing.
package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/aro-releasekit/releasekit/internal/carry"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/github"
	"github.com/aro-releasekit/releasekit/internal/pr"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rp"
	"github.com/aro-releasekit/releasekit/internal/rpsource"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// Options say where the release's repositories and services are.
type Options struct {
	Release release.Minor
	// Installer, Wrapper and ARORP are local clones or git URLs (IsRemote); "" leaves their
	// steps unchecked. Of a URL, Read fetches only what it needs into a temporary directory:
	// the installer's release branches and verify notes, the default branch's last commit of
	// the others.
	Installer, Wrapper, ARORP string
	// Upstream is the upstream installer (a URL or a clone), read for its release branches
	// when Installer is a URL; "" for DefaultUpstream.
	Upstream string
	Remotes  release.Remotes
	// Verify is the verify command whose notes count.
	Verify string
	// PushRemote is the remote of the user's fork (where PR branches are pushed), and
	// PRBaseRemote the remote of the wrapper's and ARO-RP's upstream repositories.
	PushRemote, PRBaseRemote string
	// GitHub, when set, is asked about the pull requests.
	GitHub *github.Client
	// RP, when RP.RP is set, is the RP whose versions endpoint is read.
	RP rp.RegisterOptions
	// Endpoints are the update graph and registry, for the namespaces of the stream's release.
	Endpoints rp.Endpoints
}

// Step is one line of the checklist.
type Step struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Done     bool   `json:"done"`
	Evidence string `json:"evidence"`
}

// Checklist is the release's runbook.
type Checklist struct {
	Release string `json:"release"`
	Steps   []Step `json:"steps"`
	Done    bool   `json:"done"`
}

// Record is what a step that leaves nothing in a repository (fork:canary, rhcos:publish)
// writes under the installer's git dir, for Read.
func RecordPath(ctx context.Context, dir string, rec Record) (string, error) {
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return "", err
	}
	defer repo.Close()
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return "", err
	}
	return rec(sd), nil
}

// Record picks a record's path in the git.StateDir.
type Record func(git.StateDir) string

// CanaryRecord and RHCOSRecord are the records of release m.
func CanaryRecord(m release.Minor) Record {
	return func(sd git.StateDir) string { return sd.CanaryRecord(m.String()) }
}
func RHCOSRecord(m release.Minor) Record {
	return func(sd git.StateDir) string { return sd.RHCOSRecord(m.String()) }
}

// Read checks every step.
func Read(ctx context.Context, o Options) (*Checklist, error) {
	m := o.Release
	rem := o.Remotes.OrDefault()
	c := &Checklist{Release: m.String()}
	add := func(id, title string, done bool, format string, args ...any) {
		c.Steps = append(c.Steps, Step{ID: id, Title: title, Done: done, Evidence: fmt.Sprintf(format, args...)})
	}
	rr := &remoteReader{}
	defer rr.close()
	// The flags given as URLs, and where their repositories were read.
	urls := map[string]string{}
	at := map[string]string{}
	var err error
	if o.Installer != "" {
		if IsRemote(o.Installer) {
			urls["installer"] = o.Installer
			if o.Installer, err = rr.installer(ctx, o.Installer, o.Upstream, m, rem); err != nil {
				return nil, err
			}
		} else if _, err := localRepo(ctx, o.Installer); err != nil {
			return nil, fmt.Errorf("-installer=%s: %w", o.Installer, err)
		}
	}
	for _, x := range []struct {
		flag  string
		dir   *string
		paths []string
	}{{"wrapper", &o.Wrapper, []string{"go.mod"}}, {"arorp", &o.ARORP, []string{rp.ConstFile, rp.NamespaceFile}}} {
		switch {
		case *x.dir == "":
		case IsRemote(*x.dir):
			urls[x.flag] = *x.dir
			var commit string
			if *x.dir, commit, err = rr.files(ctx, urls[x.flag], x.paths...); err != nil {
				return nil, fmt.Errorf("-%s=%s: %w", x.flag, urls[x.flag], err)
			}
			at[x.flag] = fmt.Sprintf(" (the default branch of %s, at %.12s)", urls[x.flag], commit)
		default:
			if _, err := localRepo(ctx, *x.dir); err != nil {
				return nil, fmt.Errorf("-%s=%s: %w", x.flag, *x.dir, err)
			}
		}
	}
	var repo *git.Repo
	if o.Installer != "" {
		if repo, err = git.Open(ctx, o.Installer); err != nil {
			return nil, fmt.Errorf("installer fork %s: %w", o.Installer, err)
		}
		defer repo.Close()
	}
	notChecked := func(what string) string { return "not checked: give " + what }
	// A record (fork:canary's, rhcos:publish's) is kept in the clone the step ran in.
	notInURL := func(target string) string {
		return "not checked: -installer is a URL, and " + target + " records its result in the clone it ran in (give -installer=DIR of that clone)"
	}

	// 1. The branch.
	branch := ""
	if repo != nil {
		for _, ref := range []string{"refs/heads/" + m.ForkBranch(), "refs/remotes/" + rem.ForkBranch(m)} {
			if h, err := repo.Resolve(ctx, ref); err == nil {
				branch = ref
				add("branch", m.ForkBranch()+" exists in the fork", true, "%s at %.12s", strings.TrimPrefix(ref, "refs/"), h.String())
				break
			}
		}
		if branch == "" {
			add("branch", m.ForkBranch()+" exists in the fork", false, "no %s, local or %s", m.ForkBranch(), rem.ForkBranch(m))
		}
	} else {
		add("branch", m.ForkBranch()+" exists in the fork", false, "%s", notChecked("-installer=DIR"))
	}

	// 2 and 3. The carries, ported and verified.
	var trees []string
	if branch != "" {
		s, err := carry.Discover(ctx, repo, carry.Options{Base: rem.UpstreamBranch(m), Tip: branch})
		n := 0
		if err == nil {
			n = len(s.Patches)
		}
		want := -1
		if prev, perr := m.Previous(); perr == nil {
			if ps, err := carry.Discover(ctx, repo, carry.Options{Base: rem.UpstreamBranch(prev), Tip: rem.ForkBranch(prev)}); err == nil {
				want = len(ps.Patches)
			}
		}
		finished, running := portState(ctx, repo, m)
		switch {
		case err != nil:
			add("ported", "carry patches ported", false, "%v", err)
		case urls["installer"] != "" && n < want:
			// The port's report, which says what it left out, is in the clone that ran it; a
			// branch pushed to the fork is a finished port.
			add("ported", "carry patches ported", n > 0, "%d/%d (the carries of %s; the branch is pushed, %d left out of it)", n, want, rem.ForkBranch(mustPrev(m)), want-n)
		case running:
			add("ported", "carry patches ported", false, "%d/%d so far: a port is stopped (fork:status)", n, want)
		case want < 0:
			add("ported", "carry patches ported", n > 0, "%d carry patches (no %s to compare with)", n, rem.ForkBranch(m))
		case n < want && finished:
			// A finished port leaves out the patches that became empty or are upstream already.
			add("ported", "carry patches ported", n > 0, "%d/%d (the carries of %s; the port finished, %d left out)", n, want, rem.ForkBranch(mustPrev(m)), want-n)
		default:
			add("ported", "carry patches ported", n > 0 && n >= want, "%d/%d (the carries of %s)", n, want, rem.ForkBranch(mustPrev(m)))
		}
		if err == nil {
			out, lerr := repo.Git.Run(ctx, "log", "--no-merges", "--format=%T", rem.UpstreamBranch(m)+".."+branch)
			if lerr == nil && out != "" {
				trees = strings.Split(out, "\n")
			}
		}
		cache := &verify.Cache{Repo: repo}
		passed := 0
		for _, t := range trees {
			if rec, ok, err := cache.Lookup(ctx, t, o.Verify); err == nil && ok && rec.Passed() {
				passed++
			}
		}
		add("verified", "carry patches verified", len(trees) > 0 && passed == len(trees), "%d/%d passed %q (%s)", passed, len(trees), o.Verify, verify.NotesRef)
	} else {
		add("ported", "carry patches ported", false, "no branch")
		add("verified", "carry patches verified", false, "no branch")
	}

	// 4. The last canary.
	if urls["installer"] != "" {
		add("canary", "last canary", false, "%s", notInURL("fork:canary"))
	} else if o.Installer != "" {
		var r struct {
			Summary     string `json:"summary"`
			At          string `json:"at"`
			NeedsPerson bool   `json:"needsPerson"`
		}
		if err := readRecord(ctx, o.Installer, CanaryRecord(m), &r); err != nil {
			add("canary", "last canary", false, "%v", err)
		} else {
			state := "clean"
			if r.NeedsPerson {
				state = "a person is needed"
			}
			add("canary", "last canary", !r.NeedsPerson, "%s: %s (%s)", r.At, r.Summary, state)
		}
	} else {
		add("canary", "last canary", false, "%s", notChecked("-installer=DIR"))
	}

	// 5. The wrapper's go.mod.
	if o.Wrapper != "" {
		done, ev := wrapperStep(ctx, o.Wrapper, repo, m)
		add("wrapper", "wrapper's go.mod at "+m.UpstreamBranch(), done, "%s%s", ev, at["wrapper"])
	} else {
		add("wrapper", "wrapper's go.mod at "+m.UpstreamBranch(), false, "%s", notChecked("-wrapper=DIR"))
	}

	// 6 and 7. ARO-RP's stream and namespaces.
	var stream release.Patch
	if o.ARORP != "" {
		src, err := os.ReadFile(filepath.Join(o.ARORP, rp.ConstFile))
		var st rpsource.Stream
		if err == nil {
			st, err = rpsource.ReadDefaultInstallStream(rp.ConstFile, src)
		}
		v, verr := release.ParseVersion(st.Version)
		switch {
		case err != nil:
			add("stream", "const.go's install stream", false, "%v", err)
		case verr != nil || v.Minor != m:
			add("stream", "const.go's install stream", false, "%s is %s, not %s.Z", rpsource.StreamVar, orNone(st.Version), m)
		default:
			stream = v
			add("stream", "const.go's install stream", true, "%s %s (%s)%s", rpsource.StreamVar, v, st.PullSpec, at["arorp"])
		}
		if stream.Major == 0 {
			add("namespaces", "the release's namespaces", false, "needs the stream at %s.Z first", m)
		} else {
			res, err := rp.Namespaces(ctx, rp.NamespacesOptions{Dir: o.ARORP, Version: stream.String(), DryRun: true, Endpoints: o.Endpoints})
			switch {
			case err != nil:
				add("namespaces", "the release's namespaces", false, "%v", err)
			case len(res.Added) > 0:
				add("namespaces", "the release's namespaces", false, "missing from %s: %s", rp.NamespaceFile, strings.Join(res.Added, ", "))
			default:
				add("namespaces", "the release's namespaces", true, "every openshift namespace of %s is in %s", stream, rp.NamespaceFile)
			}
		}
	} else {
		add("stream", "const.go's install stream", false, "%s", notChecked("-arorp=DIR"))
		add("namespaces", "the release's namespaces", false, "%s", notChecked("-arorp=DIR"))
	}

	// 8. RHCOS.
	if urls["installer"] != "" {
		add("rhcos", "RHCOS published", false, "%s", notInURL("rhcos:publish"))
	} else if o.Installer != "" {
		var r []struct {
			Arch    string `json:"arch"`
			BlobURL string `json:"blobURL"`
		}
		if err := readRecord(ctx, o.Installer, RHCOSRecord(m), &r); err != nil {
			add("rhcos", "RHCOS published", false, "%v", err)
		} else {
			var parts []string
			for _, x := range r {
				parts = append(parts, x.Arch+" "+x.BlobURL)
			}
			add("rhcos", "RHCOS published", len(r) > 0, "%s", strings.Join(parts, "; "))
		}
	} else {
		add("rhcos", "RHCOS published", false, "%s", notChecked("-installer=DIR"))
	}

	// 9. The pull requests.
	type prStep struct{ id, title, flag, dir, base, branch, baseBranch string }
	prs := []prStep{
		{"pr-fork", "installer fork PR", "installer", o.Installer, rem.Fork, m.ForkBranch(), m.ForkBranch()},
		{"pr-wrapper", "wrapper PR", "wrapper", o.Wrapper, o.PRBaseRemote, "releasekit/wrapper-vendor-" + m.String(), ""},
	}
	if stream.Major != 0 {
		prs = append(prs,
			prStep{"pr-stream", "ARO-RP stream PR", "arorp", o.ARORP, o.PRBaseRemote, "releasekit/rp-bumpversion-" + stream.String(), ""},
			prStep{"pr-namespaces", "ARO-RP namespaces PR", "arorp", o.ARORP, o.PRBaseRemote, "releasekit/rp-namespaces-" + stream.String(), ""})
	}
	for _, p := range prs {
		switch {
		case p.dir == "":
			add(p.id, p.title, false, "%s", notChecked("the repository"))
		case urls[p.flag] != "":
			// The pull request's head is in your fork, which a URL does not name.
			add(p.id, p.title, false, "not checked: -%s is a URL; the pull request comes from your fork, named by the %q remote of a clone (give -%s=DIR)", p.flag, orDefault(o.PushRemote, pr.DefaultPushRemote), p.flag)
		case o.GitHub == nil:
			add(p.id, p.title, false, "not checked: no GitHub token")
		default:
			got, err := pr.Find(ctx, o.GitHub, p.dir, p.base, o.PushRemote, p.branch, p.baseBranch)
			switch {
			case err != nil:
				add(p.id, p.title, false, "%v", err)
			case got == nil:
				add(p.id, p.title, false, "no pull request from %s", p.branch)
			default:
				state := got.State
				if got.Merged {
					state = "merged"
				}
				add(p.id, p.title, true, "#%d %s %s", got.Number, state, got.URL)
			}
		}
	}

	// 10. Registered with the RP.
	if o.RP.RP != "" {
		vs, err := rp.ListVersions(ctx, o.RP)
		if err != nil {
			add("registered", "version registered with the RP", false, "%v", err)
		} else {
			var got []string
			done := false
			for _, v := range vs {
				if p, err := release.ParseVersion(v.Properties.Version); err == nil && p.Minor == m {
					s := v.Properties.Version
					if v.Properties.Enabled {
						s += " enabled"
						done = true
					}
					if v.Properties.Default {
						s += ", default"
					}
					got = append(got, s)
				}
			}
			if len(got) == 0 {
				got = []string{"no " + m.String() + ".Z version"}
			}
			add("registered", "version registered with the RP", done, "%s: %s", o.RP.RP, strings.Join(got, "; "))
		}
	} else {
		add("registered", "version registered with the RP", false, "%s", notChecked("-rp=URL"))
	}

	c.Done = true
	for _, s := range c.Steps {
		c.Done = c.Done && s.Done
	}
	return c, nil
}

// portState: a port of m has finished (its report is there) and whether one is stopped now.
func portState(ctx context.Context, repo *git.Repo, m release.Minor) (finished, running bool) {
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return false, false
	}
	reports, _ := filepath.Glob(sd.PortReports(m.String()))
	_, serr := os.Stat(sd.SequenceState())
	return len(reports) > 0, serr == nil
}

func mustPrev(m release.Minor) release.Minor {
	p, _ := m.Previous()
	return p
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(not a literal)"
	}
	return s
}

func readRecord(ctx context.Context, dir string, rec Record, v any) error {
	p, err := RecordPath(ctx, dir, rec)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no record: not run yet")
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// wrapperStep: go.mod replaces the installer with a commit of release-X.Y-azure.
func wrapperStep(ctx context.Context, dir string, installer *git.Repo, m release.Minor) (bool, string) {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false, err.Error()
	}
	f, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		return false, err.Error()
	}
	for _, r := range f.Replace {
		if r.Old.Path != "github.com/openshift/installer" {
			continue
		}
		ev := fmt.Sprintf("github.com/openshift/installer => %s %s", r.New.Path, r.New.Version)
		rev, err := module.PseudoVersionRev(r.New.Version)
		if err != nil {
			return false, ev + ": not a pseudo-version of a branch commit"
		}
		if installer == nil {
			return false, ev + " (give -installer=DIR to check its branch)"
		}
		rem := release.Remotes{}.OrDefault()
		for _, tip := range []string{"refs/heads/" + m.ForkBranch(), "refs/remotes/" + rem.ForkBranch(m)} {
			full, err := installer.Git.Run(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
			if err != nil {
				continue
			}
			if ok, err := installer.IsAncestor(ctx, full, tip); err == nil && ok {
				return true, ev + " (on " + m.ForkBranch() + ")"
			}
		}
		return false, ev + ": not a commit of " + m.ForkBranch()
	}
	return false, "go.mod does not replace github.com/openshift/installer"
}

// Print writes the checklist as text.
func (c *Checklist) Print(w io.Writer) {
	n := 0
	for _, s := range c.Steps {
		mark := "pending"
		if s.Done {
			mark, n = "done   ", n+1
		}
		fmt.Fprintf(w, "%s  %-32s %s\n", mark, s.Title, s.Evidence)
	}
	fmt.Fprintf(w, "\nOpenShift %s: %d of %d steps done\n", c.Release, n, len(c.Steps))
}

// Markdown is the checklist for the release tracking issue.
func (c *Checklist) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## OpenShift %s runbook\n\n", c.Release)
	for _, s := range c.Steps {
		box := " "
		if s.Done {
			box = "x"
		}
		fmt.Fprintf(&b, "- [%s] **%s**: %s\n", box, s.Title, strings.ReplaceAll(s.Evidence, "|", `\|`))
	}
	return b.String()
}
