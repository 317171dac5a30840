package rerere

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

func TestMain(m *testing.M) {
	// Pin git's identity and config for the whole process.
	gittest.Setenv(map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
		"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
	})
	os.Exit(gittest.Run(m))
}

// testEnv runs the test in parallel with the others: each has repositories of its own, and
// git's environment is TestMain's.
func testEnv(t *testing.T) {
	t.Parallel()
}

func gt(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return gitIn(t, dir, "", args...)
}

func gitIn(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
}

// clones makes a bare fork remote and two clones of it, A and B, with a branch "x" whose
// commit conflicts with main. The first ones in the process are made so; the next ones are
// copies of them (example.Copied: the same commits, the clones' origin their own copy's fork),
// a few file writes instead of three clones and a dozen more git processes.
func clones(t *testing.T) (fork, a, b string) {
	testEnv(t)
	root := t.TempDir()
	fork, a, b = filepath.Join(root, "fork.git"), filepath.Join(root, "a"), filepath.Join(root, "b")
	err := example.Copied(context.Background(), "rerere: a fork and two clones", root, func() error {
		makeClones(t, root)
		return nil
	})
	require.NoError(t, err)
	return fork, a, b
}

func makeClones(t *testing.T, root string) {
	src := filepath.Join(root, "src")
	gt(t, root, "init", "-q", "-b", "main", src)
	write(t, filepath.Join(src, "f"), "a\nb\nc\n")
	gt(t, src, "add", "f")
	gt(t, src, "commit", "-qm", "base")
	gt(t, src, "checkout", "-qb", "x")
	write(t, filepath.Join(src, "f"), "a\nX\nc\n")
	gt(t, src, "commit", "-qam", "x")
	gt(t, src, "checkout", "-q", "main")
	write(t, filepath.Join(src, "f"), "a\nM\nc\n")
	gt(t, src, "commit", "-qam", "m")
	fork := filepath.Join(root, "fork.git")
	gt(t, root, "clone", "-q", "--bare", src, fork)
	for _, d := range []string{filepath.Join(root, "a"), filepath.Join(root, "b")} {
		gt(t, root, "clone", "-q", fork, d)
		gt(t, d, "config", "rerere.enabled", "true")
		gt(t, d, "branch", "-q", "x", "origin/x")
	}
}

// resolve cherry-picks x onto main in dir, resolves f as content and commits: rerere records it.
func resolve(t *testing.T, dir, content string) {
	t.Helper()
	cmd := exec.Command("git", "cherry-pick", "x")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	write(t, filepath.Join(dir, "f"), content)
	gt(t, dir, "add", "f")
	gt(t, dir, "-c", "core.editor=true", "cherry-pick", "--continue")
}

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(dir, ".git", "rr-cache")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files
}

func refs(t *testing.T, dir string) string { return gt(t, dir, "for-each-ref") }

func TestValidPathIsExactlyWhatGitWrites(t *testing.T) {
	id := strings.Repeat("ab", 20)
	for _, p := range []string{id + "/preimage", id + "/postimage", id + "/thisimage", id + "/preimage.1", id + "/postimage.12"} {
		require.True(t, ValidPath(p), p)
	}
	for _, p := range []string{id, id + "/preimage.0", id + "/preimage.01", id + "/preimage.", id + "/other", "../" + id + "/preimage",
		id + "/../preimage", strings.ToUpper(id) + "/preimage", id[:39] + "/preimage", id + "/sub/preimage", id + "/preimage/x"} {
		require.False(t, ValidPath(p), p)
	}
}

func TestShareThenSyncReplaysOnTheOtherClone(t *testing.T) {
	ctx := context.Background()
	fork, a, b := clones(t)
	resolve(t, a, "a\nMX\nc\n")
	require.Len(t, cacheFiles(t, a), 2)

	res, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	require.Equal(t, 1, res.Entries)
	require.Equal(t, res.Commit, gt(t, fork, "rev-parse", Ref))
	require.Equal(t, res.Commit, gt(t, a, "rev-parse", Ref))
	require.ElementsMatch(t, []string{"preimage", "postimage"}, strings.Fields(gt(t, a, "ls-tree", "--name-only", res.Commit+":"+strings.Split(cacheFiles(t, a)[0], "/")[0])))

	// sharing again with nothing new pushes the same commit
	again, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	require.True(t, again.Unchanged)
	require.Equal(t, res.Commit, again.Commit)

	got, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	require.Equal(t, res.Commit, got.Commit)
	require.Len(t, got.Added, 1)
	require.Equal(t, cacheFiles(t, a), cacheFiles(t, b))

	// B's pick is now resolved by the shared resolution, and Used names its source
	repoB := openRepo(t, b)
	cache, err := Open(ctx, repoB)
	require.NoError(t, err)
	before := cache.Snapshot()
	cmd := exec.Command("git", "-c", "rerere.autoUpdate=true", "cherry-pick", "x")
	cmd.Dir = b
	out, _ := cmd.CombinedOutput()
	require.Contains(t, string(out), "using previous resolution")
	data, err := os.ReadFile(filepath.Join(b, "f"))
	require.NoError(t, err)
	require.Equal(t, "a\nMX\nc\n", string(data))
	used := cache.Used(before, []string{"f"})
	require.Len(t, used, 1)
	require.True(t, used[0].Shared)
	require.Equal(t, res.Commit, used[0].Commit)
	require.Equal(t, "f", used[0].File)

	// a second sync adds nothing and overwrites nothing
	again2, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	require.Empty(t, again2.Added)
	require.Equal(t, 1, again2.Kept)
}

