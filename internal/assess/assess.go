// Package assess reports what changed upstream between two release branches that ARO must act
// on: the Go version, azure Terraform (which ARO ports to ARM templates) and azure Go packages.
package assess

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Assessment is the upstream change from one release branch to the next.
type Assessment struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Commits and Files count what changed; VendorFiles is the part of Files under a vendor/
	// directory at any depth (the installer vendors in vendor/ and again in each
	// cluster-api/providers/*/vendor/), and VendorTrees splits it by vendor/ directory.
	Commits     int          `json:"commits"`
	Files       int          `json:"files"`
	VendorFiles int          `json:"vendorFiles"`
	VendorTrees []VendorTree `json:"vendorTrees"`
	GoFrom      GoVersions   `json:"goFrom"`
	GoTo        GoVersions   `json:"goTo"`
	// AzureTerraform are the changed *.tf files under an azure directory.
	AzureTerraform []string `json:"azureTerraform"`
	// AzurePackages are the directories of changed Go files under an azure directory
	// (vendored code, at any depth, left out).
	AzurePackages []string `json:"azurePackages"`
}

// VendorTree is one vendor/ directory and how many of its files changed.
type VendorTree struct {
	Dir   string `json:"dir"`
	Files int    `json:"files"`
}

// vendorDir is the vendor/ directory p is in ("cluster-api/providers/azure/vendor"), at any
// depth, or "" for a path that is not vendored. The outermost one counts: a vendored module's
// own vendor/ is part of the tree it is in.
func vendorDir(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts[:len(parts)-1] {
		if part == "vendor" {
			return strings.Join(parts[:i+1], "/")
		}
	}
	return ""
}

// ReadGoVersionsAt reads the Go versions of the tree at rev.
func ReadGoVersionsAt(ctx context.Context, repo *git.Repo, rev string) (GoVersions, error) {
	read := func(p string) ([]byte, error) {
		b, err := repo.ReadFile(ctx, rev, p)
		if errors.Is(err, git.ErrPathNotFound) {
			return nil, nil
		}
		return b, err
	}
	var files [4][]byte
	for i, p := range []string{GoModPath, DockerfileCIPath, BuildScriptPath, TestScriptPath} {
		b, err := read(p)
		if err != nil {
			return GoVersions{}, err
		}
		files[i] = b
	}
	v, err := ReadGoVersions(files[0], files[1], files[2], files[3])
	if err != nil {
		return v, fmt.Errorf("at %s: %w", rev, err)
	}
	return v, nil
}

// Assess compares the upstream branches from and to (upstream/release-X.Y-1 and
// upstream/release-X.Y).
func Assess(ctx context.Context, repo *git.Repo, from, to string) (*Assessment, error) {
	a := &Assessment{From: from, To: to, AzureTerraform: []string{}, AzurePackages: []string{}, VendorTrees: []VendorTree{}}
	var err error
	if a.GoFrom, err = ReadGoVersionsAt(ctx, repo, from); err != nil {
		return nil, err
	}
	if a.GoTo, err = ReadGoVersionsAt(ctx, repo, to); err != nil {
		return nil, err
	}
	if a.Commits, err = repo.Count(ctx, from, to); err != nil {
		return nil, err
	}
	paths, err := repo.ChangedPaths(ctx, from, to)
	if err != nil {
		return nil, err
	}
	a.Files = len(paths)
	pkgs := map[string]bool{}
	trees := map[string]int{}
	for _, p := range paths {
		if d := vendorDir(p); d != "" {
			a.VendorFiles++
			trees[d]++
			continue
		}
		if !underAzure(p) {
			continue
		}
		switch path.Ext(p) {
		case ".tf":
			a.AzureTerraform = append(a.AzureTerraform, p)
		case ".go":
			pkgs[path.Dir(p)] = true
		}
	}
	for p := range pkgs {
		a.AzurePackages = append(a.AzurePackages, p)
	}
	sort.Strings(a.AzurePackages)
	for d, n := range trees {
		a.VendorTrees = append(a.VendorTrees, VendorTree{Dir: d, Files: n})
	}
	sort.Slice(a.VendorTrees, func(i, j int) bool { return a.VendorTrees[i].Dir < a.VendorTrees[j].Dir })
	return a, nil
}

