package git_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
)

// installer gives the test its own installer fixture: example.NewInstaller builds it once per
// process and copies it after that, remotes pointing at the copy.
func installer(t *testing.T) *example.Installer {
	t.Helper()
	fx, err := example.NewInstaller(context.Background(), filepath.Join(t.TempDir(), "fx"), example.InstallerOptions{})
	require.NoError(t, err)
	return fx
}

// layout builds, under the fixture's root, a clone of the installer fixture laid out one of the
// ways git supports, and returns its work tree and the environment its reads need.
type layout struct {
	name string
	// cli is true when reads are expected to go through the git CLI.
	cli   bool
	build func(t *testing.T, fx *example.Installer) (dir string, env map[string]string)
	// check, when set, reads what only this layout has.
	check func(t *testing.T, dir string, repo *git.Repo)
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// addUpstream adds the upstream remote and fetches it: its objects are all in the alternates
// already, so the fetch only writes refs and the reads must follow the alternates.
func addUpstream(t *testing.T, dir string, fx *example.Installer) {
	gitIn(t, dir, "remote", "add", "upstream", fx.Upstream)
	gitIn(t, dir, "fetch", "-q", "upstream")
}

// sharedClone is `git clone --shared fork.git NAME` plus the upstream remote.
func sharedClone(t *testing.T, fx *example.Installer, name string, extra ...string) string {
	dir := filepath.Join(fx.Root, name)
	args := append([]string{"clone", "-q", "--shared", "--branch", "release-4.14-azure"}, extra...)
	gitIn(t, fx.Root, append(args, fx.Fork, dir)...)
	addUpstream(t, dir, fx)
	return dir
}

func alternatesFile(dir string) string {
	return filepath.Join(dir, ".git", "objects", "info", "alternates")
}

func writeAlternates(t *testing.T, dir, body string) {
	require.NoError(t, os.WriteFile(alternatesFile(dir), []byte(body), 0o644))
}

// noLocalObjects checks that the clone holds no object of its own: every read must go to the
// alternates.
func noLocalObjects(t *testing.T, dir string) {
	out := gitIn(t, dir, "count-objects", "-v")
	assert.Contains(t, out, "count: 0\n", dir)
	assert.Contains(t, out, "in-pack: 0\n", dir)
}

var layouts = []layout{
	{name: "normal clone", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		return fx.Work, nil
	}},
	{name: "shared clone", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		dir := sharedClone(t, fx, "shared")
		noLocalObjects(t, dir)
		return dir, nil
	}},
	{name: "reference clone", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		dir := filepath.Join(fx.Root, "reference")
		// --no-local: copy over the transport, as from a server; only the fork's own objects
		// are written into the clone, upstream's stay in the reference.
		gitIn(t, fx.Root, "clone", "-q", "--no-local", "--reference", fx.Upstream, "--branch", "release-4.14-azure", fx.Fork, dir)
		addUpstream(t, dir, fx)
		return dir, nil
	}},
	{name: "relative alternates", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		dir := sharedClone(t, fx, "relative")
		// Relative to the objects directory, as git reads it.
		writeAlternates(t, dir, "../../../fork.git/objects\n")
		return dir, nil
	}},
	{name: "alternates chained two deep", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		// mirror.git borrows upstream's objects and holds only the fork's; the clone borrows
		// the mirror's.
		mirror := filepath.Join(fx.Root, "mirror.git")
		gitIn(t, fx.Root, "clone", "-q", "--bare", "--no-local", "--reference", fx.Upstream, fx.Fork, mirror)
		dir := filepath.Join(fx.Root, "chained")
		gitIn(t, fx.Root, "clone", "-q", "--shared", "--branch", "release-4.14-azure", mirror, dir)
		addUpstream(t, dir, fx)
		noLocalObjects(t, dir)
		return dir, nil
	}},
	{name: "alternate store not named objects", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		// A store of packs and loose objects somewhere else, as one written by fast-import.
		store := filepath.Join(fx.Root, "store")
		gitIn(t, fx.Root, "init", "-q", "--bare", store)
		gitIn(t, store, "fetch", "-q", fx.Fork, "refs/*:refs/fork/*")
		gitIn(t, store, "fetch", "-q", fx.Upstream, "refs/*:refs/upstream/*")
		// A big file: go-git reads a big packed object lazily, opening its pack again by name.
		big := filepath.Join(fx.Root, "big")
		gitIn(t, fx.Root, "init", "-q", big)
		require.NoError(t, os.WriteFile(filepath.Join(big, "big.txt"), []byte(strings.Repeat("a line of a big file\n", 5000)), 0o644))
		gitIn(t, big, "add", "big.txt")
		gitIn(t, big, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "big")
		gitIn(t, store, "fetch", "-q", big, "HEAD:refs/big")
		// Packed, as fast-import writes them.
		gitIn(t, store, "repack", "-a", "-d", "-q")
		objstore := filepath.Join(fx.Root, "objstore")
		require.NoError(t, os.Rename(filepath.Join(store, "objects"), objstore))
		dir := sharedClone(t, fx, "storeclone")
		writeAlternates(t, dir, "# the object store\n\n"+objstore+"\n")
		gitIn(t, dir, "update-ref", "refs/big", gitIn(t, big, "rev-parse", "HEAD"))
		return dir, nil
	}, check: func(t *testing.T, dir string, repo *git.Repo) {
		got, err := repo.ReadFile(context.Background(), "refs/big", "big.txt")
		require.NoError(t, err)
		assert.Equal(t, gitIn(t, dir, "cat-file", "blob", "refs/big:big.txt")+"\n", string(got))
	}},
	{name: "GIT_ALTERNATE_OBJECT_DIRECTORIES", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		dir := sharedClone(t, fx, "envalt")
		require.NoError(t, os.Remove(alternatesFile(dir)))
		return dir, map[string]string{"GIT_ALTERNATE_OBJECT_DIRECTORIES": filepath.Join(fx.Root, "nowhere") + ":" + filepath.Join(fx.Fork, "objects")}
	}},
	{name: "linked worktree of a shared clone", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		dir := sharedClone(t, fx, "shared-main")
		wt := filepath.Join(fx.Root, "linked")
		gitIn(t, dir, "worktree", "add", "-q", "-b", "release-4.14-azure-wt", wt, "origin/release-4.14-azure")
		return wt, nil
	}},
	{name: "sparse checkout of a shared clone", cli: true, build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		dir := sharedClone(t, fx, "sparse")
		gitIn(t, dir, "sparse-checkout", "set", "pkg")
		return dir, nil
	}},
	{name: "git file pointing elsewhere", build: func(t *testing.T, fx *example.Installer) (string, map[string]string) {
		return sharedClone(t, fx, "gitfile", "--separate-git-dir="+filepath.Join(fx.Root, "separate.git")), nil
	}},
}

