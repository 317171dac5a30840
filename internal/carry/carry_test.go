package carry

import (
	"context"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	assert.Equal(t, KindAssets, Classify("CARRY: HACK: commit data/assets_vfsdata.go", []string{"data/assets_vfsdata.go"}))
	// Known by the path it touches, whatever its subject says.
	assert.Equal(t, KindAssets, Classify("regenerate things", []string{"a", "data/assets_vfsdata.go"}))
	assert.Equal(t, KindCarry, Classify("CARRY: HACK: commit data/assets_vfsdata.go", []string{"data/other.go"}))
	assert.Equal(t, KindCarry, Classify("carry: lower case", nil))
	assert.Equal(t, KindHack, Classify("HACK: disable things", []string{"x"}))
	assert.Equal(t, KindOther, Classify("Bump Go", []string{"go.mod"}))
}

func TestDiscoverOnFixture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx, err := example.NewInstaller(ctx, t.TempDir(), example.InstallerOptions{})
	require.NoError(t, err)
	repo, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)

	s, err := Discover(ctx, repo, Options{Base: "upstream/release-4.14", Tip: "origin/release-4.14-azure", Compare: "upstream/release-4.15"})
	require.NoError(t, err)
	var subjects []string
	kinds := map[string]Kind{}
	var upstream []string
	for _, p := range s.Patches {
		subjects = append(subjects, p.Subject)
		kinds[p.Subject] = p.Kind
		if p.Upstream {
			upstream = append(upstream, p.Subject)
		}
	}
	assert.Equal(t, []string{example.CarryDnsmasq, example.CarryBootstrapIP, example.HackOutbound, example.CarryTypo,
		example.HackTimeout, example.CarryPrivateLink, example.CarryAssets, example.CarryRHCOS}, subjects)
	assert.Equal(t, KindAssets, kinds[example.CarryAssets])
	assert.Equal(t, KindHack, kinds[example.HackOutbound])
	assert.Equal(t, []string{example.CarryTypo}, upstream)
	require.NotNil(t, s.Assets())
	assert.Equal(t, []string{AssetsPath}, s.Assets().Paths)

	// The same series read through the CLI (as for a sparse checkout) is identical.
	_, err = repo.Git.Run(ctx, "config", "extensions.worktreeConfig", "true")
	require.NoError(t, err)
	_, err = repo.Git.Run(ctx, "config", "core.repositoryformatversion", "1")
	require.NoError(t, err)
	cli, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)
	require.NotEmpty(t, cli.CLIReads(), "go-git should refuse extensions.worktreeConfig")
	s2, err := Discover(ctx, cli, Options{Base: "upstream/release-4.14", Tip: "origin/release-4.14-azure", Compare: "upstream/release-4.15"})
	require.NoError(t, err)
	require.Len(t, s2.Patches, len(s.Patches))
	for i := range s.Patches {
		assert.Equal(t, s.Patches[i].Hash, s2.Patches[i].Hash)
		assert.Equal(t, s.Patches[i].Kind, s2.Patches[i].Kind)
		assert.Equal(t, s.Patches[i].Paths, s2.Patches[i].Paths)
		assert.Equal(t, s.Patches[i].Upstream, s2.Patches[i].Upstream)
		assert.Equal(t, s.Patches[i].Author.Email, s2.Patches[i].Author.Email)
	}
}