func TestSyncNeverOverwritesALocalEntry(t *testing.T) {
	ctx := context.Background()
	_, a, b := clones(t)
	resolve(t, a, "a\nfrom A\nc\n")
	_, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	resolve(t, b, "a\nfrom B\nc\n")
	files := cacheFiles(t, b)
	require.Len(t, files, 2)
	id := strings.Split(files[0], "/")[0]
	mine, err := os.ReadFile(filepath.Join(b, ".git", "rr-cache", id, "postimage"))
	require.NoError(t, err)

	res, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	require.Equal(t, []string{id + ".1"}, res.Added)
	after, err := os.ReadFile(filepath.Join(b, ".git", "rr-cache", id, "postimage"))
	require.NoError(t, err)
	require.Equal(t, string(mine), string(after))
	theirs, err := os.ReadFile(filepath.Join(b, ".git", "rr-cache", id, "postimage.1"))
	require.NoError(t, err)
	require.Equal(t, "a\nfrom A\nc\n", string(theirs))
}

// hostile builds a share commit in the fork remote from raw tree entries.
func hostile(t *testing.T, fork string, entries map[string]string) {
	t.Helper()
	blob := gitIn(t, fork, "evil\n", "hash-object", "-w", "--stdin")
	var lines []string
	for name, mode := range entries {
		typ := "blob"
		obj := blob
		if mode == "040000" {
			typ = "tree"
			obj = gitIn(t, fork, "100644 blob "+blob+"\tpreimage\x00", "mktree", "-z", "--missing")
		}
		lines = append(lines, mode+" "+typ+" "+obj+"\t"+name)
	}
	// mktree checks nothing about names; hash-object --literally would take any tree at all.
	tree := gitIn(t, fork, strings.Join(lines, "\x00")+"\x00", "mktree", "-z", "--missing")
	commit := gitIn(t, fork, "evil\n", "commit-tree", tree)
	gt(t, fork, "update-ref", Ref, commit)
}

func TestSyncRefusesAHostileRef(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	id := strings.Repeat("0123456789", 4)
	for name, entries := range map[string]map[string]string{
		"symlink":     {id: "040000", "link": "120000"},
		"dotdot":      {"..": "040000"},
		"other file":  {"config": "100644"},
		"executable":  {id + "x": "100755"},
		"nested tree": {"hooks": "040000"},
	} {
		t.Run(name, func(t *testing.T) {
			fork, a, b := clones(t)
			_ = a
			hostile(t, fork, entries)
			beforeRefs := refs(t, b)
			_, err := Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
			var he *HostileError
			require.True(t, errors.As(err, &he), "%v", err)
			require.NotEmpty(t, he.Paths)
			t.Log(err)
			require.Contains(t, err.Error(), "refusing "+Ref)
			require.Equal(t, cli.ExitFailed, cli.Code(err))
			require.Empty(t, cacheFiles(t, b))
			require.Equal(t, beforeRefs, refs(t, b))
			_, err = os.Stat(filepath.Join(b, ".git", "releasekit"))
			require.True(t, os.IsNotExist(err))
		})
	}
}

func TestShareWithoutRemoteOrRefusedChangesNothing(t *testing.T) {
	ctx := context.Background()
	fork, a, _ := clones(t)
	resolve(t, a, "a\nMX\nc\n")
	before := refs(t, a)

	_, err := Share(ctx, ShareOptions{Dir: a, Remote: "nosuch"})
	require.ErrorIs(t, err, ErrNoRemote)
	require.Contains(t, err.Error(), "RELEASEKIT_FORK_REMOTE")

	// the remote refuses every update of refs/releasekit/*
	write(t, filepath.Join(fork, "hooks", "pre-receive"), "#!/bin/sh\necho 'refs/releasekit is protected' >&2\nexit 1\n")
	require.NoError(t, os.Chmod(filepath.Join(fork, "hooks", "pre-receive"), 0o755))
	_, err = Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "refused the push of "+Ref+": [remote rejected] (pre-receive hook declined); the remote said: refs/releasekit is protected")
	require.Equal(t, before, refs(t, a))
	require.Len(t, cacheFiles(t, a), 2)
	out, _ := exec.Command("git", "-C", fork, "for-each-ref", "refs/releasekit/").CombinedOutput()
	require.Empty(t, strings.TrimSpace(string(out)))
}

// Two engineers share: the second is told to sync first, and after the sync her share sits on
// top of the first one's, with both resolutions in it.
func TestShareAfterSomeoneElseShared(t *testing.T) {
	ctx := context.Background()
	fork, a, b := clones(t)
	resolve(t, a, "a\nfrom A\nc\n")
	first, err := Share(ctx, ShareOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	resolve(t, b, "a\nfrom B\nc\n")
	before := refs(t, b)

	_, err = Share(ctx, ShareOptions{Dir: b, Remote: "origin"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "origin refused the push of "+Ref+": [rejected] (fetch first)")
	require.Contains(t, err.Error(), "fork:sync")
	require.Equal(t, before, refs(t, b))
	require.Equal(t, first.Commit, gt(t, fork, "rev-parse", Ref))

	_, err = Sync(ctx, SyncOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	second, err := Share(ctx, ShareOptions{Dir: b, Remote: "origin"})
	require.NoError(t, err)
	require.Equal(t, 2, second.Entries)
	require.Equal(t, first.Commit, gt(t, fork, "rev-parse", Ref+"^"))
	require.Equal(t, second.Commit, gt(t, fork, "rev-parse", Ref))

	// A syncs back: B's variant arrives next to A's own, which stays as it was
	got, err := Sync(ctx, SyncOptions{Dir: a, Remote: "origin"})
	require.NoError(t, err)
	require.Len(t, got.Added, 1)
	require.Equal(t, 1, got.Kept)
	files := cacheFiles(t, a)
	require.Len(t, files, 4)
}
