package example

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// GitHub answers the part of GitHub's REST API that pull requests need, in its wire format:
// repositories and their default branch, branches (read from local bare repositories, so a
// push shows), and pull requests (list, create, edit), with GitHub's errors: 401 "Bad
// credentials", 404 "Not Found", 422 "Validation Failed" for a pull request that already exists
// or a base or head branch that does not.
type GitHub struct {
	// Token is the one token it accepts.
	Token string

	mu    sync.Mutex
	repos map[string]*ghRepo
	pulls []*ghPull
}

type ghRepo struct {
	owner, name, defaultBranch, gitDir string
}

type ghPull struct {
	Number   int        `json:"number"`
	HTMLURL  string     `json:"html_url"`
	State    string     `json:"state"`
	Title    string     `json:"title"`
	Body     string     `json:"body"`
	Head     ghRef      `json:"head"`
	Base     ghRef      `json:"base"`
	Merged   bool       `json:"merged"`
	MergedAt *time.Time `json:"merged_at"`
	repo     string
}

type ghRef struct {
	Label string `json:"label"`
	Ref   string `json:"ref"`
}

// NewGitHub is a GitHub that accepts token.
func NewGitHub(token string) *GitHub {
	return &GitHub{Token: token, repos: map[string]*ghRepo{}}
}

// AddRepo makes owner/name a repository whose branches are those of the bare repository at
// gitDir.
func (g *GitHub) AddRepo(fullName, defaultBranch, gitDir string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	owner, name, _ := strings.Cut(fullName, "/")
	g.repos[fullName] = &ghRepo{owner: owner, name: name, defaultBranch: defaultBranch, gitDir: gitDir}
}

// Merge marks pull request n of repo merged.
func (g *GitHub) Merge(repo string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.pulls {
		if p.repo == repo && p.Number == n {
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			p.State, p.Merged, p.MergedAt = "closed", true, &now
		}
	}
}

// Pulls lists repo's pull requests as number, state, head label and body.
func (g *GitHub) Pulls(repo string) []map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []map[string]string
	for _, p := range g.pulls {
		if p.repo == repo {
			out = append(out, map[string]string{"number": strconv.Itoa(p.Number), "state": p.State, "head": p.Head.Label, "base": p.Base.Ref, "body": p.Body, "title": p.Title})
		}
	}
	return out
}

// Start serves g on a free loopback port and returns its URL and a stop function.
func (g *GitHub) Start() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("example github: %w", err)
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 30 * time.Second, ErrorLog: nopLogger}
	go srv.Serve(ln) // returns when stopped
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// ServeHTTP answers one API request.
func (g *GitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+g.Token || g.Token == "" {
		ghError(w, http.StatusUnauthorized, "Bad credentials", nil)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}", g.getRepo)
	mux.HandleFunc("GET /repos/{owner}/{repo}/branches/{branch...}", g.getBranch)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls", g.listPulls)
	mux.HandleFunc("POST /repos/{owner}/{repo}/pulls", g.createPull)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/pulls/{number}", g.editPull)
	mux.ServeHTTP(w, r)
}

func (g *GitHub) repo(w http.ResponseWriter, r *http.Request) *ghRepo {
	rp := g.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	if rp == nil {
		ghError(w, http.StatusNotFound, "Not Found", nil)
	}
	return rp
}

func (rp *ghRepo) branch(name string) (string, bool) {
	repo, err := gogit.PlainOpen(rp.gitDir)
	if err != nil {
		return "", false
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(name), true)
	if err != nil {
		return "", false
	}
	return ref.Hash().String(), true
}

func (g *GitHub) getRepo(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rp := g.repo(w, r)
	if rp == nil {
		return
	}
	ghJSON(w, http.StatusOK, map[string]any{"name": rp.name, "full_name": rp.owner + "/" + rp.name,
		"owner": map[string]string{"login": rp.owner}, "default_branch": rp.defaultBranch})
}

func (g *GitHub) getBranch(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rp := g.repo(w, r)
	if rp == nil {
		return
	}
	sha, ok := rp.branch(r.PathValue("branch"))
	if !ok {
		ghError(w, http.StatusNotFound, "Branch not found", nil)
		return
	}
	ghJSON(w, http.StatusOK, map[string]any{"name": r.PathValue("branch"), "commit": map[string]string{"sha": sha}})
}

func (g *GitHub) listPulls(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rp := g.repo(w, r)
	if rp == nil {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	out := []*ghPull{}
	for i := len(g.pulls) - 1; i >= 0; i-- {
		p := g.pulls[i]
		if p.repo != rp.owner+"/"+rp.name || (state != "all" && p.State != state) ||
			(q.Get("head") != "" && p.Head.Label != q.Get("head")) || (q.Get("base") != "" && p.Base.Ref != q.Get("base")) {
			continue
		}
		out = append(out, p)
	}
	ghJSON(w, http.StatusOK, out)
}

func (g *GitHub) createPull(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rp := g.repo(w, r)
	if rp == nil {
		return
	}
	var in struct{ Title, Head, Base, Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		ghError(w, http.StatusBadRequest, "Problems parsing JSON", nil)
		return
	}
	invalid := func(field string) {
		ghError(w, http.StatusUnprocessableEntity, "Validation Failed", []map[string]string{{"resource": "PullRequest", "field": field, "code": "invalid"}})
	}
	if _, ok := rp.branch(in.Base); !ok {
		invalid("base")
		return
	}
	owner, branch, ok := strings.Cut(in.Head, ":")
	head := g.repos[owner+"/"+rp.name]
	if !ok || head == nil {
		invalid("head")
		return
	}
	if _, ok := head.branch(branch); !ok {
		invalid("head")
		return
	}
	for _, p := range g.pulls {
		if p.repo == rp.owner+"/"+rp.name && p.State == "open" && p.Head.Label == in.Head && p.Base.Ref == in.Base {
			ghError(w, http.StatusUnprocessableEntity, "Validation Failed", []map[string]string{{"resource": "PullRequest", "code": "custom",
				"message": "A pull request already exists for " + in.Head + "."}})
			return
		}
	}
	n := len(g.pulls) + 1
	p := &ghPull{Number: n, HTMLURL: fmt.Sprintf("https://github.com/%s/%s/pull/%d", rp.owner, rp.name, n), State: "open",
		Title: in.Title, Body: in.Body, Head: ghRef{Label: in.Head, Ref: branch}, Base: ghRef{Label: rp.owner + ":" + in.Base, Ref: in.Base}, repo: rp.owner + "/" + rp.name}
	g.pulls = append(g.pulls, p)
	ghJSON(w, http.StatusCreated, p)
}

func (g *GitHub) editPull(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rp := g.repo(w, r)
	if rp == nil {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var in struct {
		Title, Body *string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		ghError(w, http.StatusBadRequest, "Problems parsing JSON", nil)
		return
	}
	for _, p := range g.pulls {
		if p.repo == rp.owner+"/"+rp.name && p.Number == n {
			if in.Body != nil {
				p.Body = *in.Body
			}
			if in.Title != nil {
				p.Title = *in.Title
			}
			ghJSON(w, http.StatusOK, p)
			return
		}
	}
	ghError(w, http.StatusNotFound, "Not Found", nil)
}

func ghJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func ghError(w http.ResponseWriter, status int, msg string, errs []map[string]string) {
	body := map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)}
	if errs != nil {
		body["errors"] = errs
	}
	ghJSON(w, status, body)
}
