package rerere

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/verify"
)

// record saves a verify result of origin/main's tree for command in dir's notes.
func record(t *testing.T, dir, command, result, host string) string {
	t.Helper()
	tree := gt(t, dir, "rev-parse", "origin/main^{tree}")
	c := &verify.Cache{Repo: openRepo(t, dir)}
	require.NoError(t, c.Save(context.Background(), verify.Record{Tree: tree, Command: command, Result: result, Host: host, Time: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}))
	return tree
}

// hit is the cached pass of tree for command in dir, as a sequence would look it up.
func hit(t *testing.T, dir, tree, command string) bool {
	t.Helper()
	_, ok, err := (&verify.Cache{Repo: openRepo(t, dir)}).Hit(context.Background(), tree, command)
	require.NoError(t, err)
	return ok
}

// CI pushed its verify notes while B recorded its own: B's share is refused on the notes ref,
// and the error names that ref (not the rr-cache's) and says to sync. The sync merges both
// sides' notes line by line, after which the share goes through and the remote holds both.
func TestShareRecoversFromDivergedNotes(t *testing.T) {
	ctx := context.Background()
	fork, a, b := clones(t)
	resolve(t, a, "a\nfrom A\nc\n")
	record(t, a, "make a", verify.Pass, "a")
	_, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	_, err = Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)

	// CI (here A) adds a note and pushes only the notes; B records another.
	ciTree := record(t, a, "make ci", verify.Pass, "ci")
	gt(t, a, "push", "-q", "origin", NotesRef+":"+NotesRef)
	bTree := record(t, b, "make b", verify.Pass, "b")
	require.Equal(t, ciTree, bTree)
	resolve(t, b, "a\nfrom B\nc\n")
	before := refs(t, b)

	_, err = Share(ctx, ShareOptions{Dir: b, Remote: "origin"})
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "origin refused the push of "+NotesRef+": [rejected] (fetch first)")
	require.NotContains(t, msg, "push of "+Ref)
	require.Contains(t, msg, "fork:sync")
	require.NotContains(t, msg, "check that you may push")
	require.Equal(t, before, refs(t, b))

	got, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	require.Contains(t, got.Notes, "merged")
	require.True(t, hit(t, b, bTree, "make ci"), "CI's result arrived")
	require.True(t, hit(t, b, bTree, "make b"), "B's own result stays")

	res, err := Share(ctx, ShareOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	require.True(t, res.Notes)
	remote := gt(t, fork, "notes", "--ref="+NotesRef, "show", bTree)
	require.Contains(t, remote, `"host":"ci"`)
	require.Contains(t, remote, `"host":"b"`)

	// and A, who pushed first, syncs B's by a fast-forward
	got, err = Sync(ctx, SyncOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	require.Equal(t, "fetched", got.Notes)
	require.True(t, hit(t, a, bTree, "make b"))
}

// The loser of two shares at the same moment (the remote's ref is locked by the winner's
// push) is told to sync and share again, not to check its permissions.
func TestConcurrentShareLoserIsToldToRetry(t *testing.T) {
	ctx := context.Background()
	fork, a, _ := clones(t)
	resolve(t, a, "a\nfrom A\nc\n")
	for _, ref := range []string{Ref, NotesRef} {
		t.Run(ref, func(t *testing.T) {
			record(t, a, "make "+ref, verify.Pass, "a")
			lock := filepath.Join(fork, filepath.FromSlash(ref)+".lock")
			require.NoError(t, os.MkdirAll(filepath.Dir(lock), 0o755))
			require.NoError(t, os.WriteFile(lock, nil, 0o644))
			defer os.Remove(lock)
			_, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
			require.Error(t, err)
			msg := err.Error()
			require.Contains(t, msg, "someone else shared since your last sync, or at the same time")
			require.Contains(t, msg, "fork:sync")
			require.NotContains(t, msg, "check that you may push")
			os.Remove(lock)
			_, err = Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
			require.NoError(t, err)
		})
	}
}

// Notes fetched by a sync are checked, as the rr-cache is: what is not a valid record of its
// tree (not JSON, a key twice, a record for another tree, an oversized note, an entry that is no
// note) is dropped and named; the valid records are merged and no pass is taken from the rest.
func TestSyncDropsHostileNotes(t *testing.T) {
	ctx := context.Background()
	fork, a, b := clones(t)
	resolve(t, a, "a\nfrom A\nc\n")
	good := record(t, a, "make", verify.Pass, "a")
	_, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	goodLine := strings.TrimSpace(gt(t, a, "notes", "--ref="+NotesRef, "show", good))

	// The remote's notes, rewritten by someone hostile.
	other := gt(t, a, "rev-parse", "origin/x^{tree}")
	twice := strings.Replace(goodLine, `"result":"pass"`, `"result":"fail","result":"pass"`, 1)
	twice = strings.Replace(twice, `"command":"make"`, `"command":"make twice"`, 1)
	forOther := strings.Replace(goodLine, `"command":"make"`, `"command":"make other"`, 1)
	blob := func(s string) string { return gitIn(t, fork, s, "hash-object", "-w", "--stdin") }
	tree := gitIn(t, fork, strings.Join([]string{
		"100644 blob " + blob(goodLine+"\nnot json\n"+twice+"\n") + "\t" + good,
		"100644 blob " + blob(forOther+"\n") + "\t" + other,
		"100644 blob " + blob(strings.Repeat("x", 300<<10)) + "\t" + gt(t, a, "rev-parse", "origin/main~1^{tree}"),
		"100644 blob " + blob("evil\n") + "\tpost-checkout",
	}, "\n")+"\n", "mktree")
	commit := gitIn(t, fork, "hostile\n", "commit-tree", tree, "-p", gt(t, fork, "rev-parse", NotesRef))
	gt(t, fork, "update-ref", NotesRef, commit)

	got, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	for _, want := range []string{"dropped what is not a valid verify record", `"post-checkout" is not a note`, "bytes (at most", `line "not json" is not a releasekit record`, "written for tree"} {
		require.Contains(t, got.Notes, want)
	}
	require.True(t, hit(t, b, good, "make"))
	require.False(t, hit(t, b, good, "make twice"), "a record with a key twice is no record")
	require.False(t, hit(t, b, other, "make other"), "a record for another tree is not trusted")
	note := gt(t, b, "notes", "--ref="+NotesRef, "show", good)
	require.Equal(t, goodLine, note, "only the valid record was kept")
	require.NotContains(t, gt(t, b, "ls-tree", "-r", "--name-only", NotesRef), "post-checkout")

	// The merge has the remote's commit as a parent: B's next share fast-forwards it.
	_, err = Share(ctx, ShareOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
}
