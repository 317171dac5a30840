package carry

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/git/gittest"
	"github.com/aro-releasekit/releasekit/scripts/genhistory/history"
)

const (
	benchBase    = "upstream/release-4.14"
	benchTip     = "origin/release-4.14-azure"
	benchCompare = "upstream/release-4.15"
)

// benchHistory is the installer-sized history, generated once per test binary run.
var benchHistory struct {
	once sync.Once
	dir  string
	h    *history.History
	err  error
}

func TestMain(m *testing.M) {
	gittest.Setenv(nil) // no git maintenance process after each of the tests' commits
	code := m.Run()
	if benchHistory.dir != "" {
		os.RemoveAll(benchHistory.dir)
	}
	gittest.Done()
	os.Exit(code)
}

func benchHistoryOf(b *testing.B) *history.History {
	b.Helper()
	benchHistory.once.Do(func() {
		benchHistory.dir, benchHistory.err = os.MkdirTemp("", "carry-bench-")
		if benchHistory.err == nil {
			benchHistory.h, benchHistory.err = history.NewHistory(context.Background(), filepath.Join(benchHistory.dir, "installer"), history.HistoryOptions{})
		}
	})
	if benchHistory.err != nil {
		b.Fatal(benchHistory.err)
	}
	return benchHistory.h
}

func subjects(ps []Patch) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Subject)
	}
	return out
}

func inUpstream(ps []Patch) []string {
	var out []string
	for _, p := range ps {
		if p.Upstream {
			out = append(out, p.Subject)
		}
	}
	return out
}

// TestDiscoverOnGeneratedHistory checks discovery on the benchmark history's shape (pull
// request merges on both sides, backports on the release branch) at a size a unit test affords.
func TestDiscoverOnGeneratedHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, err := history.NewHistory(ctx, t.TempDir(), history.HistoryOptions{Commits: 400, After: 60, Files: 40})
	require.NoError(t, err)
	repo, err := git.Open(ctx, h.Dir)
	require.NoError(t, err)
	s, err := Discover(ctx, repo, Options{Base: benchBase, Tip: benchTip, Compare: benchCompare})
	require.NoError(t, err)
	assert.Equal(t, h.Carries, subjects(s.Patches))
	assert.Equal(t, h.InUpstream, inUpstream(s.Patches))
	require.NotNil(t, s.Assets())
	assert.Equal(t, history.HistoryAssets, s.Assets().Subject)

	out, err := exec.Command("git", "-C", h.Dir, "log", "--no-merges", "--reverse", "--format=%H", benchBase+".."+benchTip).Output()
	require.NoError(t, err)
	var hashes []string
	for _, p := range s.Patches {
		hashes = append(hashes, p.Hash.String())
	}
	assert.Equal(t, strings.Fields(string(out)), hashes)
}

// BenchmarkDiscover is what fork:patches does: open the repository, list the carry patches
// with their paths and kinds, and mark those already in release-4.15. "cli" is the plain git
// baseline for the same answer: git log --no-merges plus git cherry. "gogit-reads" is the same
// answer read object by object with go-git, for contrast.
func BenchmarkDiscover(b *testing.B) {
	h := benchHistoryOf(b)
	ctx := context.Background()
	b.Run("releasekit", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			repo, err := git.Open(ctx, h.Dir)
			if err != nil {
				b.Fatal(err)
			}
			s, err := Discover(ctx, repo, Options{Base: benchBase, Tip: benchTip, Compare: benchCompare})
			repo.Close()
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				checkSeries(b, h, subjects(s.Patches), inUpstream(s.Patches))
			}
		}
	})
	b.Run("releasekit-nocompare", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			repo, err := git.Open(ctx, h.Dir)
			if err != nil {
				b.Fatal(err)
			}
			s, err := Discover(ctx, repo, Options{Base: benchBase, Tip: benchTip})
			repo.Close()
			if err != nil {
				b.Fatal(err)
			}
			if len(s.Patches) != len(h.Carries) {
				b.Fatalf("%d patches, want %d", len(s.Patches), len(h.Carries))
			}
		}
	})
	// What Discover did before it asked one git log: go-git's walk, a tree diff per patch and
	// git cherry, on a freshly opened repository.
	b.Run("gogit-reads", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			repo, err := git.Open(ctx, h.Dir)
			if err != nil {
				b.Fatal(err)
			}
			cs, err := repo.Log(ctx, benchBase, benchTip)
			if err != nil {
				b.Fatal(err)
			}
			in, err := repo.Cherry(ctx, benchCompare, benchTip, benchBase)
			if err != nil {
				b.Fatal(err)
			}
			var ps []Patch
			for _, c := range cs {
				paths, err := repo.CommitPaths(ctx, c)
				if err != nil {
					b.Fatal(err)
				}
				ps = append(ps, Patch{Commit: c, Kind: Classify(c.Subject, paths), Paths: paths, Upstream: in[c.Hash]})
			}
			repo.Close()
			if i == 0 {
				checkSeries(b, h, subjects(ps), inUpstream(ps))
			}
		}
	})
	b.Run("cli", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			log := gitOutput(b, h.Dir, "log", "--no-merges", "--reverse", "--format=%s", benchBase+".."+benchTip)
			cherry := gitOutput(b, h.Dir, "cherry", "-v", benchCompare, benchTip, benchBase)
			if i == 0 {
				var in []string
				for _, l := range strings.Split(strings.TrimSpace(cherry), "\n") {
					if rest, ok := strings.CutPrefix(l, "- "); ok {
						_, s, _ := strings.Cut(rest, " ")
						in = append(in, s)
					}
				}
				checkSeries(b, h, strings.Split(strings.TrimSpace(log), "\n"), in)
			}
		}
	})
}

