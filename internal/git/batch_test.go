package git

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// runIn is run with stdin.
func runIn(t *testing.T, dir string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// readerPID is the pid of r's running reader, or 0.
func readerPID(r *Repo) int {
	if r.batch == nil {
		return 0
	}
	r.batch.mu.Lock()
	defer r.batch.mu.Unlock()
	if r.batch.p == nil {
		return 0
	}
	return r.batch.p.cmd.Process.Pid
}

// gone waits for pid to be no more (a reaped child: kill(pid, 0) fails).
func gone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); syscall.Kill(pid, 0) == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("git cat-file %d is still running", pid)
		}
	}
}

// batchRepo is a repository with a few commits on main, a file with a space in its name and an
// annotated tag.
func batchRepo(t *testing.T) (string, *Repo) {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q", "-b", "main")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d", "a file.txt"), []byte("one\n"), 0o644))
	run(t, dir, nil, "add", "-A")
	run(t, dir, nil, "commit", "-q", "-m", "first")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("no newline"), 0o644))
	run(t, dir, nil, "add", "-A")
	run(t, dir, nil, "commit", "-q", "-m", "second\n\nbody")
	run(t, dir, nil, "tag", "-a", "-m", "a tag", "v1", "HEAD~1")
	r, err := Open(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return dir, r
}

// Every kind of commit decodes from the reader exactly as git log prints it.
func TestBatchCommitMatchesLog(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q", "-b", "main")
	tree := run(t, dir, nil, "write-tree")
	at := func(name, email, date string) []string {
		return []string{"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + email, "GIT_AUTHOR_DATE=" + date,
			"GIT_COMMITTER_NAME=Çommitter Ñame", "GIT_COMMITTER_EMAIL=c@example.com", "GIT_COMMITTER_DATE=1700000000 -0800"}
	}
	root := runIn(t, dir, at("Zoë Ünïcødé", "z@example.com", "1700000000 +0530"), "subject\n\nbody line 1\nbody line 2\n", "commit-tree", tree)
	noNL := runIn(t, dir, at("A", "a@example.com", "1600000000 +0000"), "no trailing newline", "commit-tree", tree, "-p", root)
	empty := runIn(t, dir, at("B", "b@example.com", "1600000001 -1130"), "", "commit-tree", tree, "-p", root)
	blank := runIn(t, dir, at("C", "c@example.com", "1600000002 +0100"), "\n\nafter blank lines\n\n\n", "commit-tree", tree, "-p", root)
	merge := runIn(t, dir, at("D", "d@example.com", "1600000003 +0000"), "Merge\n", "commit-tree", tree, "-p", noNL, "-p", empty)
	utf8Header := runIn(t, dir, append(at("E", "e@example.com", "1600000004 +0000"), "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=i18n.commitEncoding", "GIT_CONFIG_VALUE_0=UTF-8"),
		"déjà vu\n", "commit-tree", tree, "-p", root)
	latin1 := runIn(t, dir, append(at("F", "f@example.com", "1600000005 +0000"), "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=i18n.commitEncoding", "GIT_CONFIG_VALUE_0=ISO-8859-1"),
		"caf\xe9 au lait\n", "commit-tree", tree, "-p", root)
	require.Contains(t, run(t, dir, nil, "cat-file", "commit", latin1), "encoding ISO-8859-1")
	run(t, dir, nil, "update-ref", "refs/heads/main", merge)

	r, err := Open(ctx, dir)
	require.NoError(t, err)
	defer r.Close()
	for name, h := range map[string]string{"root": root, "no newline": noNL, "empty": empty, "blank lines": blank,
		"merge": merge, "utf-8 header": utf8Header, "latin-1": latin1} {
		want, err := r.cliLog(ctx, "-1", "--no-walk", h)
		require.NoError(t, err, name)
		require.Len(t, want, 1, name)
		got, err := r.Commit(ctx, h)
		require.NoError(t, err, name)
		assert.Equal(t, want[0], got, name)
		_, raw, err := r.readCommit(ctx, plumbing.NewHash(h))
		if name == "latin-1" {
			// git log re-encodes it: the reader hands it back to git log.
			require.ErrorIs(t, err, errNoBatch)
			assert.Equal(t, "café au lait\n", got.Message)
			continue
		}
		require.NoError(t, err, name)
		assert.Equal(t, h, raw.Hash.String(), name)
	}
	assert.NotZero(t, readerPID(r), "the commits were not read through the reader")
}

