package git

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// Worktrees is the directory where the toolkit keeps its temporary worktrees (parallel verifies,
// the canary): StateDir.Worktrees, inside the git dir, so that they never show in the user's
// work tree.
func (r *Repo) Worktrees(ctx context.Context) (string, error) {
	sd, err := r.StateDir(ctx)
	if err != nil {
		return "", err
	}
	return sd.Worktrees(), nil
}

// AddWorktree checks commit out on a detached HEAD in a new linked worktree at path. The
// worktree shares the repository's objects, refs and rr-cache, and leaves the user's HEAD,
// index and work tree alone.
func (r *Repo) AddWorktree(ctx context.Context, path string, commit plumbing.Hash) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return r.worktreeCmd(ctx, "worktree", "add", "--quiet", "--detach", "--", path, commit.String())
}

// worktreeRaceRE is how git 2.39 fails a worktree command that lists the worktrees while another
// process is half-way through adding or removing one: "failed to read
// .git/worktrees/w4/commondir", "Invalid path '.git/worktrees/w11': No such file or directory",
// and, when the last one's removal takes .git/worktrees away, "could not create directory of
// '.git/worktrees/w17'".
var worktreeRaceRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`failed to read .*worktrees/[^/]+/(commondir|gitdir)|Invalid path '[^']*worktrees/[^']+': No such file|could not create directory of '[^']*worktrees/`)
})

// worktreeCmd runs a git worktree command, again after a short wait when it lost that race:
// parallel verifies and canaries add and remove worktrees of one repository at the same time.
func (r *Repo) worktreeCmd(ctx context.Context, args ...string) error {
	var err error
	for attempt := 1; ; attempt++ {
		_, err = r.Git.Run(ctx, args...)
		if err == nil || attempt == 6 || !worktreeRaceRE().MatchString(err.Error()) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
	}
}

// RemoveWorktree removes the linked worktree at path, changes and all: it is the toolkit's own.
// A worktree whose directory is already gone is pruned instead, and git's record of one that a
// killed git worktree add left locked ("initializing", which prune skips) is removed.
func (r *Repo) RemoveWorktree(ctx context.Context, path string) error {
	if _, err := os.Stat(path); os.IsNotExist(err) {
		if err := r.PruneWorktrees(ctx); err != nil {
			return err
		}
		return r.forgetWorktree(ctx, path)
	}
	return r.worktreeCmd(ctx, "worktree", "remove", "--force", "--force", "--", path)
}

