package gomod

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"

	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// When the requirer's go.mod has no replace for the placeholder either, the fix loop stops and
// says so in plain words.
func TestFindFixWithoutReplaceExplains(t *testing.T) {
	SkipShort(t)
	t.Parallel()
	ctx := context.Background()
	w, err := example.NewWrapper(ctx, t.TempDir(), ModCache)
	require.NoError(t, err)
	gm, err := readGoMod(w.Dir)
	require.NoError(t, err)
	f := newFetcher(gocmd.Runner{Env: w.Env()}, 4, w.Dir)
	none := func(string) bool { return false }

	// The API module requires client-go but replaces nothing.
	api := Step{Path: example.APIModule, Version: w.Pseudo["api@release-4.15"]}
	c := Chain{Steps: []Step{api}, Failing: Step{Path: example.ClientGoModule, Version: Placeholder}, Reason: "invalid version: unknown revision 000000000000"}
	_, err = findFix(ctx, f, gm.f, c, none)
	var ue *UnfixableError
	require.ErrorAs(t, err, &ue)
	require.Contains(t, err.Error(), "module "+api.String()+" requires "+example.ClientGoModule+" at the placeholder version")
	require.Contains(t, err.Error(), "has no replace for it either")

	// The provider has one: that is the fix.
	prov := Step{Path: example.ProviderModule, Version: w.Pseudo["provider@release-4.15"]}
	fix, err := findFix(ctx, f, gm.f, Chain{Steps: []Step{prov}, Failing: c.Failing}, none)
	require.NoError(t, err)
	require.Equal(t, example.ClientGoFork, fix.Replace.New.Path)
	require.Equal(t, w.Pseudo["fork@4.15"], fix.Replace.New.Version)

	// Nothing before the failing module: our own go.mod holds the placeholder.
	_, err = findFix(ctx, f, gm.f, Chain{Failing: c.Failing}, none)
	require.ErrorAs(t, err, &ue)
	require.Contains(t, err.Error(), "add a replace for "+example.ClientGoModule+" to go.mod by hand")

	// A module the rules manage is the rule's business.
	_, err = findFix(ctx, f, gm.f, Chain{Steps: []Step{prov}, Failing: c.Failing}, func(p string) bool { return p == example.ClientGoModule })
	require.ErrorContains(t, err, "a module rule manages "+example.ClientGoModule)
}
