package rerere

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// ShareOptions say which repository shares its cache, and with which remote.
type ShareOptions struct {
	// Dir is a directory inside the clone.
	Dir string
	// Remote is the fork remote (RELEASEKIT_FORK_REMOTE).
	Remote string
	// DryRun builds the commit's tree and says what would be pushed; no commit, ref or push.
	DryRun bool
	// Stall gives up a push that has moved less than a byte a second for this long (0: never).
	Stall time.Duration
}

// ShareResult is what fork:share did.
type ShareResult struct {
	Remote  string `json:"remote"`
	Entries int    `json:"entries"`
	// Commit is the share commit now at Ref, here and on the remote.
	Commit string `json:"commit,omitempty"`
	// Unchanged: the cache holds nothing the last share did not; the same commit was pushed.
	Unchanged bool `json:"unchanged"`
	// Notes is true when the verify notes were pushed too.
	Notes  bool     `json:"notes"`
	Refs   []string `json:"refspecs"`
	DryRun bool     `json:"dryRun"`
}

// ErrNoRemote is returned when the fork remote does not exist.
var ErrNoRemote = errors.New("no such remote")

// openRemote opens the repository in dir and checks the fork remote (empty: the default one),
// returning its URL.
func openRemote(ctx context.Context, dir string, remote *string) (*git.Repo, string, error) {
	if *remote == "" {
		*remote = release.DefaultForkRemote
	}
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return nil, "", cli.Fail(err)
	}
	url, err := checkRemote(ctx, repo, *remote)
	if err != nil {
		return nil, "", err
	}
	return repo, url, nil
}

func checkRemote(ctx context.Context, repo *git.Repo, remote string) (string, error) {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return "", cli.Usage(fmt.Errorf("invalid remote name %q", remote))
	}
	url, err := repo.Git.Run(ctx, "remote", "get-url", "--", remote)
	if err != nil {
		return "", cli.Fail(fmt.Errorf("%w %q: the rr-cache is shared through the fork remote", ErrNoRemote, remote),
			fmt.Sprintf("add it with \"git remote add %s URL\", or name yours with RELEASEKIT_FORK_REMOTE", remote))
	}
	return redact.URL(url), nil
}

// Share stores the rr-cache as a commit under Ref, on top of the previous one, and pushes it
// (with NotesRef when it exists) to the fork remote in one atomic push. The local Ref moves
// only after the push succeeded: a refused push leaves the cache and every ref as they were.
func Share(ctx context.Context, opts ShareOptions) (*ShareResult, error) {
	repo, url, err := openRemote(ctx, opts.Dir, &opts.Remote)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	cache, err := Open(ctx, repo)
	if err != nil {
		return nil, cli.Fail(err)
	}
	entries, err := cache.Entries()
	if err != nil {
		return nil, cli.Fail(fmt.Errorf("read the rr-cache: %w", err))
	}
	res := &ShareResult{Remote: opts.Remote, Entries: len(entries), DryRun: opts.DryRun}
	if len(entries) == 0 {
		return res, cli.Fail(fmt.Errorf("nothing to share: the rr-cache of %s has no recorded resolutions", repo.Dir),
			"resolutions are recorded when you resolve a conflict of fork:cherryPick or fork:rebaseAgain (rerere is on for them)")
	}
	tree, err := buildTree(ctx, repo, entries)
	if err != nil {
		return nil, cli.Fail(fmt.Errorf("store the rr-cache: %w", err))
	}
	parent, _ := repo.Git.Run(ctx, "rev-parse", "--verify", "--quiet", Ref+"^{commit}")
	commit := ""
	if parent != "" {
		if pt, err := repo.Git.Run(ctx, "rev-parse", parent+"^{tree}"); err == nil && pt == tree {
			commit, res.Unchanged = parent, true
		}
	}
	notes := repo.Exists(ctx, NotesRef)
	if opts.DryRun {
		res.Refs = refspecs("<new>", notes)
		return res, nil
	}
	if commit == "" {
		args := []string{"commit-tree", tree}
		if parent != "" {
			args = append(args, "-p", parent)
		}
		msg := fmt.Sprintf("releasekit: share %d rerere resolutions\n", len(entries))
		var out bytes.Buffer
		if err := repo.Git.Exec(ctx, git.Exec{Stdin: strings.NewReader(msg), Stdout: &out}, args...); err != nil {
			return nil, cli.Fail(fmt.Errorf("commit the rr-cache: %w", err))
		}
		commit = strings.TrimSpace(out.String())
	}
	res.Commit, res.Notes = commit, notes
	res.Refs = refspecs(commit, notes)
	pushArgs := append([]string{"push", "--atomic", "--porcelain", "--", opts.Remote}, res.Refs...)
	var status bytes.Buffer
	if err := repo.Git.Exec(ctx, git.Exec{Stdout: &status, Config: git.StallConfig(opts.Stall)}, pushArgs...); err != nil {
		return nil, pushError(err, status.String(), opts, url)
	}
	old := plumbing.ZeroHash
	if parent != "" {
		old = plumbing.NewHash(parent)
	}
	if err := repo.UpdateRef(ctx, Ref, plumbing.NewHash(commit), old, "releasekit: share"); err != nil {
		return nil, cli.Fail(fmt.Errorf("pushed, but could not move %s here: %w", Ref, err))
	}
	return res, nil
}

