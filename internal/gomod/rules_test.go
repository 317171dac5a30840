package gomod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/aro-releasekit/releasekit/internal/release"
)

func TestLoadRulesDefaultsWithoutFile(t *testing.T) {
	rs, err := LoadRules(t.TempDir(), "")
	require.NoError(t, err)
	require.Equal(t, DefaultRules().Follow, rs.Follow)
	r, ok := rs.lookup("github.com/openshift/installer")
	require.True(t, ok)
	require.Equal(t, KindInstaller, r.Kind)
	require.Equal(t, InstallerFork, r.Fork)
	r, ok = rs.lookup("github.com/openshift/client-go")
	require.True(t, ok)
	require.Equal(t, KindFollow, r.Kind)
	r, ok = rs.lookup("k8s.io/api")
	require.True(t, ok)
	require.Equal(t, KindK8s, r.Kind, "k8s.io modules follow the installer's Kubernetes tag by default")
}

func TestLoadRulesFileOverridesDefaults(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "hack"), 0o777))
	require.NoError(t, os.WriteFile(filepath.Join(dir, RulesFile), []byte(`{
  "follow": ["github.com/openshift/", "github.com/openshift-eng/"],
  "rules": [
    {"module": "github.com/openshift/installer", "kind": "installer", "source": "upstream"},
    {"module": "github.com/openshift/api", "kind": "pin", "version": "v0.0.0-20240101000000-abcdefabcdef", "why": "API freeze"},
    {"module": "k8s.io/kubectl", "kind": "drop-replace"}
  ]
}`), 0o666))
	rs, err := LoadRules(dir, "")
	require.NoError(t, err)
	require.Equal(t, []string{"github.com/openshift/", "github.com/openshift-eng/"}, rs.Follow)
	r, _ := rs.lookup("github.com/openshift/installer")
	require.Equal(t, "upstream", r.Source)
	require.Equal(t, "github.com/openshift/installer", r.target("github.com/openshift/installer"))
	r, _ = rs.lookup("github.com/openshift/hive")
	require.Equal(t, KindSkip, r.Kind, "defaults the file does not name stay")
	r, _ = rs.lookup("github.com/openshift-eng/x")
	require.Equal(t, KindFollow, r.Kind)
}

func TestRulesValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		rule Rule
		want string
	}{
		"fork without fork":            {Rule{Module: "sigs.k8s.io/x", Kind: KindFork}, `needs "fork"`},
		"pin without version":          {Rule{Module: "github.com/openshift/api", Kind: KindPin}, `needs "version"`},
		"pin with bad version":         {Rule{Module: "github.com/openshift/api", Kind: KindPin, Version: "-x"}, "neither a version nor a revision"},
		"pin wrong major":              {Rule{Module: "github.com/openshift/api", Kind: KindPin, Version: "v2.0.0"}, "invalid version"},
		"version on follow":            {Rule{Module: "github.com/openshift/api", Kind: KindFollow, Version: "v1.0.0"}, "only a pin rule takes a version"},
		"source on fork":               {Rule{Module: "sigs.k8s.io/x", Kind: KindFork, Fork: "github.com/openshift/x", Source: "upstream"}, "only an installer rule takes a source"},
		"bad source":                   {Rule{Module: "github.com/openshift/installer", Kind: KindInstaller, Source: "mirror"}, `source "mirror"`},
		"fork on skip":                 {Rule{Module: "github.com/openshift/hive", Kind: KindSkip, Fork: "github.com/x/hive"}, "a skip rule takes no fork"},
		"empty kind":                   {Rule{Module: "github.com/openshift/hive"}, `unknown rule kind ""`},
		"module with a version":        {Rule{Module: "github.com/openshift/hive@v1", Kind: KindSkip}, "malformed module path"},
		"uppercase kind is not a kind": {Rule{Module: "github.com/openshift/hive", Kind: "Skip"}, `unknown rule kind "Skip"`},
	} {
		t.Run(name, func(t *testing.T) {
			rs := Rules{Rules: []Rule{tc.rule}}
			err := rs.Validate()
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	dup := Rules{Rules: []Rule{{Module: "github.com/openshift/hive", Kind: KindSkip}, {Module: "github.com/openshift/hive", Kind: KindFollow}}}
	require.ErrorContains(t, dup.Validate(), "rule 1 (github.com/openshift/hive) and rule 2 (github.com/openshift/hive) name the same module")
}

func parseMod(t *testing.T, s string) *modfile.File {
	t.Helper()
	f, err := modfile.Parse("go.mod", []byte(s), nil)
	require.NoError(t, err)
	return f
}

func TestPlan(t *testing.T) {
	mf := parseMod(t, `module github.com/openshift/installer-aro-wrapper

go 1.22

require (
	github.com/openshift/installer v0.9.0
	github.com/openshift/api v0.0.0-20230101000000-aaaaaaaaaaaa
	github.com/openshift/hive/apis v0.0.0-20230101000000-bbbbbbbbbbbb
	sigs.k8s.io/cluster-api-provider-azure v1.11.0
	k8s.io/api v0.28.3
)

replace github.com/openshift/installer => github.com/openshift/installer-aro v0.0.0-20230101000000-cccccccccccc

replace github.com/openshift/lonely => github.com/openshift/lonely v0.0.0-20230101000000-dddddddddddd

replace k8s.io/kubectl => k8s.io/kubectl v0.28.3
`)
	rules := DefaultRules()
	rules.Rules = append(rules.Rules,
		Rule{Module: "k8s.io/kubectl", Kind: KindDropReplace},
		Rule{Module: "k8s.io/api", Kind: KindPin, Version: "v0.28.4"})
	require.NoError(t, rules.Validate())
	changes, queries, managed := plan(mf, rules, release.Minor{Major: 4, Minor: 15})
	byMod := map[string]Change{}
	for _, c := range changes {
		byMod[c.Module] = c
	}
	require.ElementsMatch(t, []Query{
		{"github.com/openshift/installer-aro", "release-4.15-azure"},
		{"github.com/openshift/api", "release-4.15"},
		{"github.com/openshift/cluster-api-provider-azure", "release-4.15"},
	}, queries)
	require.Equal(t, "github.com/openshift/installer-aro v0.0.0-20230101000000-cccccccccccc", byMod["github.com/openshift/installer"].Old)
	require.Equal(t, KindSkip, byMod["github.com/openshift/hive/apis"].Kind)
	require.NotContains(t, byMod, "github.com/openshift/lonely", "follow is for what the wrapper requires")
	require.True(t, managed("k8s.io/kubectl"))
	require.True(t, managed("github.com/openshift/hive"), "every rule's module is ours, required or not")
	require.False(t, managed("github.com/kubevirt/client-go"))

	resolved := map[Query]Resolved{}
	for _, q := range queries {
		resolved[q] = Resolved{Query: q, Version: "v0.0.0-20240101000000-eeeeeeeeeeee"}
	}
	require.NoError(t, applyChanges(mf, changes, resolved))
	out, err := (&goModFile{f: mf}).format()
	require.NoError(t, err)
	for _, want := range []string{
		"replace github.com/openshift/installer => github.com/openshift/installer-aro v0.0.0-20240101000000-eeeeeeeeeeee",
		"replace github.com/openshift/api => github.com/openshift/api v0.0.0-20240101000000-eeeeeeeeeeee",
		"replace sigs.k8s.io/cluster-api-provider-azure => github.com/openshift/cluster-api-provider-azure v0.0.0-20240101000000-eeeeeeeeeeee",
		"replace k8s.io/api => k8s.io/api v0.28.4",
	} {
		require.Contains(t, string(out), want)
	}
	require.NotContains(t, string(out), "k8s.io/kubectl =>")
	require.NotContains(t, string(out), "hive/apis =>")
}

func TestK8sSkew(t *testing.T) {
	wrapper := parseMod(t, "module w\n\nrequire (\n\tk8s.io/api v0.29.1\n\tk8s.io/client-go v0.28.2\n\tk8s.io/apimachinery v0.28.9\n)\n\nreplace k8s.io/apimachinery => k8s.io/apimachinery v0.29.0\n")
	inst := parseMod(t, "module github.com/openshift/installer\n\nrequire (\n\tk8s.io/api v0.28.4\n\tk8s.io/client-go v0.28.4\n\tk8s.io/apimachinery v0.28.4\n)\n")
	g := &graph{
		selected: map[string]string{"github.com/openshift/installer": "v1.0.0"},
		mods:     map[module.Version]*modfile.File{{Path: "github.com/openshift/installer", Version: "v1.0.0"}: inst},
	}
	warns := k8sSkew(wrapper, g)
	require.Len(t, warns, 2)
	require.Contains(t, warns[0], "k8s.io/api: the wrapper builds v0.29.1, the installer's go.mod v0.28.4")
	require.Contains(t, warns[1], "k8s.io/apimachinery: the wrapper builds v0.29.0")
}

// The README's translation of the 4.15-era update script is a rules file that loads.
func TestREADMEExampleRulesLoad(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "rule for rule")
	require.True(t, ok, "the README's example rules file is gone")
	_, rest, ok = strings.Cut(rest, "```json\n")
	require.True(t, ok)
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	file := filepath.Join(t.TempDir(), "rules.json")
	require.NoError(t, os.WriteFile(file, []byte(block), 0o666))
	rs, err := LoadRules(t.TempDir(), file)
	require.NoError(t, err)
	for path, want := range map[string]Kind{
		"github.com/openshift/hive":                        KindSkip,
		"github.com/openshift/installer":                   KindInstaller,
		"github.com/openshift/machine-config-operator":     KindPin,
		"github.com/openshift/client-go":                   KindFollow,
		"k8s.io/client-go":                                 KindK8s,
		"k8s.io/cloud-provider-vsphere":                    KindSkip,
		"sigs.k8s.io/cluster-api-provider-azure":           KindPin,
		"github.com/metal3-io/baremetal-operator/apis":     KindFork,
		"github.com/metal3-io/cluster-api-provider-metal3": KindFork,
	} {
		r, ok := rs.lookup(path)
		require.True(t, ok, path)
		require.Equal(t, want, r.Kind, path)
	}
	r, _ := rs.lookup("github.com/metal3-io/baremetal-operator/apis")
	require.Equal(t, "github.com/openshift/baremetal-operator/apis", r.target("github.com/metal3-io/baremetal-operator/apis"))
}

// The rules file is read strictly, as the README promises: what encoding/json alone takes (a
// file with merge-conflict markers after its first object, a key in another case, a key twice)
// is an error that names the file, the line and the key.
func TestLoadRulesStrict(t *testing.T) {
	for name, tc := range map[string]struct {
		rules string
		want  []string
	}{
		"merge conflict": {"{\"rules\": [{\"module\": \"github.com/openshift/api\", \"kind\": \"skip\"}]}\n=======\n{\"rules\": []}\n>>>>>>> theirs\n", []string{"line 2", "content after"}},
		"second object":  {"{\"follow\": [\"github.com/openshift/\"]}\n{\"follow\": []}\n", []string{"line 2", "content after"}},
		"key case":       {"{\"rules\": [\n  {\"module\": \"github.com/openshift/api\", \"Kind\": \"skip\"}\n]}\n", []string{"line 2", `key "rules[0].Kind"`, `case-sensitive: "kind"`}},
		"top key case":   {"{\"Follow\": [\"github.com/openshift/\"]}\n", []string{"line 1", `key "Follow"`}},
		"duplicate key":  {"{\"rules\": [\n  {\"module\": \"github.com/openshift/api\",\n   \"kind\": \"follow\",\n   \"kind\": \"skip\"}\n]}\n", []string{"line 4", `key "rules[0].kind"`, "twice"}},
		"duplicate list": {"{\"follow\": [],\n \"follow\": [\"github.com/openshift/\"]}\n", []string{"line 2", `key "follow"`, "twice"}},
		"unknown field":  {"{\"rules\": [{\"module\": \"github.com/openshift/api\", \"kind\": \"skip\", \"branch\": \"x\"}]}", []string{"line 1", `key "rules[0].branch"`, "unknown field"}},
		"wrong type":     {"{\n\"follow\": \"github.com/openshift/\"}", []string{"line 2", `key "follow"`}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "hack"), 0o777))
			require.NoError(t, os.WriteFile(filepath.Join(dir, RulesFile), []byte(tc.rules), 0o666))
			_, err := LoadRules(dir, "")
			require.ErrorIs(t, err, ErrBadRules)
			require.Contains(t, err.Error(), RulesFile)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}
