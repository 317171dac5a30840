package rerere

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// incomingRef holds a fetched share commit while it is checked; it is always deleted.
const incomingRef = "refs/releasekit/incoming/rerere"

// maxBlob bounds one fetched file: a preimage or postimage is one source file with markers.
const maxBlob = 16 << 20

// SyncOptions say which repository fetches the shared cache, and from which remote.
type SyncOptions struct {
	Dir    string
	Remote string
	// Stall gives up a fetch that has moved less than a byte a second for this long (0: never).
	Stall time.Duration
}

// SyncResult is what fork:sync did.
type SyncResult struct {
	Remote string `json:"remote"`
	// Commit is the share commit that was merged; "" when the remote has none.
	Commit string `json:"commit,omitempty"`
	// Added are the entries written to the local cache; Kept the shared entries the local
	// cache already had.
	Added []string `json:"added"`
	Kept  int      `json:"kept"`
	// Notes says what became of the verify notes: "fetched", "" (none shared), or why not.
	Notes string `json:"notes,omitempty"`
}

// Summary is one line for people: what the sync added and kept.
func (r *SyncResult) Summary() string {
	if r.Commit == "" {
		return fmt.Sprintf("sync: %s has no shared resolutions yet (%s)", r.Remote, Ref)
	}
	s := fmt.Sprintf("sync: %d resolutions added from %s %s, %d already here", len(r.Added), r.Remote, r.Commit[:min(12, len(r.Commit))], r.Kept)
	if r.Notes != "" {
		s += "; verify notes " + r.Notes
	}
	return s
}

// HostileError is a shared ref whose tree is not exactly the rr-cache layout.
type HostileError struct {
	Commit string
	Paths  []string
}

func (e *HostileError) Error() string {
	paths := e.Paths
	more := ""
	if len(paths) > 10 {
		paths, more = paths[:10], fmt.Sprintf(" and %d more", len(e.Paths)-10)
	}
	return fmt.Sprintf("refusing %s at %s: not an rr-cache entry (want <40-hex id>/{preimage,postimage,thisimage}[.N] regular files): %s%s",
		Ref, e.Commit[:min(12, len(e.Commit))], strings.Join(paths, ", "), more)
}

// Sync fetches Ref from the fork remote, checks that its tree is exactly the rr-cache layout,
// and adds the entries the local cache does not have (a local entry is never overwritten; a
// shared variant that differs from the local ones takes a free variant number). A hostile tree
// is refused with its paths named, and nothing is written.
func Sync(ctx context.Context, opts SyncOptions) (*SyncResult, error) {
	repo, url, err := openRemote(ctx, opts.Dir, &opts.Remote)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	res := &SyncResult{Remote: opts.Remote, Added: []string{}}
	netHint := fmt.Sprintf("check the fork remote %s (%s, RELEASEKIT_FORK_REMOTE); a stalled transfer is given up after RELEASEKIT_FETCH_TIMEOUT", opts.Remote, url)
	var ls bytes.Buffer
	if err := repo.Git.Exec(ctx, git.Exec{Stdout: &ls, Config: git.StallConfig(opts.Stall)}, "ls-remote", "--", opts.Remote, Ref); err != nil {
		return nil, cli.Fail(fmt.Errorf("list %s on %s (%s): %w", Ref, opts.Remote, url, redact.Err(err)), netHint)
	}
	remote := ls.String()
	if strings.TrimSpace(remote) == "" {
		return res, nil
	}
	defer repo.Git.Run(context.WithoutCancel(ctx), "update-ref", "-d", incomingRef)
	if err := remoteGit(ctx, repo, opts.Stall, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", opts.Remote, "+"+Ref+":"+incomingRef); err != nil {
		return nil, cli.Fail(fmt.Errorf("fetch %s from %s (%s): %w", Ref, opts.Remote, url, redact.Err(err)), netHint)
	}
	commit, err := repo.Git.Run(ctx, "rev-parse", "--verify", "--quiet", incomingRef+"^{commit}")
	if err != nil {
		return nil, cli.Fail(&HostileError{Commit: "(not a commit)", Paths: []string{Ref}}, "nothing was written; ask whoever shared it, or delete it on the remote: git push "+opts.Remote+" :"+Ref)
	}
	res.Commit = commit
	files, err := listTree(ctx, repo, commit)
	if he := new(HostileError); errors.As(err, &he) {
		return nil, cli.Fail(err, "nothing was written; ask whoever shared it, or delete it on the remote: git push "+opts.Remote+" :"+Ref)
	}
	if err != nil {
		return nil, cli.Fail(err)
	}
	cache, err := Open(ctx, repo)
	if err != nil {
		return nil, cli.Fail(err)
	}
	if err := cache.merge(ctx, repo, commit, files, res); err != nil {
		return nil, cli.Fail(err)
	}
	local, _ := repo.Git.Run(ctx, "rev-parse", "--verify", "--quiet", Ref)
	if local != commit {
		if _, err := repo.Git.Run(ctx, "update-ref", "-m", "releasekit: sync", Ref, commit); err != nil {
			return nil, cli.Fail(err)
		}
	}
	res.Notes = syncNotes(ctx, repo, opts.Remote, opts.Stall)
	return res, nil
}