// Revisions resolve through the reader as git rev-parse resolves them, misses included.
func TestBatchResolveMatchesRevParse(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r := batchRepo(t)
	head := run(t, dir, nil, "rev-parse", "HEAD")
	tree := run(t, dir, nil, "rev-parse", "HEAD^{tree}")
	for _, rev := range []string{"HEAD~1", "main^", "v1", "v1^{}", head, head[:10], head[:7] + "~1", "main@{0}"} {
		want := run(t, dir, nil, "rev-parse", "--verify", rev+"^{commit}")
		got, err := r.Resolve(ctx, rev)
		require.NoError(t, err, rev)
		assert.Equal(t, want, got.String(), rev)
	}
	for _, rev := range []string{"nope", "HEAD~5", tree, "v2", "main:f", "0000000"} {
		_, err := r.Resolve(ctx, rev)
		assert.ErrorIs(t, err, ErrUnknownRevision, rev)
		assert.Contains(t, err.Error(), rev)
	}
	got, err := r.TreeOf(ctx, "HEAD~1")
	require.NoError(t, err)
	assert.Equal(t, run(t, dir, nil, "rev-parse", "HEAD~1^{tree}"), got)
	p, err := r.PickOnto(ctx, plumbing.NewHash(head), "nope")
	assert.ErrorIs(t, err, ErrUnknownRevision)
	assert.Nil(t, p)
	assert.NotZero(t, readerPID(r))
}

// Files read through the reader are the bytes git has; a path that is not a file is not found.
func TestBatchReadFile(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r := batchRepo(t)
	b, err := r.ReadFile(ctx, "HEAD", "d/a file.txt")
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(b))
	b, err = r.ReadFile(ctx, "HEAD", "f")
	require.NoError(t, err)
	assert.Equal(t, "no newline", string(b))
	for _, path := range []string{"nope", "d", "d/", "f/x", " f", "d/a file.txt\n"} {
		_, err := r.ReadFile(ctx, "HEAD", path)
		assert.ErrorIs(t, err, ErrPathNotFound, "%q", path)
	}
	tree := run(t, dir, nil, "rev-parse", "HEAD^{tree}")
	b, err = r.ReadBlob(ctx, tree, "f")
	require.NoError(t, err)
	assert.Equal(t, "no newline", string(b))
	_, err = r.ReadBlob(ctx, tree, "nope")
	assert.ErrorIs(t, err, ErrPathNotFound)
	assert.NotZero(t, readerPID(r))
}

// A detached HEAD resolves from the refs, like a branch, without a git process.
func TestDetachedHeadResolvesFromRefs(t *testing.T) {
	testEnv(t)
	dir, r := batchRepo(t)
	run(t, dir, nil, "checkout", "-q", "--detach", "HEAD~1")
	h, ok := r.resolveBranch("HEAD")
	require.True(t, ok)
	assert.Equal(t, run(t, dir, nil, "rev-parse", "HEAD"), h.String())
	got, err := r.Resolve(context.Background(), "HEAD")
	require.NoError(t, err)
	assert.Equal(t, h, got)
	assert.Zero(t, readerPID(r), "Resolve(HEAD) started git")
}