// BenchmarkLog compares ways to list the carry commits alone (no paths, no patch-ids):
// the two-sided walk behind Repo.Log, the naive go-git walk that first collects every
// ancestor of the base, and git log.
func BenchmarkLog(b *testing.B) {
	h := benchHistoryOf(b)
	ctx := context.Background()
	repo, err := git.Open(ctx, h.Dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("walk", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			cs, err := repo.Log(ctx, benchBase, benchTip)
			if err != nil {
				b.Fatal(err)
			}
			if len(cs) != len(h.Carries) {
				b.Fatalf("%d commits, want %d", len(cs), len(h.Carries))
			}
		}
	})
	b.Run("naive", func(b *testing.B) {
		gg, err := gogit.PlainOpen(h.Dir)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			cs, err := naiveLog(gg, benchBase, benchTip)
			if err != nil {
				b.Fatal(err)
			}
			if len(cs) != len(h.Carries) {
				b.Fatalf("%d commits, want %d", len(cs), len(h.Carries))
			}
		}
	})
	b.Run("cli", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			out := gitOutput(b, h.Dir, "log", "--no-merges", "--format=%H", benchBase+".."+benchTip)
			if n := len(strings.Fields(out)); n != len(h.Carries) {
				b.Fatalf("%d commits, want %d", n, len(h.Carries))
			}
		}
	})
}

// naiveLog is the obvious go-git answer to base..tip: mark every ancestor of base, then walk
// tip until it reaches them.
func naiveLog(gg *gogit.Repository, base, tip string) ([]*object.Commit, error) {
	resolve := func(rev string) (plumbing.Hash, error) {
		h, err := gg.ResolveRevision(plumbing.Revision(rev))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return *h, nil
	}
	bh, err := resolve(base)
	if err != nil {
		return nil, err
	}
	th, err := resolve(tip)
	if err != nil {
		return nil, err
	}
	inBase := map[plumbing.Hash]bool{}
	it, err := gg.Log(&gogit.LogOptions{From: bh})
	if err != nil {
		return nil, err
	}
	if err := it.ForEach(func(c *object.Commit) error { inBase[c.Hash] = true; return nil }); err != nil {
		return nil, err
	}
	tc, err := gg.CommitObject(th)
	if err != nil {
		return nil, err
	}
	var out []*object.Commit
	seen := map[plumbing.Hash]bool{}
	err = object.NewCommitPreorderIter(tc, inBase, nil).ForEach(func(c *object.Commit) error {
		if !seen[c.Hash] && c.NumParents() < 2 {
			out = append(out, c)
		}
		seen[c.Hash] = true
		return nil
	})
	return out, err
}

func checkSeries(b *testing.B, h *history.History, got, gotIn []string) {
	b.Helper()
	if fmt.Sprint(got) != fmt.Sprint(h.Carries) {
		b.Fatalf("carries:\n%q\nwant\n%q", got, h.Carries)
	}
	if fmt.Sprint(gotIn) != fmt.Sprint(h.InUpstream) {
		b.Fatalf("already upstream: %q, want %q", gotIn, h.InUpstream)
	}
}

func gitOutput(b *testing.B, dir string, args ...string) string {
	b.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("git %v: %v: %s", args, err, stderr.String())
	}
	return string(out)
}
