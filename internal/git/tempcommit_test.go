package git

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// writerPID is the pid of r's running commit writer, or 0.
func writerPID(r *Repo) int {
	if r.commits == nil {
		return 0
	}
	r.commits.mu.Lock()
	defer r.commits.mu.Unlock()
	if r.commits.p == nil {
		return 0
	}
	return r.commits.p.cmd.Process.Pid
}

// pickRepo is a repository with a base commit, n carry patches on branch carry (each a child of
// the one before, each adding a file of its own) and an upstream commit on main that changes
// base.txt.
func pickRepo(t *testing.T, n int) (string, *Repo, []plumbing.Hash) {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q", "-b", "main")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "base.txt"), []byte("base\n"), 0o644))
	run(t, dir, nil, "add", "-A")
	run(t, dir, nil, "commit", "-q", "-m", "base")
	run(t, dir, nil, "checkout", "-q", "-b", "carry")
	var patches []plumbing.Hash
	for i := range n {
		name := fmt.Sprintf("carry%d.txt", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(name+"\n"), 0o644))
		run(t, dir, nil, "add", "-A")
		run(t, dir, nil, "commit", "-q", "-m", "carry "+name)
		patches = append(patches, plumbing.NewHash(run(t, dir, nil, "rev-parse", "HEAD")))
	}
	run(t, dir, nil, "checkout", "-q", "main")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "base.txt"), []byte("upstream\n"), 0o644))
	run(t, dir, nil, "commit", "-q", "-a", "-m", "upstream")
	r, err := Open(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return dir, r, patches
}

// commitTreeToday is the temporary commit as PickTree wrote it with git commit-tree before the
// writer: the same identity and message, spelled out here.
func commitTreeToday(t *testing.T, dir string, tree string, parents ...string) string {
	t.Helper()
	args := []string{"commit-tree", "-m", "releasekit: in-memory pick"}
	for _, p := range parents {
		args = append(args, "-p", p)
	}
	return run(t, dir, []string{
		"GIT_AUTHOR_NAME=releasekit", "GIT_AUTHOR_EMAIL=releasekit@localhost", "GIT_AUTHOR_DATE=@1000000000 +0000",
		"GIT_COMMITTER_NAME=releasekit", "GIT_COMMITTER_EMAIL=releasekit@localhost", "GIT_COMMITTER_DATE=@1000000000 +0000",
	}, append(args, tree)...)
}

// The writer writes the very commit git commit-tree writes (same bytes, same name) with no
// parent, one and two, and writes it to the object store; commit-tree as the fallback writes
// it too, also when i18n.commitEncoding would have it add an encoding header.
func TestTempCommitIsCommitTreesCommit(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r, patches := pickRepo(t, 2)
	tree := run(t, dir, nil, "rev-parse", "main^{tree}")
	for _, c := range []struct {
		name    string
		parents []string
	}{
		{"no parent", nil},
		{"one parent", []string{patches[0].String()}},
		{"two parents", []string{patches[0].String(), patches[1].String()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, runErr(dir, "cat-file", "-e", plumbing.ComputeHash(plumbing.CommitObject, tempCommitText(tree, c.parents)).String()),
				"the commit is in the store before it is written")
			got, err := r.tempCommit(ctx, tree, c.parents...)
			require.NoError(t, err)
			assert.NotZero(t, writerPID(r), "the writer did not write it")
			// Written by the writer, before any commit-tree could write it.
			assert.Equal(t, "commit", run(t, dir, nil, "cat-file", "-t", got))
			want := commitTreeToday(t, dir, tree, c.parents...)
			assert.Equal(t, want, got)
			assert.Equal(t, string(tempCommitText(tree, c.parents)), run(t, dir, nil, "cat-file", "commit", got)+"\n")
			fallback, err := r.commitTreeTemp(ctx, tree, c.parents)
			require.NoError(t, err)
			assert.Equal(t, want, fallback)
		})
	}
	t.Run("i18n.commitEncoding", func(t *testing.T) {
		run(t, dir, nil, "config", "i18n.commitEncoding", "ISO-8859-1")
		parents := []string{patches[1].String()}
		assert.Contains(t, run(t, dir, nil, "cat-file", "commit", commitTreeToday(t, dir, tree, parents...)), "\nencoding ISO-8859-1\n",
			"commit-tree no longer reads i18n.commitEncoding: tempConfig is not needed")
		got, err := r.tempCommit(ctx, tree, parents...)
		require.NoError(t, err)
		fallback, err := r.commitTreeTemp(ctx, tree, parents)
		require.NoError(t, err)
		assert.Equal(t, got, fallback)
		assert.NotContains(t, run(t, dir, nil, "cat-file", "commit", got), "encoding")
	})
}

