// Package pr ends a runbook step in a pull request: it pushes a branch to the user's fork, never
// forcing except over its own earlier push, and opens the pull request or updates its body.
package pr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/github"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

// DefaultPushRemote is the remote of the user's own fork, where branches are pushed.
const DefaultPushRemote = "fork"

// Options say which branch goes where.
type Options struct {
	Dir string
	// BaseRemote is the remote of the repository the pull request is opened on (origin).
	BaseRemote string
	// PushRemote is the user's fork; default DefaultPushRemote.
	PushRemote string
	// Branch is the local branch, pushed under the same name.
	Branch string
	// BaseBranch is the pull request's base; "" for the base repository's default branch.
	BaseBranch  string
	Title, Body string
	// APIURL is GitHub's API; "" for github.DefaultAPIURL.
	APIURL string
	// Token authenticates; "" to read it from the environment or gh.
	Token   string
	Timeout time.Duration
	// AdminRequest is what to ask a repository admin when the base branch is missing.
	AdminRequest string
}

// Result is the pushed branch and its pull request.
type Result struct {
	Base       string     `json:"base"`
	BaseBranch string     `json:"baseBranch"`
	Head       string     `json:"head"`
	Branch     string     `json:"branch"`
	Commit     string     `json:"commit"`
	PR         *github.PR `json:"pr"`
}

// NoBaseError is a base branch that does not exist yet: a repository admin creates it.
type NoBaseError struct {
	Repo, Branch string
	Request      string
}

func (e *NoBaseError) Error() string {
	return fmt.Sprintf("%s has no branch %s yet: a repository admin must create it before the pull request can be opened", e.Repo, e.Branch)
}

// Open pushes o.Branch to the fork and opens (or updates) its pull request.
func Open(ctx context.Context, o Options) (Result, error) {
	if o.PushRemote == "" {
		o.PushRemote = DefaultPushRemote
	}
	repo, err := git.Open(ctx, o.Dir)
	if err != nil {
		return Result{}, cli.Fail(err)
	}
	defer repo.Close()
	base, err := remoteRepo(ctx, repo, o.BaseRemote, "the repository the pull request goes to")
	if err != nil {
		return Result{}, err
	}
	head, err := remoteRepo(ctx, repo, o.PushRemote, "your fork")
	if err != nil {
		return Result{}, err
	}
	sha, err := repo.Resolve(ctx, "refs/heads/"+o.Branch)
	if err != nil {
		return Result{}, cli.Fail(fmt.Errorf("no local branch %s: %w", o.Branch, err))
	}
	token := o.Token
	if token == "" {
		if token, err = github.Token(ctx); err != nil {
			return Result{}, cli.Fail(err, "set GITHUB_TOKEN (or GH_TOKEN) to a token that may open pull requests, or log in with gh auth login")
		}
	}
	client, err := github.New(o.APIURL, token, o.Timeout)
	if err != nil {
		return Result{}, cli.Usage(err)
	}
	res := Result{Base: base.String(), Head: head.String(), Branch: o.Branch, Commit: sha.String()}
	if o.BaseBranch == "" {
		if o.BaseBranch, err = client.DefaultBranch(ctx, base); err != nil {
			return Result{}, ghFail(err)
		}
	}
	res.BaseBranch = o.BaseBranch
	ok, err := client.BranchExists(ctx, base, o.BaseBranch)
	if err != nil {
		return Result{}, ghFail(err)
	}
	if !ok {
		return Result{}, &NoBaseError{Repo: base.String(), Branch: o.BaseBranch, Request: o.AdminRequest}
	}
	if err := push(ctx, repo, o.PushRemote, o.Branch, sha.String()); err != nil {
		return Result{}, err
	}
	p, err := client.Open(ctx, github.Request{Base: base, BaseBranch: o.BaseBranch, Head: head, HeadBranch: o.Branch, Title: o.Title, Body: o.Body})
	if errors.Is(err, github.ErrNoBase) {
		return Result{}, &NoBaseError{Repo: base.String(), Branch: o.BaseBranch, Request: o.AdminRequest}
	}
	if err != nil {
		return Result{}, ghFail(err)
	}
	res.PR = p
	return res, nil
}

func ghFail(err error) error {
	if errors.Is(err, github.ErrBadCredentials) {
		return cli.Fail(err, "GITHUB_TOKEN, GH_TOKEN or gh's login holds a token GitHub does not accept: renew it (gh auth refresh), or set GITHUB_API_URL for GitHub Enterprise")
	}
	return cli.Fail(err)
}

func remoteRepo(ctx context.Context, repo *git.Repo, remote, what string) (github.Repo, error) {
	// The URL as configured: the owner and name are in it, not in what url.insteadOf makes of it.
	u, err := repo.Git.Run(ctx, "config", "--get", "remote."+remote+".url")
	if git.ExitCode(err) == 1 {
		u, err = "", nil
	}
	if err != nil {
		return github.Repo{}, cli.Fail(err)
	}
	if u == "" {
		return github.Repo{}, cli.Usage(fmt.Errorf("no remote %q (%s)", remote, what),
			fmt.Sprintf("add it: git remote add %s https://github.com/OWNER/REPO.git", remote))
	}
	r, err := github.ParseRemote(u)
	if err != nil {
		return github.Repo{}, cli.Usage(fmt.Errorf("remote %s: %w", remote, err))
	}
	return r, nil
}

// pushes records, per remote and branch, the commit this tool last pushed: the only one it
// may push over.
type pushes map[string]string

func pushesPath(ctx context.Context, repo *git.Repo) (string, error) {
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return "", err
	}
	return sd.PRPushes(), nil
}