// The reader started before a CLI write sees what the write made, a moved branch, and objects
// that a repack moved or a gc packed and pruned: it is not restarted.
func TestBatchSeesWritesAndRepacks(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r := batchRepo(t)
	_, err := r.Resolve(ctx, "HEAD~1")
	require.NoError(t, err)
	pid := readerPID(r)
	require.NotZero(t, pid)

	write := func(name, content string) string {
		blob := runIn(t, dir, nil, content, "hash-object", "-w", "--stdin")
		tree := runIn(t, dir, nil, "100644 blob "+blob+"\t"+name+"\n", "mktree")
		c := runIn(t, dir, nil, "new "+name+"\n", "commit-tree", tree, "-p", "HEAD")
		run(t, dir, nil, "update-ref", "refs/heads/side", c)
		return c
	}
	check := func(c, name, content string) {
		t.Helper()
		got, err := r.Resolve(ctx, "side~0")
		require.NoError(t, err)
		assert.Equal(t, c, got.String())
		got, err = r.Resolve(ctx, c[:12])
		require.NoError(t, err, "an abbreviated hash of a new object")
		assert.Equal(t, c, got.String())
		b, err := r.ReadFile(ctx, c, name)
		require.NoError(t, err)
		assert.Equal(t, content, string(b))
		cm, err := r.Commit(ctx, c)
		require.NoError(t, err)
		assert.Equal(t, "new "+name, cm.Subject)
	}
	c1 := write("x", "loose\n")
	check(c1, "x", "loose\n")
	run(t, dir, nil, "repack", "-adq")
	run(t, dir, nil, "prune-packed")
	c2 := write("y", "second\n")
	check(c2, "y", "second\n")
	check2, err := r.ReadFile(ctx, c1, "x")
	require.NoError(t, err)
	assert.Equal(t, "loose\n", string(check2))
	run(t, dir, nil, "gc", "-q", "--prune=now")
	run(t, dir, nil, "repack", "-adq")
	c3 := write("z", "third\n")
	check(c3, "z", "third\n")
	b, err := r.ReadFile(ctx, c2, "y")
	require.NoError(t, err)
	assert.Equal(t, "second\n", string(b))
	require.NoError(t, r.Reopen())
	check(c3, "z", "third\n")

	// git lists the loose objects of a directory once, the first time it looks an abbreviated
	// hash up there: an object written there since is missing from the list.
	tree := run(t, dir, nil, "rev-parse", "HEAD^{tree}")
	raw := "tree " + tree + "\nauthor A <a@example.com> 1600000000 +0000\ncommitter A <a@example.com> 1600000000 +0000\n\nlater\n"
	later := runIn(t, dir, nil, raw, "hash-object", "-t", "commit", "--stdin")
	_, err = r.Resolve(ctx, later[:12])
	require.ErrorIs(t, err, ErrUnknownRevision)
	require.Equal(t, later, runIn(t, dir, nil, raw, "hash-object", "-w", "-t", "commit", "--stdin"))
	got, err := r.Resolve(ctx, later[:12])
	require.NoError(t, err, "an abbreviated hash of an object written after its directory was listed")
	assert.Equal(t, later, got.String())
	assert.Equal(t, pid, readerPID(r), "the reader was restarted")
}

// Close ends the reader; a read after it starts another.
func TestBatchCloseEndsReader(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	_, r := batchRepo(t)
	_, err := r.ReadFile(ctx, "HEAD", "f")
	require.NoError(t, err)
	pid := readerPID(r)
	require.NotZero(t, pid)
	require.NoError(t, r.Close())
	gone(t, pid)
	assert.Zero(t, readerPID(r))
	_, err = r.ReadFile(ctx, "HEAD", "f")
	require.NoError(t, err)
	assert.NotZero(t, readerPID(r))
	assert.NotEqual(t, pid, readerPID(r))
}

// Parallel verifies read from one Repo at once.
func TestBatchConcurrentReads(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r := batchRepo(t)
	want := run(t, dir, nil, "rev-parse", "HEAD~1")
	concurrently(t, 8, func(int) error {
		for range 20 {
			h, err := r.Resolve(ctx, "HEAD~1")
			if err != nil {
				return err
			}
			if h.String() != want {
				return fmt.Errorf("got %s", h)
			}
			b, err := r.ReadFile(ctx, "HEAD", "f")
			if err != nil {
				return err
			}
			if string(b) != "no newline" {
				return fmt.Errorf("read %q", b)
			}
		}
		return nil
	})
}

// A reader killed under a read gives an error that names it, its directory and why; the next
// read starts another.
func TestBatchReaderDiesMidway(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	dir, r := batchRepo(t)
	_, err := r.ReadFile(ctx, "HEAD", "f")
	require.NoError(t, err)
	pid := readerPID(r)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	_, err = r.Resolve(ctx, "HEAD~1")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnknownRevision)
	assert.Contains(t, err.Error(), "git cat-file --batch-command (in "+dir+")")
	assert.Contains(t, err.Error(), "the reader exited")
	gone(t, pid)
	h, err := r.Resolve(ctx, "HEAD~1")
	require.NoError(t, err)
	assert.Equal(t, run(t, dir, nil, "rev-parse", "HEAD~1"), h.String())
	assert.NotEqual(t, pid, readerPID(r))
}