// runErr runs git and returns only whether it failed.
func runErr(dir string, args ...string) error {
	_, err := Runner{Dir: dir}.Run(context.Background(), args...)
	return err
}

// N picks in memory in one Repo start no git commit-tree: one writer writes every temporary
// commit, a root commit's two included.
func TestPicksInMemoryStartNoCommitTree(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	const n = 6
	dir, r, patches := pickRepo(t, n)
	root := plumbing.NewHash(run(t, dir, nil, "rev-list", "--max-parents=0", "main"))
	started := gittest.Started(t, &r.Git.Env)
	onto := "main"
	for _, p := range patches {
		pick, err := r.PickOnto(ctx, p, onto)
		require.NoError(t, err)
		require.True(t, pick.Clean(), "%+v", pick)
		blob, err := r.ReadBlob(ctx, pick.Tree, "base.txt")
		require.NoError(t, err)
		assert.Equal(t, "upstream\n", string(blob))
		onto = pick.Tree
	}
	blob, err := r.ReadBlob(ctx, onto, fmt.Sprintf("carry%d.txt", n-1))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("carry%d.txt\n", n-1), string(blob))
	// The root commit adds base.txt, which the tree has already, otherwise.
	pick, err := r.PickTree(ctx, root, plumbing.NewHash(onto))
	require.NoError(t, err)
	assert.Equal(t, []string{"base.txt"}, pick.Paths())
	all := started()
	assert.Zero(t, gittest.Count(all, "commit-tree"), "%q", all)
	assert.Equal(t, 1, gittest.Count(all, "hash-object"), "%q", all)
	assert.Equal(t, n+1, gittest.Count(all, "merge-tree"), "%q", all)
}

// A temporary commit is written where the Repo's environment writes objects: in a clone that
// borrows its objects (clone --shared), in the clone's own store; with GIT_OBJECT_DIRECTORY, in
// that one.
func TestTempCommitWhereTheRepoWrites(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	src, _, patches := pickRepo(t, 1)
	shared := filepath.Join(t.TempDir(), "shared")
	run(t, src, nil, "clone", "-q", "--shared", src, shared)
	r, err := Open(ctx, shared)
	require.NoError(t, err)
	defer r.Close()
	p, err := r.PickOnto(ctx, patches[0], "origin/main")
	require.NoError(t, err)
	require.True(t, p.Clean())
	tree := p.Tree
	h, err := r.tempCommit(ctx, tree, patches[0].String())
	require.NoError(t, err)
	assert.NotZero(t, writerPID(r))
	assert.FileExists(t, filepath.Join(shared, ".git", "objects", h[:2], h[2:]))
	assert.Error(t, runErr(src, "cat-file", "-e", h), "written to the store the clone borrows from")

	objects := t.TempDir()
	r.Git.Env = append(r.Git.Env, "GIT_OBJECT_DIRECTORY="+objects,
		"GIT_ALTERNATE_OBJECT_DIRECTORIES="+filepath.Join(shared, ".git", "objects"))
	before := writerPID(r)
	h2, err := r.tempCommit(ctx, tree, h)
	require.NoError(t, err)
	assert.NotEqual(t, before, writerPID(r), "the writer did not start again with the new environment")
	assert.FileExists(t, filepath.Join(objects, h2[:2], h2[2:]))
	assert.NoFileExists(t, filepath.Join(shared, ".git", "objects", h2[:2], h2[2:]))
}

// Concurrent picks share the writer; each gets its own commit.
func TestTempCommitConcurrent(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r, patches := pickRepo(t, 4)
	tree := run(t, dir, nil, "rev-parse", "main^{tree}")
	concurrently(t, len(patches), func(i int) error {
		p := patches[i]
		for range 10 {
			want := plumbing.ComputeHash(plumbing.CommitObject, tempCommitText(tree, []string{p.String()})).String()
			got, err := r.tempCommit(ctx, tree, p.String())
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("got %s, want %s", got, want)
			}
		}
		return nil
	})
}

// A tree or parent that is not one goes to commit-tree, which refuses it: nothing is written.
func TestTempCommitOfWhatIsNoTree(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r, patches := pickRepo(t, 1)
	count := func() string { return run(t, dir, nil, "count-objects") }
	before := count()
	missing := strings.Repeat("1", 40)
	_, err := r.PickTree(ctx, patches[0], plumbing.NewHash(missing))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "git commit-tree")
	_, err = r.PickTree(ctx, patches[0], patches[0])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a valid 'tree' object")
	_, err = r.tempCommit(ctx, run(t, dir, nil, "rev-parse", "main^{tree}"), missing)
	require.Error(t, err)
	assert.Equal(t, before, count(), "an object was written")
}

// The tests below change the package's test switches: they do not run in parallel.

