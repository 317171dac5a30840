package git_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/scripts/genhistory/history"
)

// diffEnv runs a differential test in parallel with the others: each has repositories of its
// own, and git's identity and config are TestMain's.
func diffEnv(t *testing.T) {
	t.Parallel()
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// labelRE is the label after a conflict marker: "HEAD" and "abc1234 (subject)" for git
// cherry-pick, the commits' names for git merge-tree. Nothing else differs.
var labelRE = regexp.MustCompile(`(?m)^(<{7,}|>{7,}|\|{7,}) .*$`)

func unlabel(s string) string { return labelRE.ReplaceAllString(s, "$1") }

// pickStep is what one pick gave.
type pickStep struct {
	Tree      string   // the result tree (clean picks)
	Empty     bool     // nothing to commit
	Conflicts []string // unmerged paths
	Stages    string   // ls-files -u, for the conflicted paths
	Files     map[string]string
	RerereIDs map[string]string // path -> id (worktree: from MERGE_RR)
	Rerere    []string          // paths rerere resolved (worktree only)
}

// differential replays patches onto onto twice, step by step on the same HEAD: git cherry-pick
// in a worktree (rerere on, as the canary and the sequence pick) and PickTree in memory; each
// step's trees, conflicts, stages, conflicted files and rerere ids must be the same. A rerere
// resolution makes the worktree pick resolved: the memory pick must then report a conflict
// whose rerere id is a recorded resolution. It returns the worktree steps.
func differential(t *testing.T, dir string, onto string, patches []string) []pickStep {
	t.Helper()
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	require.NoError(t, err)
	base, err := repo.Worktrees(ctx)
	require.NoError(t, err)
	wtPath := filepath.Join(base, "diff-test")
	ontoHash, err := repo.Resolve(ctx, onto)
	require.NoError(t, err)
	require.NoError(t, repo.AddWorktree(ctx, wtPath, ontoHash))
	t.Cleanup(func() { repo.RemoveWorktree(context.Background(), wtPath) })
	// Numbered after TestMain's configuration, which stays in effect.
	rerereEnv := git.ConfigEnv(nil, "rerere.enabled", "true", "rerere.autoUpdate", "true")
	wt := &git.Repo{Dir: wtPath, Git: git.Runner{Dir: wtPath, Env: rerereEnv}}
	rrCache := filepath.Join(gitOut(t, dir, "rev-parse", "--path-format=absolute", "--git-common-dir"), "rr-cache")
	mergeRR := gitOut(t, wtPath, "rev-parse", "--path-format=absolute", "--git-path", "MERGE_RR")
	var steps []pickStep
	// head is the worktree's HEAD: it moves only when a pick commits, and is read again then,
	// with the commit's tree, in the same git rev-parse.
	head := ontoHash.String()
	committed := func() string {
		out := strings.Fields(gitOut(t, wtPath, "rev-parse", "HEAD", "HEAD^{tree}"))
		require.Len(t, out, 2)
		head = out[0]
		return out[1]
	}
	for _, p := range patches {
		h := plumbing.NewHash(p)
		mem, err := repo.PickOnto(ctx, h, head)
		require.NoError(t, err, "pick %s in memory", p)
		o, err := wt.CherryPick(ctx, h)
		require.NoError(t, err, "cherry-pick %s", p)
		var w pickStep
		switch {
		case o.Committed:
			w.Tree = committed()
			assert.True(t, mem.Clean() && !mem.Empty(), "%.7s: git cherry-pick committed, in memory: %+v", p, mem)
			assert.Equal(t, w.Tree, mem.Tree, "%.7s: the result trees differ", p)
		case len(o.Conflicts) > 0 || len(o.Rerere) > 0:
			w.Conflicts, w.Rerere = o.Conflicts, o.Rerere
			w.Stages = gitOut(t, wtPath, "ls-files", "-u")
			w.Files = map[string]string{}
			for _, f := range append(slices.Clone(o.Conflicts), o.Rerere...) {
				full := filepath.Join(wtPath, f)
				if fi, err := os.Lstat(full); err == nil && fi.Mode()&os.ModeSymlink != 0 {
					target, err := os.Readlink(full)
					require.NoError(t, err)
					w.Files[f] = target
				} else if data, err := os.ReadFile(full); err == nil {
					w.Files[f] = string(data)
				}
			}
			w.RerereIDs = map[string]string{}
			if rr, err := os.ReadFile(mergeRR); err == nil {
				for _, e := range strings.Split(string(rr), "\x00") {
					if id, path, ok := strings.Cut(e, "\t"); ok {
						w.RerereIDs[path] = strings.SplitN(id, ".", 2)[0]
					}
				}
			}
			require.False(t, mem.Clean(), "%.7s: git cherry-pick conflicted in %v, in memory it is clean", p, o.Conflicts)
			all := slices.Sorted(slices.Values(append(slices.Clone(o.Conflicts), o.Rerere...)))
			assert.Equal(t, all, mem.Paths(), "%.7s: conflicted paths", p)
			if len(o.Rerere) == 0 {
				var stages []string
				for _, c := range mem.Conflicts {
					for s := 1; s <= 3; s++ {
						if e := c.Stages[s]; e.Hash != "" {
							stages = append(stages, fmt.Sprintf("%s %s %d\t%s", e.Mode, e.Hash, s, c.Path))
						}
					}
				}
				assert.Equal(t, w.Stages, strings.Join(stages, "\n"), "%.7s: index stages", p)
				for f, data := range w.Files {
					blob, err := repo.ReadBlob(ctx, mem.Tree, f)
					require.NoError(t, err)
					assert.Equal(t, unlabel(data), unlabel(string(blob)), "%.7s: %s as the conflict leaves it", p, f)
				}
			}
			ids, err := repo.RerereIDs(ctx, mem)
			require.NoError(t, err)
			for path, id := range w.RerereIDs {
				assert.Equal(t, id, ids[path], "%.7s: rerere id of %s", p, path)
			}
			for _, f := range o.Rerere {
				id := ids[f]
				require.NotEmpty(t, id, "%.7s: rerere resolved %s, in memory it has no rerere id", p, f)
				assert.FileExists(t, filepath.Join(rrCache, id, "postimage"), "%.7s: rerere resolved %s, its id %s is not a recorded resolution", p, f, id)
			}
			if len(o.Conflicts) == 0 {
				require.NoError(t, wt.CommitAs(ctx, h))
				w.Tree = committed()
				break
			}
			gitOut(t, wtPath, "rerere", "clear")
			gitOut(t, wtPath, "reset", "-q", "--hard", "HEAD")
		case o.Empty:
			w.Empty = true
			assert.True(t, mem.Empty(), "%.7s: git cherry-pick is empty, in memory: %+v", p, mem)
			gitOut(t, wtPath, "reset", "-q", "--hard", "HEAD")
		}
		steps = append(steps, w)
	}
	return steps
}

func count(steps []pickStep, f func(pickStep) bool) int {
	n := 0
	for _, s := range steps {
		if f(s) {
			n++
		}
	}
	return n
}

func TestPickTreeMatchesCherryPickOnTheInstallerFixture(t *testing.T) {
	diffEnv(t)
	ctx := context.Background()
	in, err := example.NewInstaller(ctx, t.TempDir(), example.InstallerOptions{FollowUp: true})
	require.NoError(t, err)
	patches := strings.Fields(gitOut(t, in.Work, "rev-list", "--reverse", "--no-merges", "upstream/release-4.14..origin/release-4.14-azure"))
	require.NotEmpty(t, patches)
	steps := differential(t, in.Work, "upstream/release-4.15", patches)
	assert.Equal(t, 2, count(steps, func(s pickStep) bool { return len(s.Conflicts) > 0 }), "the fixture's two conflicts")
	assert.Equal(t, 2, count(steps, func(s pickStep) bool { return s.Empty }), "the fixture's two empty picks")
}

func TestPickTreeMatchesCherryPickOnAGeneratedHistory(t *testing.T) {
	diffEnv(t)
	h, err := history.NewHistory(context.Background(), filepath.Join(t.TempDir(), "h"), history.HistoryOptions{Commits: 200, After: 40, Files: 300, Carries: 16})
	require.NoError(t, err)
	patches := strings.Fields(gitOut(t, h.Dir, "rev-list", "--reverse", "--no-merges", "upstream/release-4.14..origin/release-4.14-azure"))
	steps := differential(t, h.Dir, "upstream/release-4.15", patches)
	assert.NotZero(t, count(steps, func(s pickStep) bool { return s.Tree != "" }))
}

// editHistory is a generated history of renames, deletions, mode changes, symlinks and content
// edits: a base, an upstream side and carry patches on the base, random from seed, and a few
// made to conflict on purpose.
func editHistory(t *testing.T, seed int64) (dir string, patches []string) {
	dir = t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main")
	rng := rand.New(rand.NewSource(seed))
	files := map[string]string{}
	write := func(p, data string, mode os.FileMode) {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		os.Remove(full)
		require.NoError(t, os.WriteFile(full, []byte(data), mode))
		require.NoError(t, os.Chmod(full, mode))
		files[p] = data
	}
	body := func(n int) string {
		var b strings.Builder
		for i := range 12 {
			fmt.Fprintf(&b, "line %d of %d\n", i, n)
		}
		return b.String()
	}
	for i := range 40 {
		write(fmt.Sprintf("d%d/f%d.txt", i%5, i), body(i), 0o644)
	}
	require.NoError(t, os.Symlink("d0/f0.txt", filepath.Join(dir, "link")))
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "commit", "-q", "-m", "base")
	gitOut(t, dir, "branch", "base")
	keys := func() []string {
		return slices.Sorted(func(yield func(string) bool) {
			for k := range files {
				if !yield(k) {
					return
				}
			}
		})
	}
	edit := func(tag string) {
		ks := keys()
		p := ks[rng.Intn(len(ks))]
		full := filepath.Join(dir, p)
		switch rng.Intn(5) {
		case 0: // rename, with a small edit
			np := fmt.Sprintf("r%d/%s", rng.Intn(3), filepath.Base(p))
			if _, ok := files[np]; ok {
				return
			}
			require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(np)), 0o755))
			gitOut(t, dir, "mv", p, np)
			delete(files, p)
			write(np, strings.Replace(files2(dir, np), "line 3", "line 3 "+tag, 1), 0o644)
		case 1: // delete
			gitOut(t, dir, "rm", "-qf", p)
			delete(files, p)
		case 2: // mode change
			fi, err := os.Stat(full)
			require.NoError(t, err)
			require.NoError(t, os.Chmod(full, fi.Mode()^0o111))
		default: // edit a line
			lines := strings.Split(files[p], "\n")
			if len(lines) < 2 {
				return
			}
			k := rng.Intn(len(lines) - 1)
			lines[k] += " " + tag
			write(p, strings.Join(lines, "\n"), 0o644)
		}
	}
	// upstream
	for i := range 15 {
		edit(fmt.Sprintf("up%d", i))
	}
	// a conflict: upstream and a carry change one line; a resolution recorded below
	write("d1/f1.txt", strings.Replace(body(1), "line 5 of 1", "line 5 upstream", 1), 0o644)
	require.NoError(t, os.Remove(filepath.Join(dir, "link")))
	require.NoError(t, os.Symlink("d0/f5.txt", filepath.Join(dir, "link")))
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "commit", "-q", "-m", "upstream")
	gitOut(t, dir, "branch", "upstream")
	gitOut(t, dir, "checkout", "-q", "-b", "fork", "base")
	files = map[string]string{}
	for _, p := range strings.Fields(gitOut(t, dir, "ls-files")) {
		if p != "link" {
			files[p] = files2(dir, p)
		}
	}
	for i := range 18 {
		switch i {
		case 4:
			write("d1/f1.txt", strings.Replace(files2(dir, "d1/f1.txt"), "line 5 of 1", "line 5 carry", 1), 0o644)
		case 9:
			require.NoError(t, os.Remove(filepath.Join(dir, "link")))
			require.NoError(t, os.Symlink("d0/f9.txt", filepath.Join(dir, "link")))
		default:
			edit(fmt.Sprintf("carry%d", i))
			edit(fmt.Sprintf("carry%d+", i))
		}
		gitOut(t, dir, "add", "-A")
		gitOut(t, dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("CARRY: %d", i))
	}
	// The carries, oldest first, in one git rev-list rather than a rev-parse after each commit.
	patches = strings.Fields(gitOut(t, dir, "rev-list", "--reverse", "base..fork"))
	require.Len(t, patches, 18)
	gitOut(t, dir, "checkout", "-q", "upstream")
	return dir, patches
}