// transcript reads through every read method of git.Repo and writes what they return: two
// layouts of the same repository must give the same transcript.
func transcript(t *testing.T, repo *git.Repo) string {
	ctx := context.Background()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	base, tip, next := "upstream/release-4.14", "origin/release-4.14-azure", "upstream/release-4.15"
	for _, rev := range []string{base, tip, next, next + "~2", "refs/remotes/" + tip} {
		h, err := repo.Resolve(ctx, rev)
		require.NoError(t, err, rev)
		p("resolve %s %s", rev, h)
		c, err := repo.Commit(ctx, rev)
		require.NoError(t, err, rev)
		p("commit %s %v %s <%s> %d %q", c.Hash, c.Parents, c.Author.Name, c.Author.Email, c.Committer.When.Unix(), c.Message)
		tree, err := repo.TreeOf(ctx, rev)
		require.NoError(t, err, rev)
		p("tree %s", tree)
		// The short hash resolves too (a hash takes go-git's full revision path).
		h2, err := repo.Resolve(ctx, h.String()[:12])
		require.NoError(t, err, rev)
		p("resolve short %s", h2)
	}
	log, err := repo.Log(ctx, base, tip)
	require.NoError(t, err)
	for _, c := range log {
		paths, err := repo.CommitPaths(ctx, c)
		require.NoError(t, err, c.Subject)
		p("log %s %s %v", c.Short(), c.Subject, paths)
	}
	cherry, err := repo.LogCherry(ctx, base, tip, next)
	require.NoError(t, err)
	for _, c := range cherry {
		p("cherry %s %s %v %v", c.Short(), c.Subject, c.Equivalent, c.Paths)
	}
	changed, err := repo.ChangedPaths(ctx, base, next)
	require.NoError(t, err)
	p("changed %v", changed)
	for _, f := range []string{"go.mod", example.BootstrapConflict, example.AssetsPath} {
		data, err := repo.ReadFile(ctx, tip, f)
		require.NoError(t, err, f)
		p("file %s %d %q", f, len(data), firstLine(string(data)))
	}
	_, err = repo.ReadFile(ctx, tip, "no/such/file")
	assert.ErrorIs(t, err, git.ErrPathNotFound)
	_, err = repo.Resolve(ctx, "upstream/release-4.99")
	assert.ErrorIs(t, err, git.ErrUnknownRevision)
	url, err := repo.RemoteURL(ctx, "upstream")
	require.NoError(t, err)
	p("upstream %s", url)
	return b.String()
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Every read gives on every layout what it gives on a normal clone, whether git or go-git reads
// the objects: borrowed objects (alternates of every kind, --shared and --reference clones),
// linked worktrees, sparse checkouts and a .git file.
func TestReadsOnEveryLayout(t *testing.T) {
	ctx := context.Background()
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	fx := installer(t)
	var want string
	for _, l := range layouts {
		t.Run(strings.ReplaceAll(l.name, " ", "_"), func(t *testing.T) {
			dir, env := l.build(t, fx)
			for k, v := range env {
				t.Setenv(k, v)
			}
			// Objects read by git (the default), then by go-git.
			for _, reads := range []string{"git", "go-git"} {
				t.Setenv(git.ReadsEnv, reads)
				repo, err := git.Open(ctx, dir)
				require.NoError(t, err)
				defer repo.Close()
				if l.cli {
					assert.NotEmpty(t, repo.CLIReads(), "reads should go through the CLI")
				} else {
					assert.Empty(t, repo.CLIReads(), "go-git should read this layout")
				}
				got := transcript(t, repo)
				if l.check != nil {
					l.check(t, dir, repo)
				}
				if !l.cli {
					assert.Empty(t, repo.CLIReads(), "go-git should have read everything it was asked to itself (%s reads objects)", reads)
				}
				if want == "" {
					want = got
					continue
				}
				assert.Equal(t, want, got, "%s reads objects", reads)
			}
		})
	}
}

// An object that go-git cannot read and git can switches the Repo's reads to the CLI for good,
// and OnCLIReads is told why once.
func TestGoGitReadFailureFallsBackToCLI(t *testing.T) {
	ctx := context.Background()
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv(git.ReadsEnv, "go-git")
	fx := installer(t)
	gitIn(t, fx.Work, "repack", "-a", "-d", "-q")
	repo, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)
	defer repo.Close()
	var told []string
	repo.OnCLIReads(func(why string) { told = append(told, why) })
	// The first read loads go-git's pack index.
	_, err = repo.Commit(ctx, "upstream/release-4.14")
	require.NoError(t, err)
	require.Empty(t, told)

	// Another process writes a commit and repacks: go-git's view of the packs misses it.
	h := gitIn(t, fx.Work, "-c", "user.name=T", "-c", "user.email=t@example.com",
		"commit-tree", "-p", "upstream/release-4.15", "-m", "later", "upstream/release-4.15^{tree}")
	gitIn(t, fx.Work, "update-ref", "refs/heads/later", h)
	gitIn(t, fx.Work, "repack", "-a", "-d", "-q")
	c, err := repo.Commit(ctx, h)
	require.NoError(t, err)
	assert.Equal(t, h, c.Hash.String())
	assert.Equal(t, "later", c.Subject)
	log, err := repo.Log(ctx, "upstream/release-4.15", h)
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.Equal(t, h, log[0].Hash.String())
	tree, err := repo.TreeOf(ctx, h)
	require.NoError(t, err)
	assert.Equal(t, gitIn(t, fx.Work, "rev-parse", "upstream/release-4.15^{tree}"), tree)

	require.Len(t, told, 1, "told once")
	assert.Contains(t, told[0], "go-git could not")
	assert.Equal(t, told[0], repo.CLIReads())
	// Reopen keeps the CLI: the switch is for the rest of the run.
	require.NoError(t, repo.Reopen())
	assert.Equal(t, told[0], repo.CLIReads())

	// A Repo that reads through the CLI from the start tells at once.
	_, err = repo.Git.Run(ctx, "config", "core.repositoryformatversion", "1")
	require.NoError(t, err)
	_, err = repo.Git.Run(ctx, "config", "extensions.worktreeConfig", "true")
	require.NoError(t, err)
	sparse, err := git.Open(ctx, fx.Work)
	require.NoError(t, err)
	var told2 []string
	sparse.OnCLIReads(func(why string) { told2 = append(told2, why) })
	assert.Equal(t, []string{sparse.CLIReads()}, told2)
	assert.Contains(t, told2[0], "worktreeconfig")
}

