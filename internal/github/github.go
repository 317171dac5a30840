// Package github opens and updates the pull requests that end the runbook, through GitHub's
// REST API (google/go-github): the token from the environment or gh, never printed.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v84/github"

	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/proc"
	"github.com/aro-releasekit/releasekit/internal/redact"
)

// DefaultAPIURL is github.com's API; GITHUB_API_URL names another (GitHub Actions sets it).
const DefaultAPIURL = "https://api.github.com"

// The errors callers act on.
var (
	// ErrNoToken: neither GITHUB_TOKEN, GH_TOKEN nor gh gave a token.
	ErrNoToken = errors.New("no GitHub token")
	// ErrBadCredentials: GitHub refused the token (401).
	ErrBadCredentials = errors.New("GitHub refused the token (401 Bad credentials)")
	// ErrNoBase: the pull request's base branch does not exist.
	ErrNoBase = errors.New("the base branch does not exist")
)

// Repo is owner/name on GitHub.
type Repo struct{ Owner, Name string }

func (r Repo) String() string { return r.Owner + "/" + r.Name }

var (
	scpRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]+@([^:/]+):(.+)$`) })
	partRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]+$`) })
)

// ParseRemote reads owner/name from a remote's URL: https://github.com/o/r(.git),
// git@github.com:o/r.git, ssh://git@github.com/o/r.
func ParseRemote(raw string) (Repo, error) {
	var path string
	if m := scpRE().FindStringSubmatch(raw); m != nil && !strings.Contains(raw, "://") {
		path = m[2]
	} else if u, err := url.Parse(raw); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "ssh" || u.Scheme == "git") {
		path = u.Path
	} else {
		return Repo{}, fmt.Errorf("remote URL %q names no GitHub repository: want https://github.com/OWNER/REPO.git or git@github.com:OWNER/REPO.git", redact.URL(raw))
	}
	parts := strings.Split(strings.Trim(strings.TrimSuffix(strings.Trim(path, "/"), ".git"), "/"), "/")
	if len(parts) != 2 || !partRE().MatchString(parts[0]) || !partRE().MatchString(parts[1]) {
		return Repo{}, fmt.Errorf("remote URL %q names no GitHub repository: want OWNER/REPO after the host", redact.URL(raw))
	}
	return Repo{Owner: parts[0], Name: parts[1]}, nil
}