// incomingNotesRef holds the fetched verify notes while they are checked and merged; it is
// always deleted.
const incomingNotesRef = "refs/releasekit/incoming/notes"

// syncNotes fetches the verify notes when the remote has them and merges them into ours line by
// line (cat_sort_uniq), each incoming record checked first (verify.CleanNote): what is not a
// valid record for its tree is dropped and named. It says what became of them.
func syncNotes(ctx context.Context, repo *git.Repo, remote string, stall time.Duration) string {
	var out bytes.Buffer
	if err := repo.Git.Exec(ctx, git.Exec{Stdout: &out, Config: git.StallConfig(stall)}, "ls-remote", "--", remote, NotesRef); err != nil || strings.TrimSpace(out.String()) == "" {
		return ""
	}
	defer repo.Git.Run(context.WithoutCancel(ctx), "update-ref", "-d", incomingNotesRef)
	if err := remoteGit(ctx, repo, stall, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", remote, "+"+NotesRef+":"+incomingNotesRef); err != nil {
		return "not fetched: " + redact.Err(err).Error()
	}
	m, err := repo.MergeNotes(ctx, NotesRef, incomingNotesRef, verify.CleanNote)
	if err != nil {
		return "not merged, yours are as they were: " + err.Error()
	}
	s := "fetched"
	switch {
	case m.Commit == "":
		s = "already here"
	case !m.FastForward:
		s = fmt.Sprintf("merged (%d notes from %s)", m.Notes, remote)
	}
	if len(m.Dropped) > 0 {
		d := m.Dropped
		more := ""
		if len(d) > 5 {
			d, more = d[:5], fmt.Sprintf("; and %d more", len(m.Dropped)-5)
		}
		s += fmt.Sprintf("; dropped what is not a valid verify record: %s%s", strings.Join(d, "; "), more)
	}
	return s
}

type treeFile struct {
	path, blob string
	size       int64
}

// listTree lists the files of the share commit's tree and refuses anything but the layout.
func listTree(ctx context.Context, repo *git.Repo, commit string) ([]treeFile, error) {
	out, err := repo.Git.Output(ctx, "ls-tree", "-r", "-z", "-l", "--full-tree", commit)
	if err != nil {
		return nil, fmt.Errorf("read the shared tree %s: %w", commit, err)
	}
	var files []treeFile
	var bad []string
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 4 {
			bad = append(bad, strconv.Quote(rec))
			continue
		}
		size, _ := strconv.ParseInt(f[3], 10, 64)
		switch {
		case f[0] != "100644" || f[1] != "blob":
			bad = append(bad, fmt.Sprintf("%s (mode %s %s)", strconv.Quote(path), f[0], f[1]))
		case !ValidPath(path):
			bad = append(bad, strconv.Quote(path))
		case size > maxBlob:
			bad = append(bad, fmt.Sprintf("%s (%d bytes)", strconv.Quote(path), size))
		default:
			files = append(files, treeFile{path: path, blob: f[2], size: size})
		}
	}
	if len(bad) > 0 {
		return nil, &HostileError{Commit: commit, Paths: bad}
	}
	return files, nil
}

