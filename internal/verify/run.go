package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Options configure Run: fork:verify.
type Options struct {
	// Dir is inside the repository.
	Dir     string
	Release release.Minor
	// Remotes name the fork's and upstream's remotes (origin, upstream when empty).
	Remotes release.Remotes
	Command string
	Jobs    int
	// Commit, when set, verifies that one commit of the series (a CI job).
	Commit   string
	Reverify bool
	// Matrix lists what still needs a verify and runs nothing.
	Matrix bool
	// Env, Host, Now: see Pool.
	Env  []string
	Host string
	Now  func() time.Time
	// Warn receives warnings (ignored notes); Progress each row as it is done; Note lines for the
	// log: what the set-up and teardown of the worktrees do, how much disk the pool holds, why
	// reads go through the git CLI. Any may be nil.
	Warn     func(string)
	Progress func(Row)
	Note     func(string)
}

// Validate fills defaults and refuses what cannot run.
func (o *Options) Validate() error {
	o.Remotes = o.Remotes.OrDefault()
	if o.Release == (release.Minor{}) {
		return errors.New("verify: release is required")
	}
	if strings.TrimSpace(o.Command) == "" {
		return cli.Usage(errors.New("no verify command: it is empty"),
			`give one with -verify='./hack/build.sh && ./hack/go-test.sh' or RELEASEKIT_VERIFY`)
	}
	if o.Jobs < 0 {
		return cli.Usage(fmt.Errorf("%w, not %d", ErrJobs, o.Jobs))
	}
	if o.Jobs == 0 {
		o.Jobs = 1
	}
	return nil
}