// A cancelled context kills the writer under a request and leaves no file; the next request
// starts another. Close, and a while without requests, end it.
func TestTempCommitWriterEnds(t *testing.T) {
	dir, r, patches := pickRepo(t, 1)
	tree := run(t, dir, nil, "rev-parse", "main^{tree}")
	_, err := r.tempCommit(context.Background(), tree)
	require.NoError(t, err)
	pid := writerPID(r)
	require.NotZero(t, pid)
	r.commits.mu.Lock()
	name := r.commits.p.file.Name()
	r.commits.mu.Unlock()
	assert.NoFileExists(t, name, "the writer's file has a name")

	ctx, cancel := context.WithCancel(context.Background())
	writerAsked = cancel
	_, err = r.tempCommit(ctx, tree, patches[0].String())
	writerAsked = nil
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "git hash-object -w -t commit --stdin-paths --no-filters (in "+dir+")")
	gone(t, pid)
	assert.Zero(t, writerPID(r))
	h, err := r.tempCommit(context.Background(), tree, patches[0].String())
	require.NoError(t, err)
	assert.Equal(t, commitTreeToday(t, dir, tree, patches[0].String()), h)
	pid = writerPID(r)
	require.NotZero(t, pid)

	require.NoError(t, r.Close())
	gone(t, pid)
	assert.Zero(t, writerPID(r))

	old := writerIdle
	writerIdle = 50 * time.Millisecond
	defer func() { writerIdle = old }()
	_, err = r.tempCommit(context.Background(), tree)
	require.NoError(t, err)
	pid = writerPID(r)
	require.NotZero(t, pid)
	gone(t, pid)
}

// A writer that fails before it writes anything is not asked again: commit-tree writes each
// temporary commit, the same one.
func TestTempCommitFallsBackToCommitTree(t *testing.T) {
	dir, r, patches := pickRepo(t, 2)
	tree := run(t, dir, nil, "rev-parse", "main^{tree}")
	started := gittest.Started(t, &r.Git.Env)
	old := writerPath
	writerPath = filepath.Join(t.TempDir(), "nowhere")
	defer func() { writerPath = old }()
	for _, p := range patches {
		h, err := r.tempCommit(context.Background(), tree, p.String())
		require.NoError(t, err)
		assert.Equal(t, commitTreeToday(t, dir, tree, p.String()), h)
	}
	assert.Zero(t, writerPID(r))
	all := started()
	assert.Equal(t, 1, gittest.Count(all, "hash-object"), "%q", all)
	assert.Equal(t, 2, gittest.Count(all, "commit-tree"), "%q", all)
}

// BenchmarkPickTree picks patches in memory, one after the other, with the writer and with a
// git commit-tree per temporary commit; cpu-ms/pick is the CPU time (user and system) of the
// benchmark and every git it started, per pick: what a process start costs, which the wall
// time of one pick at a time on an idle machine hides.
//
//	go test -run X -bench PickTree -count 5 ./internal/git
func BenchmarkPickTree(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	git := func(args ...string) string {
		out, err := Runner{Dir: dir}.Run(ctx, args...)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	write("base.txt", "base\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "carry")
	var patches []plumbing.Hash
	for i := range 20 {
		write(fmt.Sprintf("carry%d.txt", i), "carry\n")
		git("add", "-A")
		git("commit", "-q", "-m", "carry")
		patches = append(patches, plumbing.NewHash(git("rev-parse", "HEAD")))
	}
	git("checkout", "-q", "main")
	write("base.txt", "upstream\n")
	git("commit", "-q", "-a", "-m", "upstream")
	onto := plumbing.NewHash(git("rev-parse", "main^{tree}"))
	cpu := func() time.Duration {
		var self, children syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
		var d time.Duration
		for _, u := range []syscall.Rusage{self, children} {
			d += time.Duration(u.Utime.Nano() + u.Stime.Nano())
		}
		return d
	}
	for _, c := range []struct {
		name     string
		disabled bool
	}{{"commit-tree", true}, {"writer", false}} {
		b.Run(c.name, func(b *testing.B) {
			writerDisabled = c.disabled
			defer func() { writerDisabled = false }()
			r, err := Open(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			start := cpu()
			b.ResetTimer()
			for b.Loop() {
				tree := onto
				for _, p := range patches {
					pick, err := r.PickTree(ctx, p, tree)
					if err != nil || !pick.Clean() {
						b.Fatal(err, pick)
					}
					tree = plumbing.NewHash(pick.Tree)
				}
			}
			b.StopTimer()
			r.Close() // its readers are children that count once waited for
			b.ReportMetric(float64((cpu()-start).Microseconds())/1000/float64(b.N*len(patches)), "cpu-ms/pick")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(patches)), "ms/pick")
		})
	}
}