// Token is GITHUB_TOKEN, else GH_TOKEN, else what `gh auth token` prints.
func Token(ctx context.Context) (string, error) {
	for _, v := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if t := strings.TrimSpace(os.Getenv(v)); t != "" {
			return t, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := proc.Command(ctx, "", nil, "gh", "auth", "token")
	out, err := cmd.Output()
	if t := strings.TrimSpace(string(out)); err == nil && t != "" {
		return t, nil
	}
	return "", ErrNoToken
}

// Client is GitHub's API with one token.
type Client struct {
	api   *gh.Client
	token string
	// APIURL is the API's base, for messages.
	APIURL string
}

// New is a client of the API at apiURL ("" for DefaultAPIURL), bounded by timeout.
func New(apiURL, token string, timeout time.Duration) (*Client, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("invalid GITHUB_API_URL %q: want https://host[/path], such as %s", redact.URL(apiURL), DefaultAPIURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := gh.NewClient(netutil.Client(timeout)).WithAuthToken(token)
	c.BaseURL = u
	return &Client{api: c, token: token, APIURL: strings.TrimSuffix(u.String(), "/")}, nil
}

// PR is a pull request as the targets report it.
type PR struct {
	Number  int    `json:"number"`
	URL     string `json:"url"`
	State   string `json:"state"`
	Merged  bool   `json:"merged"`
	Created bool   `json:"created"`
	Updated bool   `json:"updated"`
}

// Request is the pull request to open or update.
type Request struct {
	Base       Repo
	BaseBranch string
	// Head is the repository pushed to; HeadBranch its branch.
	Head       Repo
	HeadBranch string
	Title      string
	Body       string
}

func (r Request) head() string { return r.Head.Owner + ":" + r.HeadBranch }

// DefaultBranch is the repository's default branch.
func (c *Client) DefaultBranch(ctx context.Context, r Repo) (string, error) {
	repo, _, err := c.api.Repositories.Get(ctx, r.Owner, r.Name)
	if err != nil {
		return "", c.explain(err, "read "+r.String())
	}
	return repo.GetDefaultBranch(), nil
}

// BranchExists reports whether r has the branch.
func (c *Client) BranchExists(ctx context.Context, r Repo, branch string) (bool, error) {
	_, resp, err := c.api.Repositories.GetBranch(ctx, r.Owner, r.Name, branch, 0)
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if resp != nil && resp.StatusCode == http.StatusUnauthorized {
		return false, fmt.Errorf("read branch %s of %s at %s: %w", branch, r, redact.URL(c.APIURL), ErrBadCredentials)
	}
	if err != nil {
		return false, c.explain(err, "read branch "+branch+" of "+r.String())
	}
	return true, nil
}

// Find is the newest pull request from the request's head into its base, in any state; nil
// when there is none.
func (c *Client) Find(ctx context.Context, r Request, state string) (*PR, error) {
	prs, _, err := c.api.PullRequests.List(ctx, r.Base.Owner, r.Base.Name, &gh.PullRequestListOptions{
		State: state, Head: r.head(), Base: r.BaseBranch, ListOptions: gh.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, c.explain(err, "list pull requests of "+r.Base.String())
	}
	if len(prs) == 0 {
		return nil, nil
	}
	return pr(prs[0]), nil
}

func pr(p *gh.PullRequest) *PR {
	return &PR{Number: p.GetNumber(), URL: p.GetHTMLURL(), State: p.GetState(), Merged: p.GetMerged() || p.MergedAt != nil}
}

// Open opens the pull request, or, when one from the same head is open, sets its body.
func (c *Client) Open(ctx context.Context, r Request) (*PR, error) {
	if ok, err := c.BranchExists(ctx, r.Base, r.BaseBranch); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%s has no branch %s: %w", r.Base, r.BaseBranch, ErrNoBase)
	}
	if cur, err := c.Find(ctx, r, "open"); err != nil {
		return nil, err
	} else if cur != nil {
		return c.update(ctx, r, cur)
	}
	p, _, err := c.api.PullRequests.Create(ctx, r.Base.Owner, r.Base.Name, &gh.NewPullRequest{
		Title: &r.Title, Head: gh.Ptr(r.head()), Base: &r.BaseBranch, Body: &r.Body, MaintainerCanModify: gh.Ptr(true),
	})
	var er *gh.ErrorResponse
	switch {
	case err == nil:
		out := pr(p)
		out.Created = true
		return out, nil
	case errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnprocessableEntity:
		if exists(er) {
			// Opened between our look and our create (or not listed yet): update it.
			cur, ferr := c.Find(ctx, r, "open")
			if ferr != nil {
				return nil, ferr
			}
			if cur != nil {
				return c.update(ctx, r, cur)
			}
		}
		if invalid(er, "base") {
			return nil, fmt.Errorf("%s has no branch %s: %w", r.Base, r.BaseBranch, ErrNoBase)
		}
	}
	return nil, c.explain(err, "open a pull request on "+r.Base.String())
}

func (c *Client) update(ctx context.Context, r Request, cur *PR) (*PR, error) {
	p, _, err := c.api.PullRequests.Edit(ctx, r.Base.Owner, r.Base.Name, cur.Number, &gh.PullRequest{Body: &r.Body})
	if err != nil {
		return nil, c.explain(err, fmt.Sprintf("update pull request #%d of %s", cur.Number, r.Base))
	}
	out := pr(p)
	out.Updated = true
	return out, nil
}

func exists(er *gh.ErrorResponse) bool {
	for _, e := range er.Errors {
		if strings.HasPrefix(e.Message, "A pull request already exists") {
			return true
		}
	}
	return false
}

func invalid(er *gh.ErrorResponse, field string) bool {
	for _, e := range er.Errors {
		if e.Field == field && e.Code == "invalid" {
			return true
		}
	}
	return false
}

// explain names what failed; the token never appears in it.
func (c *Client) explain(err error, what string) error {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%s at %s: %w", what, redact.URL(c.APIURL), ErrBadCredentials)
	}
	if netutil.IsTimeout(err) {
		err = netutil.Explain(err, "GitHub API "+redact.URL(c.APIURL), 0)
	}
	return redact.Err(fmt.Errorf("%s: %w", what, err), c.token)
}
