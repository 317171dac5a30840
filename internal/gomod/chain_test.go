package gomod

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseChains(t *testing.T) {
	for _, tc := range []struct {
		name    string
		out     string
		want    []Chain
		explain string
	}{
		{
			name: "requires chain as the runbook shows it (spaces)",
			out: `go: github.com/openshift/installer@v0.16.1 requires
    github.com/openshift/cluster-api-provider-kubevirt@v0.0.0-20201214114543-e5aed9c73f1f requires
    kubevirt.io/client-go@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000
`,
			want: []Chain{{
				Steps: []Step{
					{Path: "github.com/openshift/installer", Version: "v0.16.1"},
					{Path: "github.com/openshift/cluster-api-provider-kubevirt", Version: "v0.0.0-20201214114543-e5aed9c73f1f"},
				},
				Failing: Step{Path: "kubevirt.io/client-go", Version: Placeholder},
				Reason:  "invalid version: unknown revision 000000000000",
			}},
			explain: "module github.com/openshift/cluster-api-provider-kubevirt@v0.0.0-20201214114543-e5aed9c73f1f requires kubevirt.io/client-go",
		},
		{
			name: "imports chain from go mod tidy (tabs), after other lines",
			out: "go: finding module for package github.com/openshift/installer\n" +
				"go: found github.com/openshift/installer in github.com/openshift/installer v0.0.0-20231114222120-b799f9691561\n" +
				"go: downloading github.com/kubevirt/client-go v0.0.0-00010101000000-000000000000\n" +
				"go: github.com/openshift/installer-aro-wrapper imports\n" +
				"\tgithub.com/openshift/installer imports\n" +
				"\tgithub.com/openshift/cluster-api-provider-kubevirt/pkg/kubevirt imports\n" +
				"\tgithub.com/kubevirt/client-go/kubecli: github.com/kubevirt/client-go@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n",
			want: []Chain{{
				Steps: []Step{
					{Path: "github.com/openshift/installer-aro-wrapper", Package: true},
					{Path: "github.com/openshift/installer", Package: true},
					{Path: "github.com/openshift/cluster-api-provider-kubevirt/pkg/kubevirt", Package: true},
				},
				Failing: Step{Path: "github.com/kubevirt/client-go", Version: Placeholder},
				Reason:  "invalid version: unknown revision 000000000000",
			}},
			explain: "package github.com/openshift/cluster-api-provider-kubevirt/pkg/kubevirt requires github.com/kubevirt/client-go",
		},
		{
			name: "through a proxy, with the server's answer on the next line",
			out: "go: github.com/openshift/installer@v0.9.0-master.0.20231009110313-4ea0e8bb5c8d requires\n" +
				"\tsigs.k8s.io/cluster-api-provider-aws@v0.0.0-00010101000000-000000000000: reading https://proxy.golang.org/sigs.k8s.io/cluster-api-provider-aws/@v/v0.0.0-00010101000000-000000000000.mod: 404 Not Found\n" +
				"\tserver response: not found: sigs.k8s.io/cluster-api-provider-aws@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n",
			want: []Chain{{
				Steps:   []Step{{Path: "github.com/openshift/installer", Version: "v0.9.0-master.0.20231009110313-4ea0e8bb5c8d"}},
				Failing: Step{Path: "sigs.k8s.io/cluster-api-provider-aws", Version: Placeholder},
				Reason: "reading https://proxy.golang.org/sigs.k8s.io/cluster-api-provider-aws/@v/v0.0.0-00010101000000-000000000000.mod: 404 Not Found\n" +
					"\tserver response: not found: sigs.k8s.io/cluster-api-provider-aws@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000",
			}},
		},
		{
			name: "test dependency chain",
			out: "go: github.com/openshift/installer-aro-wrapper/pkg/x tested by\n" +
				"\tgithub.com/openshift/installer-aro-wrapper/pkg/x.test imports\n" +
				"\tgithub.com/openshift/provider imports\n" +
				"\tgithub.com/kubevirt/client-go: github.com/kubevirt/client-go@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n",
			want: []Chain{{
				Steps: []Step{
					{Path: "github.com/openshift/installer-aro-wrapper/pkg/x", Package: true},
					{Path: "github.com/openshift/provider", Package: true},
				},
				Failing: Step{Path: "github.com/kubevirt/client-go", Version: Placeholder},
				Reason:  "invalid version: unknown revision 000000000000",
			}},
		},
		{
			name: "our own go.mod holds the placeholder",
			out:  "go: github.com/kubevirt/client-go@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n",
			want: []Chain{{
				Failing: Step{Path: "github.com/kubevirt/client-go", Version: Placeholder},
				Reason:  "invalid version: unknown revision 000000000000",
			}},
			explain: "github.com/kubevirt/client-go is required at the placeholder version",
		},
		{
			name: "two chains in one output",
			out: "go: a.example/m@v1.0.0 requires\n\tb.example/x@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n" +
				"go: a.example/n@v1.2.0 requires\n\tb.example/y@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n",
			want: []Chain{
				{Steps: []Step{{Path: "a.example/m", Version: "v1.0.0"}}, Failing: Step{Path: "b.example/x", Version: Placeholder}, Reason: "invalid version: unknown revision 000000000000"},
				{Steps: []Step{{Path: "a.example/n", Version: "v1.2.0"}}, Failing: Step{Path: "b.example/y", Version: Placeholder}, Reason: "invalid version: unknown revision 000000000000"},
			},
		},
		{
			name: "a real version that is missing is not a placeholder chain",
			out:  "go: a.example/m@v1.0.0 requires\n\tb.example/x@v1.2.3: invalid version: unknown revision v1.2.3\n",
		},
		{
			name: "unrelated errors",
			out:  "go: downloading b.example/x v0.0.0-00010101000000-000000000000\nmain.go:3:8: no required module provides package foo; to add it:\n\tgo get foo\n",
		},
		{name: "empty", out: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseChains(tc.out)
			require.Equal(t, tc.want, got)
			if tc.explain != "" {
				require.Contains(t, got[0].Explain(), tc.explain)
			}
			// What String prints parses back to the same chain.
			for _, c := range got {
				back := ParseChains("go: " + c.String() + "\n")
				require.Len(t, back, 1)
				require.Equal(t, c.Failing, back[0].Failing)
				require.Equal(t, len(c.Steps), len(back[0].Steps))
			}
		})
	}
}

func FuzzParseChains(f *testing.F) {
	f.Add("go: a@v1 requires\n\tb@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000\n")
	f.Add("go: w imports\n\tx imports\n\ty: y@v0.0.0-00010101000000-000000000000: x\n")
	f.Add("go: @v0.0.0-00010101000000-000000000000:\n")
	f.Add("go: a tested by\n\ta.test imports\n\t:@v0.0.0-00010101000000-000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseChains(s) {
			if c.Failing.Version != Placeholder || c.Failing.Path == "" || strings.ContainsAny(c.Failing.Path, " \t\n") {
				t.Fatalf("bad failing step %+v in %q", c.Failing, s)
			}
			for _, st := range c.Steps {
				if st.Path == "" || strings.ContainsAny(st.Path, " \t\n") {
					t.Fatalf("bad step %+v in %q", st, s)
				}
			}
			_ = c.Explain()
			_ = c.String()
		}
	})
}
