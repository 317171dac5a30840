package git

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ReadFile returns the content of path in the tree of rev.
func (r *Repo) ReadFile(ctx context.Context, rev, path string) ([]byte, error) {
	h, err := r.Resolve(ctx, rev)
	if err != nil {
		return nil, err
	}
	if r.inProcess() {
		data, err := r.readFileGoGit(h, path)
		if err == nil || errors.Is(err, ErrPathNotFound) || !r.goGitFailed(ctx, path+" at "+rev, err) {
			if errors.Is(err, ErrPathNotFound) {
				err = fmt.Errorf("%s at %s: %w", path, rev, ErrPathNotFound)
			} else if err != nil {
				err = fmt.Errorf("read %s at %s: %w", path, rev, err)
			}
			return data, err
		}
	}
	out, err := r.readObject(ctx, "blob", h.String()+":"+path)
	if err != nil && !errors.Is(err, ErrPathNotFound) {
		return nil, fmt.Errorf("read %s at %s: %w", path, rev, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", path, rev, ErrPathNotFound)
	}
	return out, nil
}

func (r *Repo) readFileGoGit(h plumbing.Hash, path string) ([]byte, error) {
	c, err := r.gg.CommitObject(h)
	if err != nil {
		return nil, err
	}
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, ErrPathNotFound
	}
	if err != nil {
		return nil, err
	}
	s, err := f.Contents()
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// ChangedPaths lists the paths that differ between the trees of revisions a and b, sorted.
// A rename shows as its old and its new path.
func (r *Repo) ChangedPaths(ctx context.Context, a, b string) ([]string, error) {
	ha, err := r.Resolve(ctx, a)
	if err != nil {
		return nil, err
	}
	hb, err := r.Resolve(ctx, b)
	if err != nil {
		return nil, err
	}
	if r.inProcess() {
		paths, err := r.changedPathsGoGit(ctx, ha, hb)
		if err == nil || !r.goGitFailed(ctx, "the trees of "+a+" and "+b, err) {
			return paths, err
		}
	}
	out, err := r.Git.Output(ctx, "diff", "--name-only", "--no-renames", "-z", ha.String(), hb.String())
	if err != nil {
		return nil, err
	}
	return splitZ(string(out)), nil
}

func (r *Repo) changedPathsGoGit(ctx context.Context, a, b plumbing.Hash) ([]string, error) {
	ta, err := r.tree(a)
	if err != nil {
		return nil, err
	}
	tb, err := r.tree(b)
	if err != nil {
		return nil, err
	}
	return diffTrees(ctx, ta, tb)
}

// CommitPaths lists the paths a commit changes against its first parent (all its paths for a
// root commit).
func (r *Repo) CommitPaths(ctx context.Context, c Commit) ([]string, error) {
	if r.inProcess() {
		paths, err := r.commitPathsGoGit(ctx, c)
		if err == nil || !r.goGitFailed(ctx, "the paths of commit "+c.Hash.String(), err) {
			return paths, err
		}
	}
	out, err := r.Git.Output(ctx, "diff-tree", "--no-commit-id", "--name-only", "--no-renames", "-r", "-z", "--root", "-m", "--first-parent", c.Hash.String())
	if err != nil {
		return nil, err
	}
	return splitZ(string(out)), nil
}

func (r *Repo) commitPathsGoGit(ctx context.Context, c Commit) ([]string, error) {
	tc, err := r.tree(c.Hash)
	if err != nil {
		return nil, err
	}
	var tp *object.Tree
	if len(c.Parents) > 0 {
		if tp, err = r.tree(c.Parents[0]); err != nil {
			return nil, err
		}
	}
	return diffTrees(ctx, tp, tc)
}

func (r *Repo) tree(h plumbing.Hash) (*object.Tree, error) {
	c, err := r.gg.CommitObject(h)
	if err != nil {
		return nil, err
	}
	return c.Tree()
}

func diffTrees(ctx context.Context, a, b *object.Tree) ([]string, error) {
	changes, err := object.DiffTreeWithOptions(ctx, a, b, &object.DiffTreeOptions{})
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, ch := range changes {
		if ch.From.Name != "" {
			set[ch.From.Name] = true
		}
		if ch.To.Name != "" {
			set[ch.To.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

func splitZ(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\x00") {
		if p != "" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}
