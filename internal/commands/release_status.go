package commands

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"

	"github.com/aro-releasekit/releasekit/internal/canary"
	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/github"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
	"github.com/aro-releasekit/releasekit/internal/rp"
	"github.com/aro-releasekit/releasekit/internal/settings"
	"github.com/aro-releasekit/releasekit/internal/status"
)

var releaseStatus = &cli.Command{
	Name:  "release:status",
	Args:  []string{"X.Y"},
	Short: "Show the runbook of release X.Y as a checklist: each step done or pending, with its evidence.",
	Long: `It reads the installer fork (-installer, default the current directory), the wrapper
(-wrapper) and ARO-RP (-arorp), local clones or git URLs, and, with -rp, the RP's versions: the
release branch, the carry patches ported (n/N against X.Y-1) and verified (from the notes),
the last fork:canary, the wrapper's go.mod (the installer replaced by a commit of
release-X.Y-azure), const.go's stream and the release's namespaces, RHCOS published (as
rhcos:publish recorded it), the pull requests (open or merged, with a GitHub token) and the
version registered. Of a URL (https://, ssh://, file://, git@host:path) it fetches only what it
needs into a temporary directory, removed afterwards: the fork's release branches and verify
notes (and upstream's release branches, from -upstream), the last commit of the wrapper's and
ARO-RP's default branch; the canary and RHCOS records and the pull requests need a clone. It
writes nothing. Exit status 0 when every step is done, 1 otherwise.`,
	Settings: []settings.Info{settings.ForkRemote, settings.UpstreamRemote, settings.Verify, settings.PRRemote, settings.PRBaseRemote,
		settings.GitHubAPIURL, settings.RPURL, settings.GraphURL, settings.ReleaseRepo, settings.HTTPTimeout},
	Flags: func(fs *flag.FlagSet) cli.Run {
		installer := filePath(fs, "installer", "the installer fork's clone or URL (default: the current directory)")
		wrapper := filePath(fs, "wrapper", "the wrapper's clone or URL")
		arorp := filePath(fs, "arorp", "ARO-RP's clone or URL")
		upstream := filePath(fs, "upstream", "the upstream installer's URL or clone, read when -installer is a URL (default "+status.DefaultUpstream+")")
		rpURL := stringFlag(fs, "rp", "read the versions of this RP (default $RELEASEKIT_RP_URL when set)")
		tls := declareRPTLS(fs)
		markdown := fs.Bool("markdown", false, "print the checklist as Markdown, for the release tracking issue")
		json := fs.Bool("json", false, "print the checklist as JSON")
		return func(ctx context.Context, args []string) error {
			m, err := parseMinor(args[0])
			if err != nil {
				return err
			}
			dir, err := workdir()
			if err != nil {
				return err
			}
			ep, err := rpEndpoints()
			if err != nil {
				return err
			}
			abs := func(p *pathFlag) string {
				if !p.set {
					return ""
				}
				if status.IsRemote(p.v) {
					return p.v
				}
				a, _ := filepath.Abs(p.v)
				return a
			}
			verifyCmd, _ := settings.Verify.Get()
			push, _ := settings.PRRemote.Get()
			base, _ := settings.PRBaseRemote.Get()
			o := status.Options{Release: m, Installer: installer.Or(dir), Wrapper: abs(wrapper), ARORP: abs(arorp),
				Upstream: abs(upstream),
				Remotes:  forkRemotes(), Verify: verifyCmd, PushRemote: push, PRBaseRemote: base, Endpoints: ep}
			if installer.set {
				o.Installer = abs(installer)
			}
			if tok, err := github.Token(ctx); err == nil {
				api, _ := settings.GitHubAPIURL.Get()
				if o.GitHub, err = github.New(api, tok, ep.Timeout); err != nil {
					return cli.Usage(err)
				}
			}
			envRP, _ := settings.RPURL.Lookup()
			if u := rpURL.Or(envRP); u != "" {
				o.RP = rp.RegisterOptions{RP: u, CACert: tls.cacert.Or(""), Insecure: *tls.insecure, ClientCert: tls.cert.Or(""), ClientKey: tls.key.Or(""),
					Endpoints: rp.Endpoints{Timeout: ep.Timeout}}
			}
			c, err := status.Read(ctx, o)
			if err != nil {
				return cli.Fail(err)
			}
			switch {
			case *json:
				if err := printJSON(c); err != nil {
					return err
				}
			case *markdown:
				out.Write([]byte(c.Markdown()))
			default:
				c.Print(out)
			}
			if !c.Done {
				return cli.Fail(errPending)
			}
			return nil
		}
	},
}

type pendingError struct{}

func (pendingError) Error() string { return "steps are pending" }

var errPending error = pendingError{}

// record writes what a step leaves nowhere else (fork:canary, rhcos:publish) under the
// installer's git dir, for release:status. A failure to record is a warning, not the step's.
func record(ctx context.Context, dir string, rec status.Record, v any) {
	p, err := status.RecordPath(ctx, dir, rec)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(p), 0o755)
	}
	if err == nil {
		b, _ := jsonstrict.MarshalIndent(v)
		err = fsutil.WriteFile(p, b, 0o644)
	}
	if err != nil {
		logf("warning: cannot record the result for release:status: %v", err)
	}
}

func recordCanary(ctx context.Context, dir string, m release.Minor, res *canary.Result) {
	record(ctx, dir, status.CanaryRecord(m), map[string]any{
		"summary": res.Summary(), "at": res.At.UTC().Format("2006-01-02 15:04 UTC"), "needsPerson": res.NeedsPerson, "onto": res.OntoAt,
	})
}

func recordRHCOS(ctx context.Context, dir string, res rhcos.RunResult) {
	if res.DryRun || len(res.Results) == 0 {
		return
	}
	// A run for some architectures (-arch=) keeps what earlier runs recorded of the others.
	var rs []map[string]string
	if p, err := status.RecordPath(ctx, dir, status.RHCOSRecord(res.Release)); err == nil {
		if b, err := os.ReadFile(p); err == nil {
			_ = json.Unmarshal(b, &rs)
		}
	}
	for _, r := range res.Results {
		rec := map[string]string{"arch": r.Source.Arch, "release": r.Source.Release, "blobURL": r.BlobURL}
		replaced := false
		for i, old := range rs {
			if old["arch"] == r.Source.Arch {
				rs[i], replaced = rec, true
			}
		}
		if !replaced {
			rs = append(rs, rec)
		}
	}
	record(ctx, dir, status.RHCOSRecord(res.Release), rs)
}
