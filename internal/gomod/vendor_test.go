package gomod_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/internal/gomod"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// modCache is shared by the wrapper fixtures of this package: their commits are the same in
// every fixture, and a cold cache costs a clone of every module.
var modCache string

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDir); dir != "" {
		os.Exit(child(dir))
	}
	// No git maintenance process after each of the tests' commits. Not in a child: its
	// environment is the one its test gave it.
	gittest.Setenv(nil)
	dir, err := os.MkdirTemp("", "gomod-test-modcache-")
	if err != nil {
		panic(err)
	}
	modCache = dir
	gomod.ModCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	gittest.Done()
	os.Exit(code)
}

func newWrapper(t *testing.T) *example.Wrapper {
	t.Helper()
	gomod.SkipShort(t)
	t.Parallel()
	w, err := example.NewWrapper(context.Background(), t.TempDir(), modCache)
	require.NoError(t, err)
	return w
}

func opts(t *testing.T, w *example.Wrapper, rel string) gomod.Options {
	t.Helper()
	m, err := release.ParseMinor(rel)
	require.NoError(t, err)
	return gomod.Options{Dir: w.Dir, Release: m, Env: w.Env(), Progress: func(s string) { t.Log(s) }}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// snapshot is what a run may change.
func snapshot(t *testing.T, dir string) map[string]string {
	return map[string]string{
		"go.mod":             read(t, dir, "go.mod"),
		"go.sum":             read(t, dir, "go.sum"),
		"vendor/modules.txt": read(t, dir, "vendor/modules.txt"),
	}
}

// vendoredClientGo is the client-go code the wrapper now vendors.
func vendoredClientGo(t *testing.T, w *example.Wrapper) string {
	return read(t, w.Dir, "vendor/"+example.ClientGoModule+"/client.go")
}

// consistent checks vendor/modules.txt against go.mod the way go does before a vendored build,
// and runs the result.
func consistent(t *testing.T, w *example.Wrapper) string {
	t.Helper()
	out, err := w.Go(context.Background(), "run", "-mod=vendor", ".")
	require.NoError(t, err, out)
	out2, err := w.Go(context.Background(), "mod", "verify")
	require.NoError(t, err, out2)
	return out
}

func TestVendorInheritsReplaceFromDependency(t *testing.T) {
	w := newWrapper(t)
	ctx := context.Background()
	rep, err := gomod.Run(ctx, opts(t, w, "4.15"))
	require.NoError(t, err)

	gm := read(t, w.Dir, "go.mod")
	require.Contains(t, gm, example.ClientGoModule+" => "+example.ClientGoFork+" "+w.Pseudo["fork@4.15"])
	require.Contains(t, gm, example.InstallerModule+" => github.com/openshift/installer-aro "+w.Pseudo["installer@release-4.15-azure"])
	require.Contains(t, vendoredClientGo(t, w), `"fork-4.15"`)
	require.Contains(t, consistent(t, w), "installer 4.15-azure with client-go fork-4.15 and api 4.15 and hive")

	require.Len(t, rep.Inherited, 1)
	in := rep.Inherited[0]
	require.Equal(t, example.ClientGoModule, in.Old.Path)
	require.Equal(t, w.Pseudo["fork@4.15"], in.New.Version)
	require.Nil(t, in.Previous)
	require.Equal(t, []module.Version{{Path: example.ProviderModule, Version: w.Pseudo["provider@release-4.15"]}}, in.From)
	require.True(t, rep.Tidied)
	require.True(t, rep.Vendored)
	require.Empty(t, rep.Fixes)

	kinds := map[string]gomod.Change{}
	for _, c := range rep.Changes {
		kinds[c.Module] = c
	}
	require.Equal(t, gomod.KindSkip, kinds[example.HiveModule].Kind)
	require.Equal(t, gomod.KindInstaller, kinds[example.InstallerModule].Kind)
	require.Equal(t, "release-4.15-azure", kinds[example.InstallerModule].Query)
	require.Equal(t, w.Pseudo["api@release-4.15"], kinds[example.APIModule].New)
	require.Equal(t, "release-4.15", kinds[example.APIModule].Query)
	require.NotEqual(t, kinds[example.APIModule].Old, kinds[example.APIModule].New)

	// A second run changes nothing.
	before := snapshot(t, w.Dir)
	rep2, err := gomod.Run(ctx, opts(t, w, "4.15"))
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, w.Dir))
	require.False(t, rep2.GoModChanged)
	require.Empty(t, rep2.Inherited)
	require.Empty(t, rep2.Fixes)
	for _, c := range rep2.Changes {
		require.False(t, c.Changed(), "%+v", c)
	}
}