// The tests below change the package's test switches: they do not run in parallel (parallel
// tests start after them).

// A context cancelled while the reader answers kills it; the next read starts another.
func TestBatchCancelKillsReader(t *testing.T) {
	dir, r := batchRepo(t)
	_, err := r.Resolve(context.Background(), "HEAD~1")
	require.NoError(t, err)
	pid := readerPID(r)
	ctx, cancel := context.WithCancel(context.Background())
	batchAsked = cancel
	_, err = r.Resolve(ctx, "HEAD~1")
	batchAsked = nil
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "git cat-file --batch-command (in "+dir+")")
	gone(t, pid)
	assert.Zero(t, readerPID(r))
	_, err = r.Resolve(ctx, "HEAD~1")
	require.ErrorIs(t, err, context.Canceled, "a cancelled context still reads")
	h, err := r.Resolve(context.Background(), "HEAD~1")
	require.NoError(t, err)
	assert.Equal(t, run(t, dir, nil, "rev-parse", "HEAD~1"), h.String())
	assert.NotZero(t, readerPID(r))
	assert.NotEqual(t, pid, readerPID(r))
}

// A git without cat-file --batch-command (before 2.36) reads with a command per read.
func TestBatchOlderGitReadsOneShot(t *testing.T) {
	batchDisabled = true
	defer func() { batchDisabled = false }()
	dir, r := batchRepo(t)
	checkReads(t, dir, r, r)
	assert.Zero(t, readerPID(r))
}

// checkReads reads batchRepo's history through r (its tree through tr, another Repo of the
// same history) and checks the answers against git's.
func checkReads(t *testing.T, dir string, r, tr *Repo) {
	t.Helper()
	ctx := context.Background()
	h, err := r.Resolve(ctx, "HEAD~1")
	require.NoError(t, err)
	assert.Equal(t, run(t, dir, nil, "rev-parse", "HEAD~1"), h.String())
	_, err = r.Resolve(ctx, "nope")
	assert.ErrorIs(t, err, ErrUnknownRevision)
	b, err := r.ReadFile(ctx, "HEAD", "f")
	require.NoError(t, err)
	assert.Equal(t, "no newline", string(b))
	_, err = r.ReadFile(ctx, "HEAD", "nope")
	assert.ErrorIs(t, err, ErrPathNotFound)
	c, err := r.Commit(ctx, "HEAD")
	require.NoError(t, err)
	assert.Equal(t, "second", c.Subject)
	tree, err := tr.TreeOf(ctx, "HEAD")
	require.NoError(t, err)
	assert.Equal(t, run(t, dir, nil, "rev-parse", "HEAD^{tree}"), tree)
}

// A reader nobody asks for a while ends; a Repo nobody closes ends its reader when collected.
func TestBatchIdleAndUnreachableReadersEnd(t *testing.T) {
	old := batchIdle
	batchIdle = 50 * time.Millisecond
	defer func() { batchIdle = old }()
	ctx := context.Background()
	_, r := batchRepo(t)
	_, err := r.Resolve(ctx, "HEAD~1")
	require.NoError(t, err)
	pid := readerPID(r)
	require.NotZero(t, pid)
	gone(t, pid)
	_, err = r.Resolve(ctx, "HEAD~1")
	require.NoError(t, err)

	batchIdle = time.Hour
	dir := t.TempDir()
	run(t, dir, nil, "init", "-q")
	run(t, dir, nil, "commit", "-q", "--allow-empty", "-m", "x")
	pid = func() int {
		r, err := Open(ctx, dir) // never closed
		require.NoError(t, err)
		_, err = r.Resolve(ctx, "HEAD~0")
		require.NoError(t, err)
		return readerPID(r)
	}()
	require.NotZero(t, pid)
	for deadline := time.Now().Add(time.Minute); syscall.Kill(pid, 0) == nil; time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		if time.Now().After(deadline) {
			t.Fatal("the reader of an unreachable Repo is still running")
		}
	}
}

// readsOnlyEnv makes the test binary a process that only reads objects of the repository it
// names (readsOnly) instead of running the tests.
const readsOnlyEnv = "RELEASEKIT_TEST_READS_ONLY"

