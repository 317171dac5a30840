package rerere

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

func openRepo(t *testing.T, dir string) *git.Repo {
	t.Helper()
	r, err := git.Open(context.Background(), dir)
	require.NoError(t, err)
	return r
}