// Without inheritance go mod tidy succeeds and builds upstream's client-go instead of the
// fork the provider replaces it with: a wrong build with no error, which is why inheritance is
// not optional.
func TestWithoutInheritanceTidySilentlyTakesUpstream(t *testing.T) {
	w := newWrapper(t)
	o := opts(t, w, "4.15")
	o.NoInherit = true
	rep, err := gomod.Run(context.Background(), o)
	require.NoError(t, err)
	require.True(t, rep.Vendored)
	require.Empty(t, rep.Fixes, "go reported nothing to fix")
	require.Contains(t, vendoredClientGo(t, w), `"upstream-old"`)
	require.NotContains(t, read(t, w.Dir, "go.mod"), example.ClientGoFork)
}

func TestFixLoopRepairsChainGoPrints(t *testing.T) {
	w := newWrapper(t)
	ctx := context.Background()
	// Leave inheritance out, so that go meets the placeholder.
	o := opts(t, w, "4.16")
	o.NoInherit = true
	rep, err := gomod.Run(ctx, o)
	require.NoError(t, err)
	require.Len(t, rep.Fixes, 1)
	fix := rep.Fixes[0]
	require.Equal(t, example.ClientGoModule, fix.Chain.Failing.Path)
	require.Equal(t, gomod.Placeholder, fix.Chain.Failing.Version)
	require.Contains(t, fix.Chain.Reason, "unknown revision 000000000000")
	require.Equal(t, example.ProviderModule, fix.From.Path)
	require.Equal(t, example.ClientGoFork, fix.Replace.New.Path)
	require.Contains(t, vendoredClientGo(t, w), `"fork-4.15"`)
	consistent(t, w)
}

func TestConflictingInheritedReplacesStop(t *testing.T) {
	w := newWrapper(t)
	before := snapshot(t, w.Dir)
	_, err := gomod.Run(context.Background(), opts(t, w, "4.17"))
	var ce *gomod.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, example.ClientGoModule, ce.Module)
	require.Len(t, ce.Choices, 2)
	require.Contains(t, err.Error(), example.InstallerModule+"@")
	require.Contains(t, err.Error(), "replace "+example.ClientGoModule+" => "+example.ClientGoFork+" "+w.Pseudo["fork@4.15"])
	require.Contains(t, err.Error(), example.APIModule+"@")
	require.Contains(t, err.Error(), "replace "+example.ClientGoModule+" => "+example.ClientGoModule+" "+w.Pseudo["client-go@old"])
	require.Equal(t, before, snapshot(t, w.Dir))
}

// The installer's own replace wins over the provider's: the installer builds with it.
func TestInheritedReplaceClosestToWrapperWins(t *testing.T) {
	w := newWrapper(t)
	rep, err := gomod.Run(context.Background(), opts(t, w, "4.18"))
	require.NoError(t, err)
	require.Len(t, rep.Inherited, 1)
	require.Equal(t, example.InstallerModule, rep.Inherited[0].From[0].Path)
	require.Equal(t, w.Pseudo["client-go@old"], rep.Inherited[0].New.Version)
	require.Contains(t, vendoredClientGo(t, w), `"upstream-old"`)
	consistent(t, w)
}

