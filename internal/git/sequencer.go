package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// PickOutcome is what a cherry-pick left behind.
type PickOutcome struct {
	// Committed: the pick made a commit (HEAD moved).
	Committed bool
	// Empty: the change is already in HEAD; nothing to commit.
	Empty bool
	// Conflicts are the paths git could not merge and left unmerged.
	Conflicts []string
	// Rerere are the paths rerere resolved with a recorded resolution (staged with autoupdate).
	Rerere []string
}

var rerereRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^(?:Resolved|Staged) '(.+)' using previous resolution\.$`)
})

// CherryPick cherry-picks one commit onto HEAD. A conflict or an empty result is an outcome,
// not an error; an error is git refusing to start (a local change in the way, say).
func (r *Repo) CherryPick(ctx context.Context, commit plumbing.Hash) (PickOutcome, error) {
	var stderr strings.Builder
	err := r.Git.Exec(ctx, Exec{Stderr: &stderr}, "cherry-pick", "--allow-empty-message", "--rerere-autoupdate", commit.String())
	defer r.Reopen()
	if err == nil {
		return PickOutcome{Committed: true}, nil
	}
	if ctx.Err() != nil {
		return PickOutcome{}, err
	}
	if !r.HasCherryPickHead() {
		if paths, tracked := inTheWay(stderr.String()); len(paths) > 0 {
			return PickOutcome{}, &InTheWayError{Commit: commit.String(), Paths: paths, Tracked: tracked}
		}
		return PickOutcome{}, fmt.Errorf("cherry-pick %s: %w", commit.String()[:7], err)
	}
	var o PickOutcome
	for _, m := range rerereRE().FindAllStringSubmatch(stderr.String(), -1) {
		o.Rerere = append(o.Rerere, m[1])
	}
	ix, err := r.IndexStatus(ctx)
	if err != nil {
		return o, err
	}
	o.Conflicts = ix.Unmerged
	o.Empty = len(ix.Unmerged) == 0 && !ix.Staged
	return o, nil
}

// InTheWayError is a cherry-pick that git refused to start because files in the work tree
// would be overwritten: untracked files (build outputs, a file added by hand) or local changes.
type InTheWayError struct {
	Commit string
	Paths  []string
	// Tracked are those of Paths that are tracked files with local changes (the others are
	// untracked).
	Tracked []string
}

// Untracked are the untracked files among the paths in the way.
func (e *InTheWayError) Untracked() []string {
	var out []string
	for _, p := range e.Paths {
		if !slices.Contains(e.Tracked, p) {
			out = append(out, p)
		}
	}
	return out
}

// SameAsIn lists those of paths whose work-tree file is the file commit has there, or the start
// of it (empty included): what an interrupted pick of commit writes, whole or cut short where git
// was stopped between creating the file and writing it all. The pick writes such a file again
// whole, so nothing is lost by removing it first.
func (r *Repo) SameAsIn(ctx context.Context, commit plumbing.Hash, paths []string) []string {
	var same []string
	for _, p := range paths {
		want, err := r.readObject(ctx, "blob", commit.String()+":"+p)
		if err != nil {
			continue
		}
		have, err := os.ReadFile(filepath.Join(r.Dir, p))
		if err == nil && bytes.HasPrefix(want, have) {
			same = append(same, p)
		}
	}
	return same
}

func (e *InTheWayError) Error() string {
	return fmt.Sprintf("cannot apply %s: these files are in the way and would be overwritten: %s", e.Commit[:7], strings.Join(e.Paths, ", "))
}

var inTheWayRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^error: (The following untracked working tree files would be (?:overwritten|removed)|Your local changes to the following files would be overwritten) by merge:\n((?:\t.*\n?)+)`)
})

// inTheWay lists the files git names when it refuses to overwrite them, and which of them are
// tracked files with local changes.
func inTheWay(stderr string) (paths, tracked []string) {
	for _, m := range inTheWayRE().FindAllStringSubmatch(stderr, -1) {
		local := strings.HasPrefix(m[1], "Your local changes")
		for _, l := range strings.Split(m[2], "\n") {
			if p := strings.TrimSpace(l); p != "" {
				paths = append(paths, p)
				if local {
					tracked = append(tracked, p)
				}
			}
		}
	}
	return paths, tracked
}