func push(ctx context.Context, repo *git.Repo, remote, branch, sha string) error {
	path, err := pushesPath(ctx, repo)
	if err != nil {
		return cli.Fail(err)
	}
	rec := pushes{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &rec); err != nil {
			return cli.Fail(fmt.Errorf("%s is damaged: %w", path, err), "remove it; the next push then forces nothing")
		}
	}
	key := remote + " " + branch
	args := []string{"push"}
	if last := rec[key]; last != "" {
		// Over our own earlier push only: if anyone else pushed since, git refuses.
		args = append(args, "--force-with-lease=refs/heads/"+branch+":"+last)
	}
	args = append(args, "--", remote, sha+":refs/heads/"+branch)
	if _, err := repo.Git.Run(ctx, args...); err != nil {
		msg := redact.Text(err.Error())
		if strings.Contains(msg, "rejected") || strings.Contains(msg, "stale info") || strings.Contains(msg, "non-fast-forward") {
			return cli.Fail(fmt.Errorf("%s's %s has commits that this push would drop; it is not releasekit's own earlier push, so it is left alone", remote, branch),
				fmt.Sprintf("look at them: git fetch %s %s && git log %s/%s", remote, branch, remote, branch),
				"push them into your branch, or push yourself once you know they may go")
		}
		return cli.Fail(err)
	}
	rec[key] = sha
	b, _ := jsonstrict.MarshalIndent(rec)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return cli.Fail(err)
	}
	return fsutil.WriteFile(path, b, 0o644)
}

// Commit commits files on branch for a -pr: it creates branch at HEAD (switching to it, the
// edits carried along) unless it is the current branch, then commits only files. It reports
// whether there was anything to commit.
func Commit(ctx context.Context, dir, branch, message string, files ...string) (bool, error) {
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return false, cli.Fail(err)
	}
	defer repo.Close()
	cur, err := repo.CurrentBranch(ctx)
	if err != nil {
		return false, cli.Fail(err)
	}
	if cur != branch {
		if repo.Exists(ctx, "refs/heads/"+branch) {
			return false, cli.Fail(fmt.Errorf("branch %s exists already (from an earlier -pr?) and is not checked out", branch),
				fmt.Sprintf("git switch %s, then run the target again with -pr", branch))
		}
		if _, err := repo.Git.Run(ctx, "switch", "-c", branch); err != nil {
			return false, cli.Fail(err)
		}
	}
	if _, err := repo.Git.Run(ctx, append([]string{"add", "--"}, files...)...); err != nil {
		return false, cli.Fail(err)
	}
	out, err := repo.Git.Run(ctx, append([]string{"diff", "--cached", "--name-only", "--"}, files...)...)
	if err != nil {
		return false, cli.Fail(err)
	}
	if strings.TrimSpace(out) == "" {
		return false, nil
	}
	if _, err := repo.Git.Run(ctx, append([]string{"commit", "-q", "-m", message, "--"}, files...)...); err != nil {
		return false, cli.Fail(err)
	}
	return true, nil
}

// Find is the newest pull request, open or closed, from branch of the fork at pushRemote into
// baseBranch (the default branch when "") of the repository at baseRemote.
func Find(ctx context.Context, c *github.Client, dir, baseRemote, pushRemote, branch, baseBranch string) (*github.PR, error) {
	if pushRemote == "" {
		pushRemote = DefaultPushRemote
	}
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	base, err := remoteRepo(ctx, repo, baseRemote, "the repository the pull request goes to")
	if err != nil {
		return nil, err
	}
	head, err := remoteRepo(ctx, repo, pushRemote, "your fork")
	if err != nil {
		return nil, err
	}
	if baseBranch == "" {
		if baseBranch, err = c.DefaultBranch(ctx, base); err != nil {
			return nil, err
		}
	}
	return c.Find(ctx, github.Request{Base: base, BaseBranch: baseBranch, Head: head, HeadBranch: branch}, "all")
}

// bodies records, per branch, the body of the run that committed the branch's tip.
type bodies map[string]bodyRecord

type bodyRecord struct {
	Commit string `json:"commit"`
	Body   string `json:"body"`
}

// Body is the pull request body for branch after a -pr run that committed (committed) or not:
// the run that commits the change knows what it changed, so its body is kept with the commit;
// a later run that commits nothing (a re-run, or one after a failed push or pull request)
// proposes that same commit, and gets that body back rather than a report of doing nothing.
// When the branch's tip is not the commit recorded (amended, or committed by hand), this run's
// body is used.
func Body(ctx context.Context, dir, branch, body string, committed bool) (string, error) {
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return "", cli.Fail(err)
	}
	defer repo.Close()
	tip, err := repo.Resolve(ctx, "refs/heads/"+branch)
	if err != nil {
		return body, nil
	}
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return "", cli.Fail(err)
	}
	path := sd.Report("pr-bodies.json")
	rec := bodies{}
	if b, err := os.ReadFile(path); err == nil {
		// A damaged record only loses the saved bodies: it is rewritten below.
		_ = json.Unmarshal(b, &rec)
	}
	if !committed {
		if r, ok := rec[branch]; ok && r.Commit == tip.String() {
			return r.Body, nil
		}
		return body, nil
	}
	rec[branch] = bodyRecord{Commit: tip.String(), Body: body}
	b, _ := jsonstrict.MarshalIndent(rec)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", cli.Fail(err)
	}
	if err := fsutil.WriteFile(path, b, 0o644); err != nil {
		return "", cli.Fail(err)
	}
	return body, nil
}