// An explicit rule's missing branch fails loudly; a follow prefix's is left to go mod, except
// with -strict, which names every module and branch.
func TestUnknownBranchNamesModuleAndBranch(t *testing.T) {
	w := newWrapper(t)
	before := snapshot(t, w.Dir)
	_, err := gomod.Run(context.Background(), opts(t, w, "4.99"))
	require.ErrorIs(t, err, gomod.ErrRevisionNotFound)
	var re *gomod.ResolveError
	require.ErrorAs(t, err, &re)
	require.Contains(t, err.Error(), "github.com/openshift/installer-aro@release-4.99-azure")
	require.NotContains(t, err.Error(), example.APIModule+"@release-4.99")
	require.Equal(t, before, snapshot(t, w.Dir))

	o := opts(t, w, "4.99")
	o.Strict = true
	_, err = gomod.Run(context.Background(), o)
	for _, want := range []string{example.APIModule + "@release-4.99", "github.com/openshift/installer-aro@release-4.99-azure", "without -strict"} {
		require.Contains(t, err.Error(), want)
	}
	require.Equal(t, before, snapshot(t, w.Dir))
}

func TestDryRunWritesNothing(t *testing.T) {
	w := newWrapper(t)
	before := snapshot(t, w.Dir)
	o := opts(t, w, "4.15")
	o.DryRun = true
	rep, err := gomod.Run(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, w.Dir))
	require.Len(t, rep.Inherited, 1)
	require.True(t, rep.Tidied, "the dry run tidies a scratch copy")
	require.False(t, rep.Vendored)
	require.True(t, rep.DryRun)
}

func TestBadRulesFileLeavesGoModAlone(t *testing.T) {
	w := newWrapper(t)
	for name, tc := range map[string]struct {
		rules string
		want  error
		msg   string
	}{
		"unknown kind":     {`{"rules":[{"module":"github.com/openshift/api","kind":"folow"}]}`, gomod.ErrUnknownKind, `"folow"`},
		"malformed module": {`{"rules":[{"module":"github.com/openshift/api ","kind":"skip"}]}`, gomod.ErrBadRules, "malformed module path"},
		"malformed fork":   {`{"rules":[{"module":"sigs.k8s.io/x","kind":"fork","fork":"-bad/.path"}]}`, gomod.ErrBadRules, "fork"},
		"unknown field":    {`{"rules":[{"module":"github.com/openshift/api","kind":"skip","branch":"x"}]}`, gomod.ErrBadRules, "unknown field"},
		"not json":         {`rules: []`, gomod.ErrBadRules, "invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.MkdirAll(filepath.Join(w.Dir, "hack"), 0o777))
			require.NoError(t, os.WriteFile(filepath.Join(w.Dir, gomod.RulesFile), []byte(tc.rules), 0o666))
			before := snapshot(t, w.Dir)
			_, err := gomod.Run(context.Background(), opts(t, w, "4.15"))
			require.ErrorIs(t, err, tc.want)
			require.Contains(t, err.Error(), tc.msg)
			require.Contains(t, err.Error(), gomod.RulesFile)
			require.Equal(t, before, snapshot(t, w.Dir))
		})
	}
}

func TestNotAModule(t *testing.T) {
	_, err := gomod.Run(context.Background(), gomod.Options{Dir: t.TempDir(), Release: release.Minor{Major: 4, Minor: 15}})
	require.ErrorIs(t, err, gomod.ErrNoGoMod)
	require.True(t, errors.Is(err, gomod.ErrNoGoMod) && strings.Contains(err.Error(), "no go.mod"))
}