// HasCherryPickHead reports whether a cherry-pick is stopped in the work tree.
func (r *Repo) HasCherryPickHead() bool {
	p, err := r.GitPath(context.Background(), "CHERRY_PICK_HEAD")
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// ForgetCherryPick drops a cherry-pick's CHERRY_PICK_HEAD without touching HEAD, the index or
// the tree: for a pick whose commit was made before git was interrupted.
func (r *Repo) ForgetCherryPick(ctx context.Context) error {
	_, err := r.Git.Run(ctx, "update-ref", "-d", "CHERRY_PICK_HEAD")
	return err
}

// IndexStatus is what the index holds against HEAD.
type IndexStatus struct {
	// Unmerged are the paths with unresolved conflicts, sorted.
	Unmerged []string
	// Staged: the index differs from HEAD (an unmerged path is a difference).
	Staged bool
}

// IndexStatus reads the index against HEAD in one git diff-index: what Unmerged and
// HasStagedChanges say, where a stopped pick would otherwise ask twice. Plumbing, so diff.renames
// and the other diff settings of the user's config change nothing: every difference is one
// "status, path" record, and an unmerged path's status is U.
func (r *Repo) IndexStatus(ctx context.Context) (IndexStatus, error) {
	out, err := r.Git.Output(ctx, "diff-index", "--cached", "--name-status", "-z", "HEAD", "--")
	if err != nil {
		return IndexStatus{}, err
	}
	var st IndexStatus
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		st.Staged = true
		if fields[i] == "U" {
			st.Unmerged = append(st.Unmerged, fields[i+1])
		}
	}
	slices.Sort(st.Unmerged)
	return st, nil
}

// HasStagedChanges reports whether the index differs from HEAD.
func (r *Repo) HasStagedChanges(ctx context.Context) (bool, error) {
	err := r.Git.Exec(ctx, Exec{}, "diff", "--cached", "--quiet", "HEAD", "--")
	if err == nil {
		return false, nil
	}
	if ExitCode(err) == 1 {
		return true, nil
	}
	return false, err
}

// HasUnstagedChanges reports whether tracked files differ from the index.
func (r *Repo) HasUnstagedChanges(ctx context.Context) (bool, error) {
	err := r.Git.Exec(ctx, Exec{}, "diff", "--quiet", "--")
	if err == nil {
		return false, nil
	}
	if ExitCode(err) == 1 {
		return true, nil
	}
	return false, err
}

