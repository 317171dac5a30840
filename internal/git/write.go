package git

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

func hashOf(s string) plumbing.Hash { return plumbing.NewHash(s) }

// Fetch fetches a remote with the git CLI, so the user's credential helpers, SSH agent and
// proxies apply. Progress goes to progress when it is not nil.
func (r *Repo) Fetch(ctx context.Context, remote string, progress io.Writer) error {
	if err := checkRev(remote); err != nil {
		return fmt.Errorf("invalid remote name %q", remote)
	}
	// git shows its progress when stderr is a terminal, and stays quiet in logs.
	err := r.Git.Exec(ctx, Exec{Stderr: progress}, "fetch", "--prune", "--no-tags", remote)
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// AddRemote adds a remote.
func (r *Repo) AddRemote(ctx context.Context, name, url string) error {
	if err := checkRev(name); err != nil {
		return fmt.Errorf("invalid remote name %q", name)
	}
	if strings.HasPrefix(url, "-") {
		return fmt.Errorf("invalid remote URL %q", url)
	}
	_, err := r.Git.Run(ctx, "remote", "add", "--", name, url)
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// Cherry marks the commits of limit..head whose change (patch-id) is already in upstream, as
// `git cherry upstream head limit` does. It returns the hashes that are already there.
func (r *Repo) Cherry(ctx context.Context, upstream, head, limit string) (map[plumbing.Hash]bool, error) {
	for _, rev := range []string{upstream, head, limit} {
		if err := checkRev(rev); err != nil {
			return nil, err
		}
	}
	out, err := r.Git.Run(ctx, "cherry", upstream, head, limit)
	if err != nil {
		return nil, err
	}
	in := map[plumbing.Hash]bool{}
	for _, line := range strings.Split(out, "\n") {
		if sign, hash, ok := strings.Cut(line, " "); ok && sign == "-" {
			in[plumbing.NewHash(hash)] = true
		}
	}
	return in, nil
}

// CreateBranch creates branch name at start and checks it out (git checkout -b). It fails
// when the branch exists: releasekit never moves a branch it did not make.
func (r *Repo) CreateBranch(ctx context.Context, name, start string) error {
	if err := checkRev(name); err != nil {
		return err
	}
	if err := checkRev(start); err != nil {
		return err
	}
	_, err := r.Git.Run(ctx, "checkout", "-q", "--no-track", "-b", name, start)
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// Checkout checks out an existing branch.
func (r *Repo) Checkout(ctx context.Context, branch string) error {
	if err := checkRev(branch); err != nil {
		return err
	}
	_, err := r.Git.Run(ctx, "checkout", "-q", branch, "--")
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// CommitFiles stages the given paths and commits only them with message msg.
func (r *Repo) CommitFiles(ctx context.Context, msg string, paths ...string) error {
	if _, err := r.Git.Run(ctx, append([]string{"add", "--"}, paths...)...); err != nil {
		return err
	}
	err := r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(msg)}, append([]string{"commit", "-q", "-F", "-", "--"}, paths...)...)
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// Count counts the commits reachable from tip and not from base, merges included.
func (r *Repo) Count(ctx context.Context, base, tip string) (int, error) {
	for _, rev := range []string{base, tip} {
		if err := checkRev(rev); err != nil {
			return 0, err
		}
	}
	out, err := r.Git.Run(ctx, "rev-list", "--count", base+".."+tip, "--")
	if err != nil {
		return 0, err
	}
	var n int
	_, err = fmt.Sscan(out, &n)
	return n, err
}