// A module that go mod tidy brings in and the rules cover gets its rule in the same run, so
// that the next run finds nothing to do.
func TestVendorFollowsModulesTidyAdds(t *testing.T) {
	w := newWrapper(t)
	ctx := context.Background()
	require.NoError(t, os.Remove(filepath.Join(w.Dir, gomod.RulesFile)))
	rep, err := gomod.Run(ctx, opts(t, w, "4.15"))
	require.NoError(t, err)
	var provider *gomod.Change
	for i, c := range rep.Changes {
		if c.Module == example.ProviderModule {
			provider = &rep.Changes[i]
		}
	}
	require.NotNil(t, provider, "the provider is followed once tidy requires it")
	require.Equal(t, gomod.KindFollow, provider.Kind)
	require.Equal(t, w.Pseudo["provider@release-4.15"], provider.New)
	require.Contains(t, read(t, w.Dir, "go.mod"), example.ProviderModule+" => "+example.ProviderModule+" "+w.Pseudo["provider@release-4.15"])
	require.Contains(t, vendoredClientGo(t, w), `"fork-4.15"`)
	consistent(t, w)

	before := snapshot(t, w.Dir)
	rep2, err := gomod.Run(ctx, opts(t, w, "4.15"))
	require.NoError(t, err)
	require.False(t, rep2.GoModChanged)
	require.Equal(t, before, snapshot(t, w.Dir))
}

func runVendor(ctx context.Context, o gomod.Options) (*gomod.Report, error) {
	return gomod.Run(ctx, o)
}

// A run killed halfway (go.mod half edited, vendor/ moved aside) is put back by the next run
// before it starts, and the next run then does the whole job.
func TestKilledRunIsRecovered(t *testing.T) {
	w := newWrapper(t)
	before := snapshot(t, w.Dir)
	backup := filepath.Join(w.Dir, ".git", "releasekit", "wrapper-backup")
	require.NoError(t, os.MkdirAll(backup, 0o777))
	for _, f := range []string{"go.mod", "go.sum"} {
		require.NoError(t, os.WriteFile(filepath.Join(backup, f), []byte(before[f]), 0o666))
	}
	require.NoError(t, os.Rename(filepath.Join(w.Dir, "vendor"), filepath.Join(backup, "vendor")))
	require.NoError(t, os.WriteFile(filepath.Join(w.Dir, "go.mod"), []byte(before["go.mod"]+"\nreplace half => edited v1.0.0\n"), 0o666))

	// A dry run does not touch it: only a real run recovers.
	o := opts(t, w, "4.15")
	o.DryRun = true
	_, err := gomod.Run(context.Background(), o)
	require.NoError(t, err)
	require.DirExists(t, filepath.Join(backup, "vendor"))

	rep, err := gomod.Run(context.Background(), opts(t, w, "4.15"))
	require.NoError(t, err)
	require.Contains(t, rep.Warnings, "an earlier run was interrupted: go.mod, go.sum and vendor/ were put back as they were before it")
	require.NotContains(t, read(t, w.Dir, "go.mod"), "half")
	require.Contains(t, vendoredClientGo(t, w), `"fork-4.15"`)
	require.NoDirExists(t, backup)
	consistent(t, w)
}

// A Kubernetes module that a fork replaces is not aligned: it keeps the fork and is listed.
func TestK8sModuleReplacedByForkIsLeftAlone(t *testing.T) {
	w := newWrapper(t)
	ctx := context.Background()
	const fork = "github.com/openshift/kubernetes-api"
	v, err := w.Commit(ctx, fork, "main", map[string]string{
		"go.mod": "module " + example.K8sAPIModule + "\n\ngo 1.21\n",
		"api.go": "package api\n\n// Version is the fork's.\nconst Version = \"openshift\"\n",
	})
	require.NoError(t, err)
	gm := strings.Replace(read(t, w.Dir, "go.mod"), example.K8sAPIModule+" => "+example.K8sAPIModule+" v0.27.4", example.K8sAPIModule+" => "+fork+" "+v, 1)
	require.NoError(t, os.WriteFile(filepath.Join(w.Dir, "go.mod"), []byte(gm), 0o666))
	for _, args := range [][]string{{"mod", "tidy"}, {"mod", "vendor"}} {
		out, err := w.Go(ctx, args...)
		require.NoError(t, err, out)
	}

	rep, err := gomod.Run(ctx, opts(t, w, "4.15"))
	require.NoError(t, err)
	require.Equal(t, "v0.28.3", rep.K8sTag)
	require.Contains(t, rep.Unaligned, gomod.Unaligned{Module: example.K8sAPIModule, Why: "replaced by a fork: " + fork + " " + v})
	require.Contains(t, read(t, w.Dir, "go.mod"), example.K8sAPIModule+" => "+fork+" "+v)
	require.Contains(t, read(t, w.Dir, "go.mod"), example.K8sClientModule+" => "+example.K8sClientModule+" v0.28.3")
	require.Contains(t, read(t, w.Dir, "vendor/k8s.io/api/api.go"), `"openshift"`)
}

