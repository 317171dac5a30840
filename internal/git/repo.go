package git

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

var (
	// ErrNotRepository is returned by Open outside a git work tree.
	ErrNotRepository = errors.New("not a git repository")
	// ErrUnknownRevision is returned when a ref or revision does not resolve to a commit.
	ErrUnknownRevision = errors.New("unknown revision")
	// ErrPathNotFound is returned by ReadFile when the path is not in the tree.
	ErrPathNotFound = errors.New("path not found")
)

// Repo is one repository: go-git reads its refs and config, git its objects (unless
// RELEASEKIT_GIT_READS=go-git), the CLI runner writes.
type Repo struct {
	// Dir is the top of the work tree.
	Dir string
	// Git runs the git CLI in Dir.
	Git Runner

	gg *gogit.Repository
	// gitPaths caches GitPath.
	gitPaths map[string]string
	// commonDir is `git rev-parse --git-common-dir`, resolved with the first GitPath.
	commonDir string
	// goGitObjects is true when go-git reads objects as well (ReadsEnv=go-git).
	goGitObjects bool
	// cliReason says why every read falls back to the CLI; empty when go-git reads refs.
	cliReason string
	// onCLIReads is told cliReason once (OnCLIReads).
	onCLIReads func(why string)

	// batch is the object reader (batch.go), made on the first read through git.
	batchOnce sync.Once
	batch     *batchReader
	// commits writes the temporary commits of picks in memory (tempcommit.go), made on the first.
	writerOnce sync.Once
	commits    *commitWriter
}

// ReadsEnv chooses who reads objects: "git" (the default) or "go-git".
//
// git reads objects faster than go-git on an installer-sized history (scripts/bench-readpath.sh:
// fork:assess 2.2x, the planning step 1.1x; carry discovery runs git log --cherry-mark either
// way), and go-git's tree walk turns an object it fails to read into a silently shorter diff.
// go-git stays the reader of refs and config, which no git process beats.
const ReadsEnv = "RELEASEKIT_GIT_READS"

func goGitReadsObjects() (bool, error) {
	switch v := os.Getenv(ReadsEnv); v {
	case "", "git":
		return false, nil
	case "go-git":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: want git or go-git", ReadsEnv, v)
	}
}

