package rerere

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// shareOf makes a valid share commit at Ref in the fork remote with a resolution for each id.
func shareOf(t *testing.T, fork string, ids ...string) {
	t.Helper()
	var top []string
	for _, id := range ids {
		pre := gitIn(t, fork, "<<<<<<<\npre "+id+"\n>>>>>>>\n", "hash-object", "-w", "--stdin")
		post := gitIn(t, fork, "post "+id+"\n", "hash-object", "-w", "--stdin")
		sub := gitIn(t, fork, "100644 blob "+pre+"\tpreimage\x00100644 blob "+post+"\tpostimage\x00", "mktree", "-z")
		top = append(top, "040000 tree "+sub+"\t"+id)
	}
	tree := gitIn(t, fork, strings.Join(top, "\x00")+"\x00", "mktree", "-z")
	gt(t, fork, "update-ref", Ref, gitIn(t, fork, "share\n", "commit-tree", tree))
}

// A local file where an entry's directory belongs: the sync checks every entry before it writes
// any, names each such path, and writes nothing (no entry, no record, no ref).
func TestSyncIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	ids := []string{strings.Repeat("1", 40), strings.Repeat("2", 40), strings.Repeat("3", 40)}
	for name, bad := range map[string][]string{
		"the last entry":   {ids[2]},
		"the middle entry": {ids[1]},
		"two entries":      {ids[0], ids[2]},
	} {
		t.Run(name, func(t *testing.T) {
			fork, _, b := clones(t)
			shareOf(t, fork, ids...)
			cache := filepath.Join(b, ".git", "rr-cache")
			for _, id := range bad {
				write(t, filepath.Join(cache, id), "in the way\n")
			}
			before := refs(t, b)
			_, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
			require.Error(t, err)
			for _, id := range bad {
				require.Contains(t, err.Error(), filepath.Join(cache, id))
			}
			require.Contains(t, err.Error(), "nothing was written")
			entries, rerr := os.ReadDir(cache)
			require.NoError(t, rerr)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			sort.Strings(bad)
			require.Equal(t, bad, names, "nothing but what was there")
			require.Equal(t, before, refs(t, b))
			require.NoFileExists(t, filepath.Join(b, ".git", "releasekit", "rerere-shared.json"))
		})
	}
}

// A clone whose rr-cache is a symbolic link to another's (the git-new-workdir layout): the sync
// writes through the link.
func TestSyncFollowsASymlinkedCache(t *testing.T) {
	ctx := context.Background()
	for name, exists := range map[string]bool{"to a cache": true, "to an empty place": false} {
		t.Run(name, func(t *testing.T) {
			fork, _, b := clones(t)
			id := strings.Repeat("4", 40)
			shareOf(t, fork, id)
			target := filepath.Join(t.TempDir(), "shared-rr-cache")
			if exists {
				require.NoError(t, os.MkdirAll(target, 0o755))
			}
			require.NoError(t, os.Symlink(target, filepath.Join(b, ".git", "rr-cache")))
			res, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
			require.NoError(t, err)
			require.Equal(t, []string{id}, res.Added)
			data, err := os.ReadFile(filepath.Join(target, id, "postimage"))
			require.NoError(t, err)
			require.Equal(t, "post "+id+"\n", string(data))
			fi, err := os.Lstat(filepath.Join(b, ".git", "rr-cache"))
			require.NoError(t, err)
			require.NotZero(t, fi.Mode()&os.ModeSymlink, "the link stays a link")
		})
	}
}