// An interrupt (Ctrl-C cancels the context) just as go mod vendor starts, after go.mod and
// go.sum were rewritten and vendor/ moved aside, leaves all three as they were.
func TestInterruptPutsEverythingBack(t *testing.T) {
	w := newWrapper(t)
	before := snapshot(t, w.Dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := opts(t, w, "4.15")
	o.Progress = func(s string) {
		if s == "go mod vendor" {
			require.NotEqual(t, before["go.mod"], read(t, w.Dir, "go.mod"), "go.mod is written before vendoring")
			cancel()
		}
	}
	_, err := gomod.Run(ctx, o)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, before, snapshot(t, w.Dir))
	require.NoDirExists(t, filepath.Join(w.Dir, ".git", "releasekit", "wrapper-backup"))
	consistent(t, w)
}

// Dependencies' replaces of Kubernetes modules: one with the module itself at another version
// gives way to the alignment (two such that disagree are no conflict), one with a fork wins
// and the module is listed as left alone.
func TestK8sAlignmentAndInheritedReplaces(t *testing.T) {
	w := newWrapper(t)
	ctx := context.Background()
	fork, err := w.Commit(ctx, "github.com/openshift/kubernetes-client-go", "main", map[string]string{
		"go.mod":    "module " + example.K8sClientModule + "\n\ngo 1.21\n\nrequire " + example.K8sAPIModule + " v0.28.3\n",
		"client.go": "package client\n\nimport api \"" + example.K8sAPIModule + "\"\n\n// Version is the fork's.\nconst Version = \"openshift \" + api.Version\n",
	})
	require.NoError(t, err)
	api, err := w.Commit(ctx, example.APIModule, "release-4.15", map[string]string{
		"go.mod": "module " + example.APIModule + "\n\ngo 1.21\n\nrequire " + example.K8sAPIModule + " v0.27.4\n\nreplace " + example.K8sAPIModule + " => " + example.K8sAPIModule + " v0.29.1\n",
		"api.go": "package api\n\nimport _ \"" + example.K8sAPIModule + "\"\n\n// Release is the API's release.\nconst Release = \"4.15\"\n",
	})
	require.NoError(t, err)
	inst, err := w.Commit(ctx, "github.com/openshift/installer-aro", "release-4.15-azure", map[string]string{
		"go.mod": "module " + example.InstallerModule + "\n\ngo 1.21\n\nrequire (\n\t" + example.APIModule + " " + api + "\n\t" +
			example.K8sAPIModule + " v0.28.3\n\t" + example.K8sClientModule + " v0.28.3\n)\n\n" +
			"replace (\n\t" + example.K8sAPIModule + " => " + example.K8sAPIModule + " v0.28.3\n\t" +
			example.K8sClientModule + " => github.com/openshift/kubernetes-client-go " + fork + "\n)\n",
		"installer.go": "package installer\n\nimport (\n\t_ \"" + example.APIModule + "\"\n\t_ \"" + example.K8sClientModule + "\"\n)\n\n// Who says what the installer is.\nconst Who = \"installer 4.15-azure\"\n",
	})
	require.NoError(t, err)

	rep, err := gomod.Run(ctx, opts(t, w, "4.15"))
	require.NoError(t, err)
	require.Equal(t, "v0.28.3", rep.K8sTag)
	require.Contains(t, rep.K8sFrom, "github.com/openshift/installer-aro@"+inst)
	gm := read(t, w.Dir, "go.mod")
	require.Contains(t, gm, example.K8sAPIModule+" => "+example.K8sAPIModule+" v0.28.3")
	require.Contains(t, gm, example.K8sClientModule+" => github.com/openshift/kubernetes-client-go "+fork)
	require.Len(t, rep.Unaligned, 2)
	require.Equal(t, example.K8sClientModule, rep.Unaligned[0].Module)
	require.Contains(t, rep.Unaligned[0].Why, "replaced by a fork: github.com/openshift/kubernetes-client-go "+fork+" (from the go.mod of "+example.InstallerModule+"@")
	require.Equal(t, example.KlogModule, rep.Unaligned[1].Module)
	require.Contains(t, read(t, w.Dir, "vendor/k8s.io/client-go/client.go"), `"openshift "`)
	consistent(t, w)
}