// pushError says which ref was refused and why, from git push --porcelain's status lines
// ("!\t<src>:<dst>\t[rejected] (fetch first)"; with --atomic the refs refused only because
// another was say "(atomic push failed)"), and what to do.
func pushError(err error, status string, opts ShareOptions, url string) error {
	var refused, reasons []string
	for _, line := range strings.Split(status, "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || f[0] != "!" {
			continue
		}
		_, dst, _ := strings.Cut(f[1], ":")
		if strings.Contains(f[2], "(atomic push failed)") {
			continue
		}
		refused, reasons = append(refused, dst), append(reasons, f[2])
	}
	var remoteSaid []string
	stderr := err.Error()
	var ce *git.CommandError
	if errors.As(err, &ce) {
		stderr = ce.Stderr
	}
	for _, line := range strings.Split(stderr, "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "remote: "); ok && strings.TrimSpace(m) != "" {
			remoteSaid = append(remoteSaid, strings.TrimSpace(m))
		}
	}
	said := strings.Join(remoteSaid, " ")
	what := strings.Join(refused, " and ")
	reason := strings.Join(reasons, ", ")
	retry := "run " + cli.Cmd("fork:sync") + " (it merges the shared resolutions and the verify notes), then " + cli.Cmd("fork:share") + " again; nothing changed here"
	switch {
	case len(refused) > 0 && raced(reason+" "+said):
		// Someone shared since the last sync, or at the same moment (the remote's ref lock).
		return cli.Fail(fmt.Errorf("%s refused the push of %s: %s: someone else shared since your last sync, or at the same time", opts.Remote, what, reason), retry)
	case len(refused) > 0:
		msg := fmt.Sprintf("%s (%s) refused the push of %s: %s", opts.Remote, url, what, reason)
		if said != "" {
			msg += "; the remote said: " + said
		}
		return cli.Fail(errors.New(redact.Text(msg)), fmt.Sprintf("check that you may push %s to %s; nothing changed here", what, opts.Remote))
	case opts.Stall > 0 && stalled(err):
		return cli.Fail(fmt.Errorf("push %s to %s: %w", Ref, opts.Remote, redact.Err(err)),
			fmt.Sprintf("%s (%s) stopped answering for %s; try again, or raise RELEASEKIT_FETCH_TIMEOUT", opts.Remote, url, opts.Stall))
	}
	return cli.Fail(fmt.Errorf("push %s to %s: %w", Ref, opts.Remote, redact.Err(err)),
		fmt.Sprintf("check that you may push to %s (%s); nothing changed here", opts.Remote, url))
}

// racedRE are git's words for a ref that moved under a push: not a fast-forward of it (a share
// since the last sync), or the remote's lock on it held by another push (a share at the same
// moment).
var racedRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`fetch first|non-fast-forward|stale info|cannot lock ref|failed to lock|incorrect old value|but expected|atomic transaction failed|failed to update ref`)
})

func raced(s string) bool { return racedRE().MatchString(s) }

// remoteGit runs a git command that talks to a remote, giving it up when it stalls.
func remoteGit(ctx context.Context, repo *git.Repo, stall time.Duration, args ...string) error {
	return repo.Git.Exec(ctx, git.Exec{Config: git.StallConfig(stall)}, args...)
}

var stalledRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)operation too slow|timed out|timeout`) })

func stalled(err error) bool { return err != nil && stalledRE().MatchString(err.Error()) }

func refspecs(commit string, notes bool) []string {
	specs := []string{commit + ":" + Ref}
	if notes {
		specs = append(specs, NotesRef+":"+NotesRef)
	}
	return specs
}

// buildTree writes the entries' files as blobs and returns the tree: <id>/<file> for each.
func buildTree(ctx context.Context, repo *git.Repo, entries []Entry) (string, error) {
	var paths []string
	for _, e := range entries {
		paths = append(paths, e.Pre, e.Post)
	}
	var out bytes.Buffer
	if err := repo.Git.Exec(ctx, git.Exec{Stdin: strings.NewReader(strings.Join(paths, "\n") + "\n"), Stdout: &out},
		"hash-object", "-w", "--no-filters", "--stdin-paths"); err != nil {
		return "", err
	}
	hashes := strings.Fields(out.String())
	if len(hashes) != len(paths) {
		return "", fmt.Errorf("git hash-object: %d hashes for %d files", len(hashes), len(paths))
	}
	byID := map[string][]string{}
	for i, e := range entries {
		byID[e.ID] = append(byID[e.ID],
			fmt.Sprintf("100644 blob %s\tpreimage%s", hashes[2*i], suffix(e.Variant)),
			fmt.Sprintf("100644 blob %s\tpostimage%s", hashes[2*i+1], suffix(e.Variant)))
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var top []string
	for _, id := range ids {
		sub, err := mktree(ctx, repo, byID[id])
		if err != nil {
			return "", err
		}
		top = append(top, fmt.Sprintf("040000 tree %s\t%s", sub, id))
	}
	return mktree(ctx, repo, top)
}

func mktree(ctx context.Context, repo *git.Repo, lines []string) (string, error) {
	var out bytes.Buffer
	err := repo.Git.Exec(ctx, git.Exec{Stdin: strings.NewReader(strings.Join(lines, "\x00") + "\x00"), Stdout: &out}, "mktree", "-z")
	return strings.TrimSpace(out.String()), err
}