// Open opens the repository whose work tree contains dir.
//
// go-git reads its refs and config (and its objects with ReadsEnv=go-git, borrowed objects
// included: alternates, --shared and --reference clones, see objects.go); git reads its objects.
// Where go-git cannot, reads go through the CLI instead of failing: go-git v5 refuses
// repositories with extensions it does not know, and extensions.worktreeConfig is turned on by
// the sparse checkouts and linked worktrees that engineers use on the installer; and an object
// go-git fails to read later switches the Repo to the CLI too (OnCLIReads says why).
func Open(ctx context.Context, dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	goGitObjects, err := goGitReadsObjects()
	if err != nil {
		return nil, err
	}
	gg, err := gogit.PlainOpenWithOptions(abs, &gogit.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	switch {
	case err == nil:
		wt, werr := gg.Worktree()
		if werr != nil {
			return nil, fmt.Errorf("%s: %w (a bare repository has no work tree to change)", abs, ErrNotRepository)
		}
		top := wt.Filesystem.Root()
		r := &Repo{Dir: top, Git: Runner{Dir: top}, goGitObjects: goGitObjects}
		if err := r.openObjects(); err != nil {
			return nil, fmt.Errorf("open repository %s: %w", abs, err)
		}
		return r, nil
	case errors.Is(err, gogit.ErrRepositoryNotExists):
		return nil, fmt.Errorf("%s: %w: run the target inside a clone of the repository it changes", abs, ErrNotRepository)
	case errors.Is(err, gogit.ErrUnsupportedExtensionRepositoryFormatVersion),
		errors.Is(err, gogit.ErrUnknownExtension),
		errors.Is(err, gogit.ErrUnsupportedRepositoryFormatVersion):
		top, cerr := Runner{Dir: abs}.Run(ctx, "rev-parse", "--show-toplevel")
		if cerr != nil {
			return nil, fmt.Errorf("%s: %w: %w", abs, ErrNotRepository, cerr)
		}
		return &Repo{Dir: top, Git: Runner{Dir: top}, cliReason: err.Error()}, nil
	default:
		return nil, fmt.Errorf("open repository %s: %w", abs, err)
	}
}

// openObjects opens go-git on r.Dir, or records why reads go through the CLI.
func (r *Repo) openObjects() error {
	gg, reason, err := openGoGit(r.Dir)
	if err != nil {
		return err
	}
	if reason != "" {
		r.useCLI(reason)
		return nil
	}
	r.gg = gg
	return nil
}

// Reopen drops go-git's cached view of the object store. Call it after any CLI write.
//
// The object reader (batch.go) goes on: git finds what a write added or a repack moved by
// itself, and reads each ref afresh.
func (r *Repo) Reopen() error {
	if r.gg == nil {
		return nil
	}
	r.closePacks()
	r.gg = nil
	if err := r.openObjects(); err != nil {
		return fmt.Errorf("reopen repository %s: %w", r.Dir, err)
	}
	return nil
}

// maxOpenPacks bounds the pack files a Repo keeps open.
const maxOpenPacks = 16

// Close closes the pack files that reads keep open and ends the object reader's and the commit
// writer's git processes. The Repo stays usable: reads after Close open them again.
func (r *Repo) Close() error {
	if r.batch != nil {
		r.batch.close()
	}
	if r.commits != nil {
		r.commits.close()
	}
	return r.closePacks()
}

func (r *Repo) closePacks() error {
	if r.gg == nil {
		return nil
	}
	if c, ok := r.gg.Storer.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// inProcess reports whether go-git reads objects.
func (r *Repo) inProcess() bool { return r.gg != nil && r.goGitObjects }

// CLIReads reports why every read goes through the CLI, refs included, or "" when go-git reads.
func (r *Repo) CLIReads() string { return r.cliReason }

// OnCLIReads has tell called once with the reason when reads go through the CLI: now if they
// already do, or at the read that finds go-git unable to read what git can. The package prints
// nothing; the target says it on stderr.
func (r *Repo) OnCLIReads(tell func(why string)) {
	r.onCLIReads = tell
	if r.cliReason != "" && tell != nil {
		r.onCLIReads = nil
		tell(r.cliReason)
	}
}

// useCLI switches reads to the CLI for good, for the reason given.
func (r *Repo) useCLI(reason string) {
	r.closePacks()
	r.gg = nil
	if r.cliReason != "" {
		return
	}
	r.cliReason = reason
	if tell := r.onCLIReads; tell != nil {
		r.onCLIReads = nil
		tell(reason)
	}
}

// goGitFailed is called when go-git failed to read what: unless the context ended (the read was
// stopped, not failed), reads switch to the CLI and the caller asks git, which reads every
// repository layout it supports. It reports whether the caller should.
func (r *Repo) goGitFailed(ctx context.Context, what string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	r.useCLI(fmt.Sprintf("go-git could not read %s: %v", what, err))
	return true
}

// GitPath is `git rev-parse --git-path name`: where a file of that name belongs in this work
// tree's git dir (per linked worktree, as git's own sequencer state is). The paths a run needs
// come from the repository's layout (layoutGitPaths) or, the hooks and where the layout cannot
// answer, from one git call, and are kept: they cannot change while the process runs.
func (r *Repo) GitPath(ctx context.Context, name string) (string, error) {
	if p, ok := r.gitPaths[name]; ok {
		return p, nil
	}
	if r.gitPaths == nil && r.layoutGitPaths() {
		if p, ok := r.gitPaths[name]; ok {
			return p, nil
		}
	}
	// Ask git for this name and every known one not resolved yet (the hooks, after the layout
	// answered the rest).
	known := append(slices.Sorted(maps.Keys(layoutPaths)), hookGitPaths...)
	var names []string
	if !slices.Contains(known, name) {
		names = append(names, name)
	}
	for _, n := range known {
		if _, ok := r.gitPaths[n]; !ok {
			names = append(names, n)
		}
	}
	args := []string{"rev-parse", "--git-common-dir"}
	for _, n := range names {
		args = append(args, "--git-path", n)
	}
	out, err := r.Git.Run(ctx, args...)
	if err != nil {
		return "", err
	}
	lines := strings.Split(out, "\n")
	if len(lines) != len(names)+1 {
		return "", fmt.Errorf("git rev-parse --git-path: %d answers for %d paths", len(lines), len(names))
	}
	if r.gitPaths == nil {
		r.gitPaths = map[string]string{}
	}
	r.commonDir = lines[0]
	if !filepath.IsAbs(r.commonDir) {
		r.commonDir = filepath.Join(r.Dir, r.commonDir)
	}
	for i, n := range names {
		p := lines[i+1]
		if !filepath.IsAbs(p) {
			p = filepath.Join(r.Dir, p)
		}
		r.gitPaths[n] = p
	}
	return r.gitPaths[name], nil
}

// layoutGitPaths answers GitPath for the known names git places by its repository layout
// alone (gitrepository-layout(5)), from the .git directory or a linked worktree's gitdir file
// and its commondir file, with no git process: a run opens a Repo per command, and each used
// to start one rev-parse for these. It answers nothing, and GitPath asks git, when something
// could place a path elsewhere: an environment variable that moves the git dir, the common
// dir, the work tree, the index or the objects; a .git that is neither a directory nor a
// gitdir file. The hooks are always git's to place (core.hooksPath).
func (r *Repo) layoutGitPaths() bool {
	for _, env := range [][]string{os.Environ(), r.Git.Env} {
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if v != "" && slices.Contains(relocatingEnv, k) {
				return false
			}
		}
	}
	gitDir, commonDir, err := gitDirs(r.Dir)
	if err != nil {
		return false
	}
	r.commonDir = commonDir
	r.gitPaths = map[string]string{}
	for name, common := range layoutPaths {
		if common {
			r.gitPaths[name] = filepath.Join(commonDir, name)
		} else {
			r.gitPaths[name] = filepath.Join(gitDir, name)
		}
	}
	return true
}

// relocatingEnv are the variables with which git places a path GitPath answers somewhere its
// layout does not say (git's environment.c and path.c).
var relocatingEnv = []string{
	"GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
}

// layoutPaths are the names the toolkit asks GitPath for that the layout alone places: true for those in the common dir
// (shared by every worktree, git's path.c common_list), false for those of each worktree's git
// dir.
var layoutPaths = map[string]bool{
	stateDirName: false, "index": false, "index.lock": false,
	"CHERRY_PICK_HEAD": false, "MERGE_HEAD": false, "REVERT_HEAD": false,
	"rebase-merge": false, "rebase-apply": false, "BISECT_LOG": false,
	"shallow": true, "worktrees": true, "rr-cache": true,
}

// hookGitPaths are the known names only git places (core.hooksPath moves the hooks); GitPath
// asks git for them, and for every name of layoutPaths when the layout cannot answer, in one
// process.
var hookGitPaths = []string{"hooks/" + hookPrepareCommitMsg, "hooks/" + hookPostCommit}

// checkRev refuses revisions that the CLI would read as options or that cannot be a revision.
func checkRev(rev string) error {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, " \t\n\x00\\") || strings.Contains(rev, "..") {
		return fmt.Errorf("invalid revision %q", rev)
	}
	return nil
}