// CommitAs commits the index reusing the message and authorship of commit (git commit -C), as
// finishing a cherry-pick does. allowEmpty keeps a commit whose change is already in HEAD.
func (r *Repo) CommitAs(ctx context.Context, commit plumbing.Hash) error {
	_, err := r.Git.Run(ctx, "commit", "-q", "--no-verify", "--allow-empty-message", "-C", commit.String())
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// Amend stages paths and amends HEAD with them, keeping its message and author.
func (r *Repo) Amend(ctx context.Context, paths ...string) error {
	if len(paths) > 0 {
		if _, err := r.Git.Run(ctx, append([]string{"add", "--"}, paths...)...); err != nil {
			return err
		}
	}
	_, err := r.Git.Run(ctx, "commit", "-q", "--no-verify", "--amend", "--no-edit", "--allow-empty")
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// ResetMerge moves HEAD to rev and drops a stopped cherry-pick (git reset --merge): the
// index and the files the pick touched go back, other local changes stay.
func (r *Repo) ResetMerge(ctx context.Context, rev plumbing.Hash) error {
	_, err := r.Git.Run(ctx, "reset", "-q", "--merge", rev.String())
	if err != nil {
		// A conflicted index can defeat --merge; --hard is what git cherry-pick --abort falls
		// back to as well.
		_, err = r.Git.Run(ctx, "reset", "-q", "--hard", rev.String())
	}
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// Detach checks out rev on a detached HEAD. When HEAD is at rev already only HEAD changes (the
// index and the work tree are rev's, or what the user changed in them): git checkout would
// read and write the whole index for nothing.
func (r *Repo) Detach(ctx context.Context, rev plumbing.Hash) error {
	if head, err := r.Head(ctx); err == nil && head == rev {
		from := "HEAD"
		if b, err := r.CurrentBranch(ctx); err == nil && b != "" {
			from = b
		}
		_, err := r.Git.Run(ctx, "update-ref", "--no-deref", "-m", "checkout: moving from "+from+" to "+rev.String(), "HEAD", rev.String())
		if rerr := r.Reopen(); err == nil {
			err = rerr
		}
		return err
	}
	_, err := r.Git.Run(ctx, "checkout", "-q", "--detach", rev.String())
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// ForceCheckout checks out branch, discarding local changes to tracked files.
func (r *Repo) ForceCheckout(ctx context.Context, branch string) error {
	if err := checkRev(branch); err != nil {
		return err
	}
	_, err := r.Git.Run(ctx, "checkout", "-q", "-f", branch, "--")
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// UpdateRef points ref at newHash, only if it is still at oldHash (zero: must not exist).
func (r *Repo) UpdateRef(ctx context.Context, ref string, newHash, oldHash plumbing.Hash, reason string) error {
	if !strings.HasPrefix(ref, "refs/") {
		return fmt.Errorf("update-ref: %q is not a full ref name", ref)
	}
	old := oldHash.String()
	if oldHash.IsZero() {
		old = strings.Repeat("0", 40)
	}
	_, err := r.Git.Run(ctx, "update-ref", "-m", reason, ref, newHash.String(), old)
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// AttachHead points HEAD at branch (git symbolic-ref) without touching the work tree; the
// caller has made sure the branch is at HEAD's commit.
func (r *Repo) AttachHead(ctx context.Context, branch string) error {
	if err := checkRev(branch); err != nil {
		return err
	}
	_, err := r.Git.Run(ctx, "symbolic-ref", "-m", "releasekit: finish", "HEAD", "refs/heads/"+branch)
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// Head is the commit HEAD points at.
func (r *Repo) Head(ctx context.Context) (plumbing.Hash, error) {
	return r.Resolve(ctx, "HEAD")
}

// RerereConfig turns rerere on, with autoupdate, as key, value pairs for ConfigEnv.
var RerereConfig = []string{"rerere.enabled", "true", "rerere.autoUpdate", "true"}

// EnableRerere turns on rerere with autoupdate for every git command this Repo runs from now on
// (through ConfigEnv), so that a conflict resolution recorded once is reused the next time the
// same conflict appears. The user's configuration is never written.
func (r *Repo) EnableRerere(ctx context.Context) error {
	for _, e := range r.Git.Env {
		if strings.HasPrefix(e, "GIT_CONFIG_KEY_") && strings.HasSuffix(e, "="+RerereConfig[0]) {
			return nil // already on
		}
	}
	r.Git.Env = ConfigEnv(r.Git.Env, RerereConfig...)
	return nil
}

// Locked reports a leftover index.lock: another git is running, or one was killed.
func (r *Repo) Locked(ctx context.Context) (string, bool) {
	p, err := r.GitPath(ctx, "index.lock")
	if err != nil {
		return "", false
	}
	_, err = os.Stat(p)
	return p, err == nil
}

// ErrNoParent is returned by Parent for a root commit.
var ErrNoParent = errors.New("commit has no parent")

// Parent is the first parent of a commit.
func (r *Repo) Parent(ctx context.Context, h plumbing.Hash) (plumbing.Hash, error) {
	c, err := r.Commit(ctx, h.String())
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(c.Parents) == 0 {
		return plumbing.ZeroHash, ErrNoParent
	}
	return c.Parents[0], nil
}

// WorkPath is a path of the work tree.
func (r *Repo) WorkPath(p string) string { return filepath.Join(r.Dir, filepath.FromSlash(p)) }

// StageChanged stages paths and reports whether the index now differs from HEAD.
func (r *Repo) StageChanged(ctx context.Context, paths ...string) (bool, error) {
	if _, err := r.Git.Run(ctx, append([]string{"add", "--"}, paths...)...); err != nil {
		return false, err
	}
	return r.HasStagedChanges(ctx)
}

// BranchInUseError refuses to move a branch that another linked worktree has checked out:
// update-ref and symbolic-ref do not check, and a commit made there would then be made on top
// of the old tip, reverting everything the branch gained.
type BranchInUseError struct {
	Branch, Worktree string
}

func (e *BranchInUseError) Error() string {
	return fmt.Sprintf("branch %s is checked out in the worktree %s: not moving it under that worktree", e.Branch, e.Worktree)
}

// CheckNotCheckedOutElsewhere returns a *BranchInUseError when a linked worktree other than
// this one has branch checked out (as git checkout and git branch -f refuse to). A repository
// without linked worktrees has no other: no git is asked then.
func (r *Repo) CheckNotCheckedOutElsewhere(ctx context.Context, branch string) error {
	// Without a worktrees directory, the only worktree is the main one, and this is it (a
	// linked worktree has its git dir in there).
	main := r.isMainWorktree(ctx)
	if main && r.noLinkedWorktrees(ctx) {
		return nil
	}
	wts, err := r.worktreeList(ctx)
	if err != nil {
		return err
	}
	// r.Dir is the top of this work tree, as git rev-parse --show-toplevel says it (symbolic
	// links aside, which same resolves). The main worktree, listed first, is told by its git
	// dir instead: git lists it at its git dir when that is not inside it.
	self := r.Dir
	same := func(p string) bool {
		a, aerr := filepath.EvalSymlinks(p)
		b, berr := filepath.EvalSymlinks(self)
		if aerr != nil || berr != nil {
			return filepath.Clean(p) == filepath.Clean(self)
		}
		return a == b
	}
	for i, w := range wts {
		if i == 0 && main {
			continue
		}
		if w.branch == "refs/heads/"+branch && w.path != "" && !same(w.path) {
			return &BranchInUseError{Branch: branch, Worktree: w.path}
		}
	}
	return nil
}