// merge adds the shared variants that the local cache lacks. Everything is read and checked
// before the first write.
func (c *Cache) merge(ctx context.Context, repo *git.Repo, commit string, files []treeFile, res *SyncResult) error {
	blobs, err := readBlobs(ctx, repo, files)
	if err != nil {
		return err
	}
	type variant struct{ pre, post []byte }
	shared := map[string]map[int]*variant{}
	for _, f := range files {
		id, name, _ := strings.Cut(f.path, "/")
		m := fileRE().FindStringSubmatch(name)
		v, _ := strconv.Atoi(m[2])
		if shared[id] == nil {
			shared[id] = map[int]*variant{}
		}
		if shared[id][v] == nil {
			shared[id][v] = &variant{}
		}
		switch m[1] {
		case "preimage":
			shared[id][v].pre = blobs[f.blob]
		case "postimage":
			shared[id][v].post = blobs[f.blob]
		}
	}
	// The rr-cache may be a symbolic link to another clone's (git-new-workdir): follow it.
	if fi, err := os.Stat(c.Dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s is not a directory; nothing was written", c.Dir)
	}
	// Everything is planned and checked before the first write: all of the sync, or nothing.
	type write struct {
		id, name string
		slot     int
		v        *variant
	}
	var plan []write
	var notDirs []string
	ids := make([]string, 0, len(shared))
	for id := range shared {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		dir := filepath.Join(c.Dir, id)
		if fi, err := os.Lstat(dir); err == nil && !fi.IsDir() {
			notDirs = append(notDirs, dir)
			continue
		}
		vs := make([]int, 0, len(shared[id]))
		for v := range shared[id] {
			vs = append(vs, v)
		}
		sort.Ints(vs)
		taken := map[int]bool{}
		for _, v := range vs {
			sv := shared[id][v]
			if sv.pre == nil || sv.post == nil {
				continue // thisimage, or half an entry: not a resolution
			}
			slot, have := freeSlot(dir, sv.pre, sv.post, taken)
			if have {
				res.Kept++
				continue
			}
			taken[slot] = true
			plan = append(plan, write{id: id, name: id + suffix(slot), slot: slot, v: sv})
		}
	}
	if len(notDirs) > 0 {
		res.Kept = 0
		return fmt.Errorf("not a directory where the rr-cache keeps an entry: %s; nothing was written (move it away, then sync again)", strings.Join(notDirs, ", "))
	}
	// A write that fails (a full disk) takes back the ones before it.
	var written []string
	undo := func(err error) error {
		for i := len(written) - 1; i >= 0; i-- {
			os.Remove(written[i])
		}
		return fmt.Errorf("%w; nothing was written", err)
	}
	if len(plan) > 0 {
		// A link to a cache not made yet (git-new-workdir links it whether or not it exists).
		if target, err := os.Readlink(c.Dir); err == nil {
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(c.Dir), target)
			}
			if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
				if err := os.MkdirAll(target, 0o755); err != nil {
					return undo(err)
				}
				written = append(written, target)
			}
		}
	}
	rec := c.record()
	for _, w := range plan {
		dir := filepath.Join(c.Dir, w.id)
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return undo(err)
			}
			written = append(written, dir)
		}
		for _, f := range []struct {
			name string
			data []byte
		}{{"preimage", w.v.pre}, {"postimage", w.v.post}} {
			path := filepath.Join(dir, f.name+suffix(w.slot))
			if err := fsutil.WriteFile(path, f.data, 0o644); err != nil {
				return undo(err)
			}
			written = append(written, path)
		}
		rec[w.name] = synced{Commit: commit, Post: digest(w.v.post)}
		res.Added = append(res.Added, w.name)
	}
	if len(res.Added) == 0 {
		return nil
	}
	if err := c.writeRecord(rec); err != nil {
		res.Added = res.Added[:0]
		return undo(err)
	}
	return nil
}

// freeSlot returns the first variant number that has no file in dir and is not taken, or have
// = true when a local variant already holds the same preimage and postimage.
func freeSlot(dir string, pre, post []byte, taken map[int]bool) (slot int, have bool) {
	used := map[int]bool{}
	for v := range taken {
		used[v] = true
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if m := fileRE().FindStringSubmatch(f.Name()); m != nil {
			v, _ := strconv.Atoi(m[2])
			used[v] = true
		}
	}
	for v := range used {
		lpre, e1 := os.ReadFile(filepath.Join(dir, "preimage"+suffix(v)))
		lpost, e2 := os.ReadFile(filepath.Join(dir, "postimage"+suffix(v)))
		if e1 == nil && e2 == nil && bytes.Equal(lpre, pre) && bytes.Equal(lpost, post) {
			return v, true
		}
	}
	for used[slot] {
		slot++
	}
	return slot, false
}

// readBlobs reads the blobs in one git cat-file --batch.
func readBlobs(ctx context.Context, repo *git.Repo, files []treeFile) (map[string][]byte, error) {
	var in strings.Builder
	for _, f := range files {
		in.WriteString(f.blob + "\n")
	}
	var out bytes.Buffer
	if err := repo.Git.Exec(ctx, git.Exec{Stdin: strings.NewReader(in.String()), Stdout: &out}, "cat-file", "--batch"); err != nil {
		return nil, fmt.Errorf("read the shared files: %w", err)
	}
	blobs := map[string][]byte{}
	r := bufio.NewReader(&out)
	for range files {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read the shared files: %w", err)
		}
		f := strings.Fields(header)
		if len(f) != 3 || f[1] != "blob" {
			return nil, fmt.Errorf("read the shared files: unexpected %q", strings.TrimSpace(header))
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n > maxBlob {
			return nil, fmt.Errorf("read the shared files: bad size in %q", strings.TrimSpace(header))
		}
		data := make([]byte, n+1)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("read the shared files: %w", err)
		}
		blobs[f[0]] = data[:n]
	}
	return blobs, nil
}