// Resolve resolves a ref or revision (branch, remote/branch, tag, hash, rev^) to a commit hash.
func (r *Repo) Resolve(ctx context.Context, rev string) (plumbing.Hash, error) {
	if err := checkRev(rev); err != nil {
		return plumbing.ZeroHash, err
	}
	if r.gg != nil {
		if h, ok := r.resolveBranch(rev); ok {
			return h, nil
		}
	}
	if !r.inProcess() {
		return r.revParse(ctx, rev, "commit")
	}
	h, err := r.resolveGoGit(rev)
	if err == nil {
		return h, nil
	}
	// Before calling rev unknown, ask git: go-git may miss what git reads (an object it could
	// not find, a revision syntax it does not know). If git resolves it, reads go through git.
	gh, cerr := r.revParse(ctx, rev, "commit")
	if cerr != nil || ctx.Err() != nil {
		return plumbing.ZeroHash, err
	}
	r.useCLI(fmt.Sprintf("go-git could not resolve %s, git could", rev))
	return gh, nil
}

func (r *Repo) resolveGoGit(rev string) (plumbing.Hash, error) {
	h, err := r.gg.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%w %s", ErrUnknownRevision, rev)
	}
	if _, err := r.gg.CommitObject(*h); err != nil {
		// An annotated tag resolves to the tag object in some go-git paths; peel it.
		if tag, terr := r.gg.TagObject(*h); terr == nil {
			if c, cerr := tag.Commit(); cerr == nil {
				return c.Hash, nil
			}
		}
		return plumbing.ZeroHash, fmt.Errorf("%w %s: not a commit", ErrUnknownRevision, rev)
	}
	return *h, nil
}