// A second run while one is working on the repository is refused, dry or not, and changes
// nothing: it is the repository lock that every mutating target takes.
func TestSecondRunIsRefused(t *testing.T) {
	w := newWrapper(t)
	// Another run holds the lock (a taker of its own: the lock is refused as to another process).
	other, err := git.OpenWorkTree(context.Background(), w.Dir)
	require.NoError(t, err)
	unlock, _, err := other.Lock(context.Background())
	require.NoError(t, err)
	defer unlock()
	before := snapshot(t, w.Dir)
	for _, dry := range []bool{false, true} {
		o := opts(t, w, "4.15")
		o.DryRun = dry
		_, err := gomod.Run(context.Background(), o)
		var le *git.LockedError
		require.ErrorAs(t, err, &le)
		require.Equal(t, os.Getpid(), le.PID)
		require.Contains(t, err.Error(), "hint: wait for it to finish")
		require.Equal(t, before, snapshot(t, w.Dir))
	}
}

// The dry run tidies a copy: a replace with a directory next to the wrapper still points there.
func TestDryRunKeepsLocalReplaces(t *testing.T) {
	w := newWrapper(t)
	ctx := context.Background()
	local := filepath.Join(filepath.Dir(w.Dir), "local")
	require.NoError(t, os.MkdirAll(local, 0o777))
	require.NoError(t, os.WriteFile(filepath.Join(local, "go.mod"), []byte("module example.com/local\n\ngo 1.21\n"), 0o666))
	require.NoError(t, os.WriteFile(filepath.Join(local, "local.go"), []byte("package local\n\n// Name is the local module's.\nconst Name = \"local\"\n"), 0o666))
	require.NoError(t, os.WriteFile(filepath.Join(w.Dir, "local.go"), []byte("package main\n\nimport _ \"example.com/local\"\n"), 0o666))
	gm := read(t, w.Dir, "go.mod") + "\nrequire example.com/local v0.0.0\n\nreplace example.com/local => ../local\n"
	require.NoError(t, os.WriteFile(filepath.Join(w.Dir, "go.mod"), []byte(gm), 0o666))
	for _, args := range [][]string{{"mod", "tidy"}, {"mod", "vendor"}} {
		out, err := w.Go(ctx, args...)
		require.NoError(t, err, out)
	}
	before := snapshot(t, w.Dir)
	o := opts(t, w, "4.15")
	o.DryRun = true
	rep, err := gomod.Run(ctx, o)
	require.NoError(t, err)
	require.True(t, rep.Tidied)
	require.Empty(t, rep.Warnings, "no replace disappeared")
	require.Equal(t, before, snapshot(t, w.Dir))
}