func files2(dir, p string) string {
	data, _ := os.ReadFile(filepath.Join(dir, p))
	return string(data)
}

func TestPickTreeMatchesCherryPickOnGeneratedEdits(t *testing.T) {
	diffEnv(t)
	conflicts := 0
	for seed := range int64(3) {
		dir, patches := editHistory(t, seed)
		steps := differential(t, dir, "upstream", patches)
		conflicts += count(steps, func(s pickStep) bool { return len(s.Conflicts) > 0 })
	}
	assert.GreaterOrEqual(t, conflicts, 3, "every history has conflicts to compare")
}

// A conflict that rerere resolves in the worktree is, in memory, a conflict whose rerere id is
// the recorded resolution's.
func TestPickTreeRerereIDFindsTheRecordedResolution(t *testing.T) {
	diffEnv(t)
	dir, patches := editHistory(t, 1)
	// record a resolution of the d1/f1.txt conflict (patch 4) by hand, with rerere
	gitOut(t, dir, "checkout", "-q", "--detach", "upstream")
	cmd := exec.Command("git", "-c", "rerere.enabled=true", "cherry-pick", patches[4])
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d1/f1.txt"), []byte(strings.Replace(gitOut(t, dir, "show", "upstream:d1/f1.txt")+"\n", "line 5 upstream", "line 5 both", 1)), 0o644))
	gitOut(t, dir, "-c", "rerere.enabled=true", "add", "d1/f1.txt")
	gitOut(t, dir, "-c", "rerere.enabled=true", "rerere")
	gitOut(t, dir, "reset", "-q", "--hard")
	gitOut(t, dir, "checkout", "-q", "upstream")
	steps := differential(t, dir, "upstream", patches)
	assert.Equal(t, []string{"d1/f1.txt"}, steps[4].Rerere, "the worktree pick replays the resolution")
}

func TestRerereIDNormalisesAsGitDoes(t *testing.T) {
	a := "x\n<<<<<<< HEAD\nours\n||||||| base\nold\n=======\ntheirs\n>>>>>>> other\ny\n"
	b := "x\n<<<<<<< them\ntheirs\n=======\nours\n>>>>>>> us\ny\n"
	ida, ok := git.RerereID([]byte(a), 7)
	require.True(t, ok)
	idb, ok := git.RerereID([]byte(b), 7)
	require.True(t, ok)
	assert.Equal(t, ida, idb, "the sides are sorted and the base is left out")
	_, ok = git.RerereID([]byte("no conflict\n"), 7)
	assert.False(t, ok)
	_, ok = git.RerereID([]byte("<<<<<<< a\nx\n>>>>>>> b\n"), 7)
	assert.False(t, ok, "a hunk without ======= is not a conflict")
}