// Row is one commit of the series and its verify.
type Row struct {
	N       int    `json:"n"`
	Commit  string `json:"commit"`
	Subject string `json:"subject"`
	Tree    string `json:"tree"`
	// Result is pass, fail or cached; empty in a matrix (not run).
	Result  string  `json:"result,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	// Host and Time say where and when a cached pass was recorded.
	Host string    `json:"host,omitempty"`
	Time time.Time `json:"time,omitzero"`
	Log  string    `json:"log,omitempty"`
	Tail string    `json:"tail,omitempty"`
}

// Cached is the result of a pass found in the notes.
const Cached = "cached"

// Result is what fork:verify found.
type Result struct {
	Branch  string `json:"branch"`
	Base    string `json:"base"`
	Command string `json:"command"`
	Total   int    `json:"total"`
	Rows    []Row  `json:"rows"`
	// Failed counts the rows that failed.
	Failed int `json:"failed"`
}

// Matrix is a GitHub Actions matrix of the rows still to verify.
func (r Result) Matrix() map[string]any {
	type entry struct {
		N       int    `json:"n"`
		Commit  string `json:"commit"`
		Subject string `json:"subject"`
	}
	include := []entry{}
	for _, row := range r.Rows {
		include = append(include, entry{row.N, row.Commit, row.Subject})
	}
	return map[string]any{"include": include}
}

// FailedError is a series with at least one failing commit; First is the earliest.
type FailedError struct {
	First  Row
	Failed int
	Total  int
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("verify failed on %d of %d commits; the first is %d/%d %.7s... %s", e.Failed, e.Total, e.First.N, e.Total, e.First.Commit, e.First.Subject)
}

// Run verifies the commits of release-X.Y-azure over upstream/release-X.Y: the local branch
// when there is one, else the fork remote's. A recorded pass is reported as cached.
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	repo, err := git.Open(ctx, o.Dir)
	if err != nil {
		return Result{}, err
	}
	defer repo.Close()
	if o.Note != nil {
		repo.OnCLIReads(func(why string) { o.Note("note: reading through the git CLI (" + why + ")") })
	}
	res := Result{Command: o.Command, Base: o.Remotes.UpstreamBranch(o.Release)}
	res.Branch = o.Release.ForkBranch()
	if !repo.Exists(ctx, "refs/heads/"+res.Branch) {
		res.Branch = o.Remotes.ForkBranch(o.Release)
	}
	for _, ref := range []string{res.Base, res.Branch} {
		if !repo.Exists(ctx, ref) {
			remote, _, _ := strings.Cut(ref, "/")
			return res, cli.Fail(fmt.Errorf("%s does not exist", ref),
				fmt.Sprintf("fetch it: git fetch %s", remote))
		}
	}
	rows, err := series(ctx, repo, res.Base, res.Branch)
	if err != nil {
		return res, err
	}
	res.Total = len(rows)
	if o.Commit != "" {
		h, err := repo.Resolve(ctx, o.Commit)
		if err != nil {
			return res, cli.Usage(fmt.Errorf("-commit=%s: %w", o.Commit, err))
		}
		i := indexOf(rows, h.String())
		if i < 0 {
			return res, cli.Usage(fmt.Errorf("-commit=%s (%.7s) is not a commit of %s over %s", o.Commit, h, res.Branch, res.Base),
				"list them with "+cli.Cmd("fork:verify", o.Release.String(), "-matrix"))
		}
		rows = rows[i : i+1]
	}
	sd, err := repo.StateDir(ctx)
	if err != nil {
		return res, err
	}
	pool := &Pool{Repo: repo, Command: o.Command, Jobs: o.Jobs, Reverify: o.Reverify, LogDir: sd.VerifyLogs(),
		Env: o.Env, Host: o.Host, Now: o.Now, Warn: o.Warn, Keep: true, Note: o.Note}
	if o.Matrix {
		for _, row := range rows {
			if _, ok, err := pool.Lookup(ctx, row.Tree); err != nil {
				return res, err
			} else if !ok {
				res.Rows = append(res.Rows, row)
			}
		}
		return res, nil
	}
	if err := Prune(ctx, repo); err != nil {
		return res, err
	}
	defer pool.Close(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var runErr error
	for i := range rows {
		wg.Go(func() {
			row := &rows[i]
			o2 := pool.Verify(ctx, Job{Commit: plumbing.NewHash(row.Commit), Tree: row.Tree, Name: fmt.Sprintf("%02d-%.7s", row.N, row.Commit)})
			mu.Lock()
			defer mu.Unlock()
			if o2.Err != nil {
				if runErr == nil || errors.Is(runErr, context.Canceled) {
					runErr = o2.Err
				}
				return
			}
			row.Result, row.Seconds, row.Log = o2.Record.Result, o2.Record.Seconds, o2.Log
			if o2.Cached {
				row.Result, row.Host, row.Time = Cached, o2.Record.Host, o2.Record.Time
			}
			if row.Result == Fail {
				row.Tail = o2.Record.Tail
			}
			if o.Progress != nil {
				o.Progress(*row)
			}
		})
	}
	wg.Wait()
	res.Rows = rows
	if runErr != nil {
		return res, runErr
	}
	for _, row := range rows {
		if row.Result == Fail {
			res.Failed++
		}
	}
	for _, row := range rows {
		if row.Result == Fail {
			return res, cli.Fail(&FailedError{First: row, Failed: res.Failed, Total: res.Total}, "full log: "+row.Log)
		}
	}
	return res, nil
}

// series lists the commits of base..tip, merges left out, oldest first, with their trees. A
// commit's subject is its first line, as everywhere else (git's %s would join the first
// paragraph's lines).
func series(ctx context.Context, repo *git.Repo, base, tip string) ([]Row, error) {
	out, err := repo.Git.Run(ctx, "log", "--reverse", "--topo-order", "--no-merges", "--format=%H%x1f%T%x1f%B%x1e", base+".."+tip, "--")
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, rec := range strings.Split(out, "\x1e") {
		f := strings.SplitN(strings.TrimLeft(rec, "\n"), "\x1f", 3)
		if len(f) != 3 {
			continue
		}
		subject, _, _ := strings.Cut(strings.TrimLeft(f[2], "\n"), "\n")
		rows = append(rows, Row{N: len(rows) + 1, Commit: f[0], Tree: f[1], Subject: strings.TrimSpace(subject)})
	}
	return rows, nil
}

func indexOf(rows []Row, commit string) int {
	for i, r := range rows {
		if r.Commit == commit {
			return i
		}
	}
	return -1
}