// resolveBranch resolves rev from the refs alone when it names a branch or a remote-tracking
// branch (HEAD included), looked up in go-git's (and git's) order; ok is false for anything else
// (tags, hashes, rev^ expressions), which take ResolveRevision's path.
//
// ResolveRevision reads the commit to check it is one, and the first object read makes go-git
// load the pack index and map every object's offset: on the installer that costs more than the
// git process whose answer it would check. git refuses to point a branch at anything but a
// commit, so for branches the check is skipped; a later read still fails on a broken ref.
func (r *Repo) resolveBranch(rev string) (plumbing.Hash, bool) {
	if strings.ContainsAny(rev, "^~:@{}*?[") {
		return plumbing.ZeroHash, false
	}
	for _, rule := range plumbing.RefRevParseRules {
		ref, err := storer.ResolveReference(r.gg.Storer, plumbing.ReferenceName(fmt.Sprintf(rule, rev)))
		// go-git refuses names outside refs/ other than pseudo-refs (HEAD): nothing there either.
		if errors.Is(err, plumbing.ErrReferenceNotFound) || (err != nil && rule == "%s") {
			continue
		}
		if err != nil || ref.Type() != plumbing.HashReference {
			return plumbing.ZeroHash, false
		}
		// A detached HEAD is a hash HEAD names by itself: git points HEAD at nothing but a
		// commit either (refs.c: is_branch() counts "HEAD" among branches, whose values
		// update-ref checks are commits), so it is answered like a branch, without the git
		// process that a port would otherwise start at every Resolve("HEAD").
		if n := ref.Name(); n.IsBranch() || n.IsRemote() || (n == plumbing.HEAD && rev == "HEAD") {
			return ref.Hash(), true
		}
		return plumbing.ZeroHash, false
	}
	return plumbing.ZeroHash, false
}

// Exists reports whether rev resolves to a commit.
func (r *Repo) Exists(ctx context.Context, rev string) bool {
	_, err := r.Resolve(ctx, rev)
	return err == nil
}

// CurrentBranch is the short name of the checked-out branch, or "" on a detached HEAD.
func (r *Repo) CurrentBranch(ctx context.Context) (string, error) {
	if r.gg == nil {
		out, err := r.Git.Run(ctx, "symbolic-ref", "--quiet", "--short", "HEAD")
		if ExitCode(err) == 1 {
			return "", nil
		}
		return out, err
	}
	ref, err := r.gg.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return "", fmt.Errorf("read HEAD: %w", err)
	}
	if ref.Type() != plumbing.SymbolicReference {
		return "", nil
	}
	return ref.Target().Short(), nil
}

// RemoteURL is the fetch URL of a remote, or "" when the remote does not exist.
func (r *Repo) RemoteURL(ctx context.Context, name string) (string, error) {
	if r.gg == nil {
		out, err := r.Git.Run(ctx, "config", "--get", "remote."+name+".url")
		if ExitCode(err) == 1 {
			return "", nil
		}
		return out, err
	}
	rem, err := r.gg.Remote(name)
	if errors.Is(err, gogit.ErrRemoteNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if urls := rem.Config().URLs; len(urls) > 0 {
		return urls[0], nil
	}
	return "", nil
}

// Dirty lists the tracked paths with staged or unstaged changes (git status, untracked files
// left out: build outputs are not the user's work). The CLI is used because go-git's status
// hashes every file, which takes minutes on a 157,000-file work tree.
func (r *Repo) Dirty(ctx context.Context) ([]string, error) {
	out, err := r.Git.Output(ctx, "status", "--porcelain=v1", "-z", "--untracked-files=no", "--ignore-submodules=none")
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, rec := range strings.Split(string(out), "\x00") {
		if len(rec) > 3 {
			paths = append(paths, rec[3:])
		}
	}
	return paths, nil
}

// InProgress names a git operation left unfinished in the work tree (cherry-pick, merge,
// rebase, revert, bisect), or "" when there is none.
func (r *Repo) InProgress() string {
	for _, c := range []struct{ path, what string }{
		{"CHERRY_PICK_HEAD", "cherry-pick"}, {"MERGE_HEAD", "merge"}, {"REVERT_HEAD", "revert"},
		{"rebase-merge", "rebase"}, {"rebase-apply", "rebase or am"}, {"BISECT_LOG", "bisect"},
	} {
		p, err := r.GitPath(context.Background(), c.path)
		if err != nil {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return c.what
		}
	}
	return ""
}
