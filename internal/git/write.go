package git

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// stalledRE is curl's message when the low-speed limit gives up.
var stalledRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)operation too slow|timed out|timeout`) })

// ConfigEnv returns env with git configuration added for one command through the environment:
// kv are key, value pairs, set as GIT_CONFIG_KEY_n and GIT_CONFIG_VALUE_n numbered after the
// entries already in effect (those of env when it sets GIT_CONFIG_COUNT, the last setting
// winning as in a process environment, else the process's own), and GIT_CONFIG_COUNT raised to
// match. It is the one way the toolkit sets git configuration: nothing is written to the
// user's configuration, and the command line in an error stays the one a user knows. Additions
// compose: ConfigEnv(ConfigEnv(env, a...), b...) keeps a, b and the process's.
func ConfigEnv(env []string, kv ...string) []string {
	if len(kv)%2 != 0 {
		panic("git.ConfigEnv: key without a value")
	}
	count := os.Getenv("GIT_CONFIG_COUNT")
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "GIT_CONFIG_COUNT="); ok {
			count = v
		}
	}
	n, _ := strconv.Atoi(count)
	out := make([]string, 0, len(env)+len(kv)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, "GIT_CONFIG_COUNT=") {
			out = append(out, e)
		}
	}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", n+i/2, kv[i]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n+i/2, kv[i+1]))
	}
	return append(out, fmt.Sprintf("GIT_CONFIG_COUNT=%d", n+len(kv)/2))
}

// StallConfig gives up an HTTP(S) transfer that has moved less than a byte a second for stall
// (git's http.lowSpeedLimit and http.lowSpeedTime), as key, value pairs for ConfigEnv or
// Exec.Config; none for a stall of 0, which leaves git's own settings.
func StallConfig(stall time.Duration) []string {
	if stall <= 0 {
		return nil
	}
	return []string{"http.lowSpeedLimit", "1", "http.lowSpeedTime", strconv.Itoa(int((stall + time.Second - 1) / time.Second))}
}

func hashOf(s string) plumbing.Hash { return plumbing.NewHash(s) }

// FetchOptions adjust a fetch.
type FetchOptions struct {
	// Progress, when set, receives git's progress.
	Progress io.Writer
	// Stall gives up an HTTP(S) fetch that has moved less than a byte a second for this long
	// (git's http.lowSpeedLimit and http.lowSpeedTime); 0 leaves git's own settings.
	Stall time.Duration
}

// StalledError is a fetch given up because the remote stopped answering.
type StalledError struct {
	Remote string
	Stall  time.Duration
	Err    error
}

func (e *StalledError) Error() string {
	return fmt.Sprintf("fetch %s: no data for %s, gave up: %v", e.Remote, e.Stall, e.Err)
}

func (e *StalledError) Unwrap() error { return e.Err }

// Fetch fetches a remote with the git CLI, so the user's credential helpers, SSH agent and
// proxies apply (and its prompts, at a terminal).
func (r *Repo) Fetch(ctx context.Context, remote string, o FetchOptions) error {
	if err := checkRev(remote); err != nil {
		return fmt.Errorf("invalid remote name %q", remote)
	}
	// git shows its progress when stderr is a terminal, and stays quiet in logs.
	err := r.Git.Exec(ctx, Exec{Stderr: o.Progress, Terminal: true, Config: StallConfig(o.Stall)}, "fetch", "--prune", "--no-tags", remote)
	if err != nil && o.Stall > 0 && ctx.Err() == nil && stalledRE().MatchString(err.Error()) {
		err = &StalledError{Remote: remote, Stall: o.Stall, Err: err}
	}
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