// The alternates are found as git finds them: comments, blank lines, quoted and relative
// entries, directories that do not exist, repeats, and the nesting limit.
func TestAlternateObjectDirs(t *testing.T) {
	root := t.TempDir()
	mk := func(name, alternates string) string {
		d := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Join(d, "info"), 0o755))
		if alternates != "" {
			require.NoError(t, os.WriteFile(filepath.Join(d, "info", "alternates"), []byte(alternates), 0o644))
		}
		return d
	}
	var chain []string
	for i := 7; i >= 1; i-- {
		next := ""
		if i < 7 {
			next = fmt.Sprintf("../d%d\n", i+1)
		}
		chain = append([]string{mk(fmt.Sprintf("d%d", i), next)}, chain...)
	}
	mk("with space", "")
	main := mk("main", "# borrowed\n\n../d1\n"+filepath.Join(root, "missing")+"\n\"../with space\"\n../d1\n"+filepath.Join(root, "main")+"\n")
	env := mk("env", "")
	dirs, err := git.AlternateObjectDirs(main, "env:"+filepath.Join(root, "d2"), root)
	require.NoError(t, err)
	// env first (relative to cwd); d2 is already linked from env, so the file's chain reaches
	// it no deeper; depth stops at git's five levels below the main store.
	assert.Equal(t, []string{env, chain[1], chain[2], chain[3], chain[4], chain[5], chain[6], chain[0], filepath.Join(root, "with space")}, dirs)

	dirs, err = git.AlternateObjectDirs(main, "", root)
	require.NoError(t, err)
	// main → d1 (depth 0) → d2 … → d6 (its file read at depth 5) → d7 not read beyond.
	assert.Equal(t, []string{chain[0], chain[1], chain[2], chain[3], chain[4], chain[5], filepath.Join(root, "with space")}, dirs)

	bad := mk("bad", "\"unterminated\n")
	_, err = git.AlternateObjectDirs(bad, "", root)
	assert.Error(t, err)
}

// A RELEASEKIT_GIT_READS that names no reader is refused.
func TestReadsEnvRefusesOtherValues(t *testing.T) {
	t.Setenv(git.ReadsEnv, "libgit2")
	_, err := git.Open(context.Background(), t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `RELEASEKIT_GIT_READS="libgit2": want git or go-git`)
}