func underAzure(p string) bool {
	for _, part := range strings.Split(path.Dir(p), "/") {
		if part == "azure" {
			return true
		}
	}
	return false
}

// Markdown renders the assessment for a person and for a PR description.
func (a *Assessment) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Upstream %s → %s\n\n", a.From, a.To)
	fmt.Fprintf(&b, "%d commits, %d files changed (%d vendored, under vendor/ at any depth).\n\n", a.Commits, a.Files, a.VendorFiles)
	if len(a.VendorTrees) > 1 || len(a.VendorTrees) == 1 && a.VendorTrees[0].Dir != "vendor" {
		b.WriteString("| vendor/ directory | files changed |\n|---|---|\n")
		for _, v := range a.VendorTrees {
			fmt.Fprintf(&b, "| `%s/` | %d |\n", v.Dir, v.Files)
		}
		b.WriteString("\n")
	}
	b.WriteString("### Go\n\n| | " + a.From + " | " + a.To + " |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| go.mod `go` | %s | %s |\n", dash(a.GoFrom.GoMod), dash(a.GoTo.GoMod))
	fmt.Fprintf(&b, "| CI builder image | %s | %s |\n", dash(a.GoFrom.Builder), dash(a.GoTo.Builder))
	fmt.Fprintf(&b, "| required | %s | %s |\n\n", dash(a.GoFrom.Required), dash(a.GoTo.Required))
	if a.GoFrom.Required != "" && Less(a.GoFrom.Required, a.GoTo.Required) {
		fmt.Fprintf(&b, "Go moves from %s to %s: hack/build.sh and hack/go-test.sh must carry %s.\n\n", a.GoFrom.Required, a.GoTo.Required, a.GoTo.Required)
	} else {
		b.WriteString("No Go version change.\n\n")
	}
	fmt.Fprintf(&b, "### Azure Terraform (%d) — port to ARO's ARM templates\n\n", len(a.AzureTerraform))
	list(&b, a.AzureTerraform)
	fmt.Fprintf(&b, "### Azure Go packages (%d)\n\n", len(a.AzurePackages))
	list(&b, a.AzurePackages)
	return b.String()
}

func list(b *strings.Builder, items []string) {
	if len(items) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	for _, it := range items {
		fmt.Fprintf(b, "- `%s`\n", it)
	}
	b.WriteString("\n")
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Options are fork:assess' arguments.
type Options struct {
	// Dir is a directory in the installer fork's work tree.
	Dir     string
	Release release.Minor
	Remotes release.Remotes
	// Note, when set, receives lines for the log (stderr): why reads go through the git CLI.
	Note func(string)
}

// Result is the assessment and where its report was written.
type Result struct {
	*Assessment
	Report string `json:"-"`
}

// Run is fork:assess: upstream release-X.Y-1 → release-X.Y, its Markdown report written to the
// repository's git dir (releasekit/assess-X.Y.md).
func Run(ctx context.Context, o Options) (*Result, error) {
	prev, err := o.Release.Previous()
	if err != nil {
		return nil, cli.Usage(err)
	}
	rem := o.Remotes.OrDefault()
	repo, err := git.OpenWorkTree(ctx, o.Dir)
	if err != nil {
		return nil, err
	}
	if o.Note != nil {
		repo.OnCLIReads(func(why string) { o.Note("note: reading through the git CLI (" + why + ")") })
	}
	from, to := rem.UpstreamBranch(prev), rem.UpstreamBranch(o.Release)
	if err := repo.RequireRefs(ctx, from, to); err != nil {
		return nil, err
	}
	if err := repo.CheckHistory(ctx, rem.Fork, rem.Upstream); err != nil {
		return nil, err
	}
	a, err := Assess(ctx, repo, from, to)
	if err != nil {
		return nil, err
	}
	path, err := repo.WriteReport(ctx, git.AssessName(o.Release.String()), a.Markdown())
	return &Result{Assessment: a, Report: path}, err
}
