package gomod

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
)

func guardMod(t *testing.T, s string) *modfile.File {
	t.Helper()
	f, err := modfile.Parse("go.mod", []byte("module example.com/w\n\ngo 1.22\n"+s), nil)
	require.NoError(t, err)
	return f
}

func TestPinGuard(t *testing.T) {
	old := guardMod(t, `
require (
	example.com/back v1.5.0
	example.com/tagged v1.2.0 // indirect
	example.com/pre v1.2.0 // indirect
	example.com/fwd v1.0.0
	example.com/ind v1.5.0 // indirect
	example.com/same v1.0.0
)
replace example.com/gone => example.com/gone v1.0.0
replace example.com/dropped => example.com/dropped v1.0.0
replace example.com/fork => example.com/theirs v1.0.0
`)
	new := guardMod(t, `
require (
	example.com/back v1.4.0
	example.com/tagged v1.2.0 // indirect
	example.com/pre v1.3.0-rc.1 // indirect
	example.com/fwd v1.0.0
	example.com/ind v1.4.0 // indirect
	example.com/same v1.0.0
)
replace example.com/tagged => example.com/tagged v0.0.0-20200101000000-abcdefabcdef
replace example.com/fwd => example.com/fwd v1.1.0
replace example.com/fork => example.com/ours v0.1.0
`)
	got := pinGuard(old, new, []Change{{Module: "example.com/dropped", Kind: KindDropReplace}})
	require.ElementsMatch(t, []string{
		"example.com/back goes back from v1.5.0 to v1.4.0 (a direct requirement)",
		"example.com/tagged moves from the release v1.2.0 to an older pseudo-version v0.0.0-20200101000000-abcdefabcdef",
		"example.com/pre moves from the release v1.2.0 to the pre-release v1.3.0-rc.1",
		"the replace of example.com/gone (=> example.com/gone v1.0.0) disappears, and no drop-replace rule asks for it",
	}, got)
}

func TestRulesByPrefixMostSpecificWins(t *testing.T) {
	rs := Rules{
		Follow: []string{"github.com/openshift/"},
		Rules: []Rule{
			{Prefix: "github.com/metal3-io/", Kind: KindFork, Fork: "github.com/openshift/"},
			{Prefix: "github.com/metal3-io/baremetal-operator/", Kind: KindSkip},
			{Module: "github.com/metal3-io/baremetal-operator/apis", Kind: KindPin, Version: "v0.5.0"},
			{Prefix: "sigs.k8s.io/cluster-api", Kind: KindPin, Version: "v1.5.3"},
			{Prefix: "github.com/openshift/cluster-api-provider-", Kind: KindSkip},
		},
	}
	require.NoError(t, rs.Validate())
	for path, want := range map[string]struct {
		kind   Kind
		target string
	}{
		"github.com/metal3-io/cluster-api-provider-metal3":          {KindFork, "github.com/openshift/cluster-api-provider-metal3"},
		"github.com/metal3-io/baremetal-operator":                   {KindFork, "github.com/openshift/baremetal-operator"},
		"github.com/metal3-io/baremetal-operator/pkg/hardwareutils": {KindSkip, "github.com/metal3-io/baremetal-operator/pkg/hardwareutils"},
		"github.com/metal3-io/baremetal-operator/apis":              {KindPin, "github.com/metal3-io/baremetal-operator/apis"},
		"sigs.k8s.io/cluster-api-provider-aws/v2":                   {KindPin, "sigs.k8s.io/cluster-api-provider-aws/v2"},
		"github.com/openshift/cluster-api-provider-kubevirt":        {KindSkip, "github.com/openshift/cluster-api-provider-kubevirt"},
		"github.com/openshift/api":                                  {KindFollow, "github.com/openshift/api"},
	} {
		r, ok := rs.lookup(path)
		require.True(t, ok, path)
		require.Equal(t, want.kind, r.Kind, path)
		require.Equal(t, want.target, r.target(path), path)
	}
	_, ok := rs.lookup("example.com/other")
	require.False(t, ok)

	same := Rules{Follow: []string{"github.com/openshift/"}, Rules: []Rule{{Prefix: "github.com/openshift/", Kind: KindSkip}}}
	require.ErrorContains(t, same.Validate(), `the follow prefix "github.com/openshift/" and rule 1 (github.com/openshift/*) name the same prefix`)
	both := Rules{Rules: []Rule{{Module: "github.com/a/b", Prefix: "github.com/a/", Kind: KindSkip}}}
	require.ErrorContains(t, both.Validate(), "a module or a prefix, not both")
	inst := Rules{Rules: []Rule{{Prefix: "github.com/openshift/installer", Kind: KindInstaller}}}
	require.ErrorContains(t, inst.Validate(), "an installer rule names one module, not a prefix")
	fork := Rules{Rules: []Rule{{Prefix: "github.com/metal3-io/", Kind: KindFork, Fork: "github.com/openshift"}}}
	require.ErrorContains(t, fork.Validate(), "must end the way the prefix does")
	k8s := Rules{Rules: []Rule{{Prefix: "k8s.io/", Kind: KindK8s, Fork: "github.com/openshift/"}}}
	require.ErrorContains(t, k8s.Validate(), "a k8s rule takes no fork")
}
