package status

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// DefaultUpstream is the upstream installer read when the installer fork is given as a URL.
const DefaultUpstream = "https://github.com/openshift/installer.git"

// scpLike is git's [user@]host:path form (a colon before any slash).
var scpLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Za-z0-9._~-]+@)?[A-Za-z0-9.-]+:[^/]`) })

// IsRemote reports whether s names a git remote (https://, ssh://, file://, git@host:path)
// rather than a local directory. A path that exists locally is a directory even if it looks
// like host:path, as git treats it.
func IsRemote(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	if !scpLike().MatchString(s) {
		return false
	}
	_, err := os.Stat(s)
	return err != nil
}

// remoteReader fetches what Read needs of remote repositories into throwaway repositories
// under one temporary directory, removed by close: nothing the user owns is written.
type remoteReader struct {
	tmp string
	n   int
}

func (r *remoteReader) close() {
	if r.tmp != "" {
		os.RemoveAll(r.tmp)
	}
}

// scratch makes an empty repository (with a work tree, so that git.Open takes it) for one remote.
func (r *remoteReader) scratch(ctx context.Context) (string, error) {
	if r.tmp == "" {
		tmp, err := os.MkdirTemp("", "releasekit-status-")
		if err != nil {
			return "", err
		}
		r.tmp = tmp
	}
	r.n++
	dir := filepath.Join(r.tmp, fmt.Sprintf("r%d", r.n))
	if _, err := (git.Runner{Dir: r.tmp}).Run(ctx, "init", "-q", dir); err != nil {
		return "", err
	}
	return dir, nil
}

// refs lists url's refs (git ls-remote): a URL that cannot be reached is an error.
func refs(ctx context.Context, dir, url string, specs [][2]string) (map[string]bool, error) {
	args := []string{"ls-remote", "--", url}
	for _, s := range specs {
		args = append(args, s[0])
	}
	out, err := (git.Runner{Dir: dir}).Run(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", url, err)
	}
	have := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if _, ref, ok := strings.Cut(line, "\t"); ok {
			have[ref] = true
		}
	}
	return have, nil
}

// fetch fetches, of the refspecs src→dst, those whose source url has (asked first with git
// ls-remote, so that a URL that cannot be reached is an error), and returns the refs url has.
func fetch(ctx context.Context, dir, url string, specs [][2]string, extra ...string) (map[string]bool, error) {
	have, err := refs(ctx, dir, url, specs)
	if err != nil {
		return nil, err
	}
	args := append([]string{"fetch", "-q", "--no-tags", "--no-write-fetch-head"}, extra...)
	args = append(args, "--", url)
	n := len(args)
	for _, s := range specs {
		if have[s[0]] {
			args = append(args, "+"+s[0]+":"+s[1])
		}
	}
	if len(args) == n {
		return have, nil
	}
	if _, err := (git.Runner{Dir: dir}).Run(ctx, args...); err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", url, err)
	}
	return have, nil
}

// installer fetches the fork's release branches of m and m-1 (as the fork remote's
// remote-tracking branches) and the verify notes from url, and upstream's release branches
// from upstream, into a scratch repository that Read then reads as a clone.
func (r *remoteReader) installer(ctx context.Context, url, upstream string, m release.Minor, rem release.Remotes) (string, error) {
	dir, err := r.scratch(ctx)
	if err != nil {
		return "", err
	}
	ms := []release.Minor{m}
	if prev, err := m.Previous(); err == nil {
		ms = append(ms, prev)
	}
	specs := [][2]string{{verify.NotesRef, verify.NotesRef}}
	for _, x := range ms {
		specs = append(specs, [2]string{"refs/heads/" + x.ForkBranch(), "refs/remotes/" + rem.ForkBranch(x)})
	}
	if _, err := fetch(ctx, dir, url, specs); err != nil {
		return "", fmt.Errorf("-installer=%s: %w", url, err)
	}
	if upstream == "" {
		upstream = DefaultUpstream
	}
	if !IsRemote(upstream) {
		if _, err := localRepo(ctx, upstream); err != nil {
			return "", fmt.Errorf("-upstream=%s: %w", upstream, err)
		}
	}
	specs = nil
	for _, x := range ms {
		specs = append(specs, [2]string{"refs/heads/" + x.UpstreamBranch(), "refs/remotes/" + rem.UpstreamBranch(x)})
	}
	if _, err := fetch(ctx, dir, upstream, specs); err != nil {
		return "", fmt.Errorf("-upstream=%s (read because -installer is a URL): %w", upstream, err)
	}
	return dir, nil
}

// files fetches the default branch of url, its last commit only, and writes paths of it (those
// it has) into a scratch directory, which it returns with the commit it read.
func (r *remoteReader) files(ctx context.Context, url string, paths ...string) (string, string, error) {
	dir, err := r.scratch(ctx)
	if err != nil {
		return "", "", err
	}
	const head = "refs/remotes/origin/HEAD"
	specs := [][2]string{{"HEAD", head}}
	have, err := fetch(ctx, dir, url, specs, "--depth=1")
	if err != nil {
		return "", "", err
	}
	if !have["HEAD"] {
		return "", "", fmt.Errorf("%s has no default branch (HEAD)", url)
	}
	g := git.Runner{Dir: dir}
	commit, err := g.Run(ctx, "rev-parse", "--verify", head+"^{commit}")
	if err != nil {
		return "", "", err
	}
	for _, p := range paths {
		b, err := g.Output(ctx, "cat-file", "blob", head+":"+p)
		if err != nil {
			continue // the step that reads it reports it missing
		}
		f := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return "", "", err
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return "", "", err
		}
	}
	return dir, commit, nil
}

// errNotRepo is a local directory that is not a clone.
var errNotRepo = errors.New("not a git repository (give a clone, or a URL: https://, ssh://, file://, git@host:path)")

// localRepo checks that dir is a clone (its work tree or any directory in it) and returns it.
func localRepo(ctx context.Context, dir string) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("not a directory")
	}
	if _, err := (git.Runner{Dir: dir}).Run(ctx, "rev-parse", "--git-dir"); err != nil {
		return "", errNotRepo
	}
	return dir, nil
}