// readsOnly opens the repository at dir, reads a revision, a file, a commit and a tree, prints
// them one a line and exits: 0 when every read succeeded.
func readsOnly(dir string) int {
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer r.Close()
	h, err := r.Resolve(ctx, "HEAD~1")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := r.ReadFile(ctx, "HEAD", "f")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := r.Commit(ctx, "HEAD")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tree, err := r.TreeOf(ctx, "HEAD")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%s\n%s\n%s\n%s\n", h, b, c.Subject, tree)
	return 0
}

// A process that only reads objects starts one git, the reader: it does not ask git version
// first (the reader is started as it is, and a git without --batch-command says so).
func TestReadingProcessStartsOnlyTheReader(t *testing.T) {
	testEnv(t)
	dir, _ := batchRepo(t)
	env := append(os.Environ(), readsOnlyEnv+"="+dir)
	started := gittest.Started(t, &env)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	want := strings.Join([]string{run(t, dir, nil, "rev-parse", "HEAD~1"), "no newline", "second",
		run(t, dir, nil, "rev-parse", "HEAD^{tree}")}, "\n") + "\n"
	assert.Equal(t, want, string(out))
	assert.Equal(t, []string{"cat-file --batch-command"}, started())
	assert.Zero(t, gittest.Count(started(), "version"))
}

// git 2.35's refusal of cat-file --batch-command: parse-options' error, then the usage, on
// stderr; exit status 129.
const refusal235 = "error: unknown option `batch-command'\n" +
	"usage: git cat-file <type> <object>\n" +
	"   or: git cat-file (-e | -p) <object>\n" +
	"   or: git cat-file (-t | -s) [--allow-unknown-type] <object>\n" +
	"   or: git cat-file (--batch | --batch-check) [--batch-all-objects]\n" +
	"                    [--buffer] [--follow-symlinks] [--unordered]\n" +
	"                    [--textconv | --filters]\n" +
	"   or: git cat-file (--textconv | --filters)\n" +
	"                    [<rev>:<path|tree-ish> | --path=<path|tree-ish> <rev>]\n"

// A git that refuses cat-file --batch-command (before 2.36) reads with a command per read,
// from the first read on; the refusal is remembered for the process, so the next Repo does not
// try again.
//
// The git on PATH is a stand-in, because no git older than 2.36 is installed here: a script
// named git that refuses --batch-command as git 2.35 does (refusal235) and hands every other
// command to the real git. It logs each command it is started with.
func TestBatchRefusedReadsOneShot(t *testing.T) {
	require.False(t, batchRefused.Load())
	t.Cleanup(func() { batchRefused.Store(false) })
	dir, r := batchRepo(t)
	_, r2 := batchRepo(t)
	gitBin, err := exec.LookPath("git")
	require.NoError(t, err)
	require.NotContains(t, gitBin, "'")
	bin := t.TempDir()
	log := filepath.Join(bin, "started")
	script := "#!/bin/sh\n" +
		"echo \"$*\" >> '" + log + "'\n" +
		"if [ \"$1\" = cat-file ] && [ \"$2\" = --batch-command ]; then\n" +
		"\tprintf '%s' \"" + strings.ReplaceAll(refusal235, "`", "\\`") + "\" >&2\n" +
		"\texit 129\n" +
		"fi\n" +
		"exec '" + gitBin + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755))
	t.Setenv("PATH", bin+string(filepath.ListSeparator)+os.Getenv("PATH"))
	refused := exec.Command("git", "cat-file", "--batch-command")
	refused.Dir = dir
	said, err := refused.CombinedOutput()
	require.Equal(t, 129, refused.ProcessState.ExitCode(), "%v", err)
	require.Equal(t, refusal235, string(said))

	checkReads(t, dir, r, r2)
	assert.True(t, batchRefused.Load())
	assert.Zero(t, readerPID(r))
	assert.Zero(t, readerPID(r2))

	data, err := os.ReadFile(log)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	assert.Equal(t, 2, gittest.Count(lines, "cat-file --batch-command"), "the test's own, then the first read's only: %q", lines)
	assert.Zero(t, gittest.Count(lines, "version"), "%q", lines)
	assert.NotZero(t, gittest.Count(lines, "rev-parse --verify --quiet"), "%q", lines)
	assert.NotZero(t, gittest.Count(lines, "cat-file blob"), "%q", lines)
}
