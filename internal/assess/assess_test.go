package assess

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o777))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o666))
	}
}

// The installer vendors twice: vendor/ at the root and cluster-api/providers/*/vendor/, whose
// azure packages are someone else's code. Vendored changes at any depth are left out of the
// Azure lists and counted apart, per vendor/ directory.
func TestAssessLeavesOutNestedVendorTrees(t *testing.T) {
	for k, v := range map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.DevNull,
		"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
	} {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "old")
	write(t, dir, map[string]string{"go.mod": "module github.com/openshift/installer\n\ngo 1.20\n", "README": "x\n"})
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "old")
	run(t, dir, "checkout", "-q", "-b", "new")
	write(t, dir, map[string]string{
		"go.mod":                                 "module github.com/openshift/installer\n\ngo 1.21\n",
		"pkg/asset/installconfig/azure/azure.go": "package azure\n",
		"data/data/azure/main.tf":                "# tf\n",
		"vendor/github.com/Azure/azure-sdk-for-go/sdk/azcore/azure/a.go": "package azure\n",
		"vendor/modules.txt": "# x\n",
		"cluster-api/providers/azure/vendor/sigs.k8s.io/cluster-api-provider-azure/azure/scope.go": "package azure\n",
		"cluster-api/providers/azure/vendor/sigs.k8s.io/cluster-api-provider-azure/azure/x.tf":     "# vendored tf\n",
		"cluster-api/providers/azure/vendor/modules.txt":                                           "# x\n",
		"cluster-api/providers/aws/vendor/github.com/x/azure/y.go":                                 "package azure\n",
		"cluster-api/providers/azure/main.go":                                                      "package main\n",
		"cluster-api/providers/azure/azure/provider.go":                                            "package azure\n",
		// A file named vendor is no vendor/ directory.
		"pkg/azure/vendor": "not a directory\n",
	})
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "new")

	repo, err := git.Open(context.Background(), dir)
	require.NoError(t, err)
	defer repo.Close()
	a, err := Assess(context.Background(), repo, "old", "new")
	require.NoError(t, err)
	require.Equal(t, 12, a.Files)
	require.Equal(t, 6, a.VendorFiles)
	require.Equal(t, []VendorTree{
		{Dir: "cluster-api/providers/aws/vendor", Files: 1},
		{Dir: "cluster-api/providers/azure/vendor", Files: 3},
		{Dir: "vendor", Files: 2},
	}, a.VendorTrees)
	require.Equal(t, []string{"cluster-api/providers/azure", "cluster-api/providers/azure/azure", "pkg/asset/installconfig/azure"}, a.AzurePackages)
	require.Equal(t, []string{"data/data/azure/main.tf"}, a.AzureTerraform)
	md := a.Markdown()
	require.Contains(t, md, "12 files changed (6 vendored, under vendor/ at any depth)")
	require.Contains(t, md, "| `cluster-api/providers/azure/vendor/` | 3 |")
	require.Contains(t, md, "### Azure Go packages (3)")
}