// forgetWorktree removes git's administrative directory of the worktree at path, whose own
// directory is gone.
func (r *Repo) forgetWorktree(ctx context.Context, path string) error {
	admin, err := r.GitPath(ctx, "worktrees")
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(admin)
	if err != nil {
		return nil
	}
	want := filepath.Join(filepath.Clean(path), ".git")
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(admin, e.Name(), "gitdir"))
		if err != nil || filepath.Clean(strings.TrimSpace(string(data))) != want {
			continue
		}
		if err := os.RemoveAll(filepath.Join(admin, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// PruneWorktrees forgets linked worktrees whose directories are gone (after a crash, or a
// directory removed by hand).
func (r *Repo) PruneWorktrees(ctx context.Context) error {
	if r.noLinkedWorktrees(ctx) {
		return nil
	}
	_, err := r.Git.Run(ctx, "worktree", "prune")
	return err
}

// noLinkedWorktrees reports whether the repository plainly has no linked worktree, without
// starting git once GitPath has run: git keeps one administrative directory per linked worktree
// in $GIT_COMMON_DIR/worktrees/<id>/ (gitrepository-layout(5)), lists only those besides the
// main worktree, and its worktree prune returns at once when it cannot open that directory. So
// when worktrees does not exist, the list is the main worktree alone and prune forgets nothing.
// False says nothing more: ask git.
func (r *Repo) noLinkedWorktrees(ctx context.Context) bool {
	admin, err := r.GitPath(ctx, "worktrees")
	if err != nil {
		return false
	}
	_, err = os.Stat(admin)
	return errors.Is(err, fs.ErrNotExist)
}

// isMainWorktree reports whether r is the repository's main worktree, the first that git
// worktree list prints: its git dir is the common dir. git prints the main worktree's path
// from the common dir (less a final /.git), which is not the top of the work tree when the git
// dir is elsewhere (git init --separate-git-dir), so a path comparison cannot tell.
func (r *Repo) isMainWorktree(ctx context.Context) bool {
	own, err := r.GitPath(ctx, stateDirName)
	if err != nil {
		return false
	}
	return filepath.Clean(filepath.Dir(own)) == filepath.Clean(r.commonDir)
}

// ListWorktrees lists the paths of the repository's linked worktrees under dir, and reports
// whether git worktree prune has anything to forget (stale): the caller that prunes after
// removing what it wants gone prunes only then.
//
// stale is true when git marks a worktree prunable (its directory is gone: it would block a
// git worktree add at its path and keep its commit checked out), and also, since prune forgets
// more than the list shows, when an entry of git's worktrees directory is missing from the list
// (no readable gitdir file, not a directory), when two worktrees have the same path, when the
// worktrees directory is empty, and always on a git older than 2.31, which marks nothing. When
// there is no worktrees directory at all, there is no linked worktree and stale is false, on
// every git: ListWorktrees then starts no git (once GitPath has run).
func (r *Repo) ListWorktrees(ctx context.Context, dir string) (paths []string, stale bool, err error) {
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	if r.noLinkedWorktrees(ctx) && !mainMayBeUnder(r.commonDir, prefix) {
		return nil, false, nil
	}
	wts, err := r.worktreeList(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, w := range wts {
		if strings.HasPrefix(filepath.Clean(w.path), prefix) {
			paths = append(paths, w.path)
		}
	}
	return paths, r.pruneWouldForget(ctx, wts), nil
}

// mainMayBeUnder reports whether git worktree list may print the main worktree under prefix:
// git prints the real path of the common dir, less a final /.git, which is under prefix only
// when the common dir is. The toolkit's own directories are inside the common dir, never above
// it; true when the real path is unknown.
func mainMayBeUnder(commonDir, prefix string) bool {
	resolved, err := filepath.EvalSymlinks(commonDir)
	if err != nil {
		return true
	}
	return strings.HasPrefix(filepath.Clean(resolved)+string(filepath.Separator), prefix) ||
		strings.HasPrefix(filepath.Clean(commonDir)+string(filepath.Separator), prefix)
}

// listedWorktree is one record of git worktree list --porcelain.
type listedWorktree struct {
	path string
	// branch is the full ref checked out, "" when HEAD is detached.
	branch   string
	prunable bool
}

// prunableMinor is the first git 2.x whose git worktree list --porcelain marks the worktrees
// that git worktree prune forgets ("prunable REASON"): 2.31.
const prunableMinor = 31

// worktreeList is git worktree list --porcelain, the main worktree first.
func (r *Repo) worktreeList(ctx context.Context) ([]listedWorktree, error) {
	out, err := r.Git.Run(ctx, "worktree", "list", "--porcelain")
	if err != nil {
		return nil, err
	}
	var wts []listedWorktree
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(line, "worktree "); ok {
			wts = append(wts, listedWorktree{path: p})
			continue
		}
		if len(wts) == 0 {
			continue
		}
		w := &wts[len(wts)-1]
		if b, ok := strings.CutPrefix(line, "branch "); ok {
			w.branch = b
		}
		if line == "prunable" || strings.HasPrefix(line, "prunable ") {
			w.prunable = true
		}
	}
	return wts, nil
}

// pruneWouldForget reports whether git worktree prune may forget something, given the list.
func (r *Repo) pruneWouldForget(ctx context.Context, wts []listedWorktree) bool {
	admin, err := r.GitPath(ctx, "worktrees")
	if err != nil {
		return true
	}
	return worktreesStale(wts, admin, func() bool {
		major, minor := gitMinor()
		return major > 2 || major == 2 && minor >= prunableMinor
	})
}

// worktreesStale is pruneWouldForget for a list and git's worktrees directory admin; annotated
// says whether the list marks the prunable worktrees (asked only when the rest says nothing is
// stale: a list that marks nothing has no mark to find).
func worktreesStale(wts []listedWorktree, admin string, annotated func() bool) bool {
	linked := wts[min(1, len(wts)):]
	entries, err := os.ReadDir(admin)
	if errors.Is(err, fs.ErrNotExist) {
		// No worktrees directory: prune returns at once, on every git. A list that shows
		// linked worktrees was taken before their directory went away.
		return len(linked) > 0
	}
	seen := map[string]bool{}
	for _, w := range wts {
		if w.prunable {
			return true
		}
		// prune keeps the first of the entries with one path (compared as git compares paths,
		// case-insensitively with core.ignorecase: folding here only prunes more often).
		k := strings.ToLower(filepath.Clean(w.path))
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	// The list leaves out what prune removes without asking (an entry with no gitdir file, or
	// not a directory); and prune removes the worktrees directory when it is empty.
	if err != nil || len(entries) != len(linked) || len(entries) == 0 {
		return true
	}
	return !annotated()
}

// OpenWorktree opens the linked worktree at path as a Repo of its own: its HEAD, index and
// work tree are the worktree's, the objects and refs the repository's.
func (r *Repo) OpenWorktree(ctx context.Context, path string) (*Repo, error) {
	w, err := Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open worktree %s: %w", path, err)
	}
	return w, nil
}

// DetachedAt reports whether the work tree at top plainly has HEAD detached at commit: its HEAD
// file (a linked worktree's own, through its .git file) holds that hash, as git writes it. It
// starts no git. False says nothing more (HEAD on a branch or elsewhere, a layout it does not
// read): ask git.
func DetachedAt(top string, commit plumbing.Hash) bool {
	gitDir, _, err := gitDirs(top)
	if err != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	return err == nil && strings.TrimSpace(string(b)) == commit.String()
}
