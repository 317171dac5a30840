// Package rerere shares git's recorded conflict resolutions (the rr-cache) between clones as a
// commit under refs/releasekit/rerere, and says where a replayed resolution came from.
package rerere

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// Ref is where fork:share stores the rr-cache, and NotesRef the verify notes it pushes with it.
const (
	Ref      = "refs/releasekit/rerere"
	NotesRef = verify.NotesRef
)

// The rr-cache layout git 2.39 writes (rerere.c, rerere_path): one directory per conflict id
// (the SHA-1 of the normalised conflict hunks), holding preimage/postimage for variant 0, and
// preimage.N/postimage.N for further variants of the same id; thisimage(.N) exists only while
// git replays a resolution.
var (
	idRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{40}$`) })
	fileRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(preimage|postimage|thisimage)(?:\.([1-9][0-9]{0,8}))?$`)
	})
)

// ValidPath reports whether p (slash-separated, relative to the rr-cache) is a file that git
// itself writes there.
func ValidPath(p string) bool {
	id, name, ok := strings.Cut(p, "/")
	return ok && idRE().MatchString(id) && fileRE().MatchString(name)
}

// suffix is the file name suffix of a variant: "" for 0, ".N" otherwise.
func suffix(variant int) string {
	if variant == 0 {
		return ""
	}
	return "." + strconv.Itoa(variant)
}

// Entry is one recorded resolution: a conflict id and a variant with both images.
type Entry struct {
	ID      string
	Variant int
	Pre     string // path of the preimage
	Post    string // path of the postimage
}

// Name is how git names the entry in MERGE_RR: the id, and ".N" for a variant N > 0.
func (e Entry) Name() string { return e.ID + suffix(e.Variant) }

// Cache is a repository's rr-cache (shared by all its worktrees) and the record of which
// entries came from a fork:sync.
type Cache struct {
	Dir string
	// recordPath is the JSON record of synced entries, next to the cache in the common git dir.
	recordPath string
}

// Open finds the rr-cache of repo.
func Open(ctx context.Context, repo *git.Repo) (*Cache, error) {
	dir, err := repo.GitPath(ctx, "rr-cache")
	if err != nil {
		return nil, fmt.Errorf("find the rr-cache: %w", err)
	}
	return &Cache{Dir: dir, recordPath: git.StateDirOfCommon(filepath.Dir(dir)).RerereShared()}, nil
}

// Entries lists the resolutions in the cache: variants with a preimage and a postimage that
// are regular files. Anything else in the cache is ignored.
func (c *Cache) Entries() ([]Entry, error) {
	ids, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var es []Entry
	for _, d := range ids {
		if !d.IsDir() || !idRE().MatchString(d.Name()) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(c.Dir, d.Name()))
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		variants := map[int]bool{}
		for _, f := range files {
			m := fileRE().FindStringSubmatch(f.Name())
			if m == nil || !f.Type().IsRegular() {
				continue
			}
			have[f.Name()] = true
			v, _ := strconv.Atoi(m[2])
			variants[v] = true
		}
		for v := range variants {
			pre, post := "preimage"+suffix(v), "postimage"+suffix(v)
			if have[pre] && have[post] {
				es = append(es, Entry{ID: d.Name(), Variant: v,
					Pre: filepath.Join(c.Dir, d.Name(), pre), Post: filepath.Join(c.Dir, d.Name(), post)})
			}
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Name() < es[j].Name() })
	return es, nil
}

// Snapshot is the modification time of every postimage: git touches the postimage it replays,
// which is how Used tells which entries a pick used.
type Snapshot map[string]time.Time

// Snapshot takes a snapshot of the cache's postimages.
func (c *Cache) Snapshot() Snapshot {
	s := Snapshot{}
	es, _ := c.Entries()
	for _, e := range es {
		if fi, err := os.Stat(e.Post); err == nil {
			s[e.Name()] = fi.ModTime()
		}
	}
	return s
}

// Use is one resolution that rerere replayed, and where it came from.
type Use struct {
	// File is the resolved file, when it is known (one file, one entry).
	File  string `json:"file,omitempty"`
	Entry string `json:"entry"`
	// Shared is true when the entry came from fork:sync; Commit is then the share commit.
	Shared bool   `json:"shared"`
	Commit string `json:"commit,omitempty"`
}

// Source says in words where the resolution came from.
func (u Use) Source() string {
	if u.Shared {
		return "shared cache " + u.Commit[:min(7, len(u.Commit))]
	}
	return "your cache"
}

// Used lists the entries git replayed since before was taken (their postimage was touched),
// with their source. files are the paths rerere reported as resolved.
func (c *Cache) Used(before Snapshot, files []string) []Use {
	rec := c.record()
	var us []Use
	es, _ := c.Entries()
	for _, e := range es {
		fi, err := os.Stat(e.Post)
		if err != nil {
			continue
		}
		// An entry that was not there before was recorded by this very pick: not a replay.
		if t, seen := before[e.Name()]; !seen || t.Equal(fi.ModTime()) {
			continue
		}
		u := Use{Entry: e.Name()}
		if s, ok := rec[e.Name()]; ok && s.Post == digestFile(e.Post) {
			u.Shared, u.Commit = true, s.Commit
		}
		us = append(us, u)
	}
	if len(us) == 1 && len(files) == 1 {
		us[0].File = files[0]
	}
	return us
}

// synced is one record entry: the share commit an entry came from and the digest of its
// postimage (a resolution recorded again locally later is yours, not the share's).
type synced struct {
	Commit string `json:"commit"`
	Post   string `json:"postimage"`
}

func (c *Cache) record() map[string]synced {
	rec := map[string]synced{}
	data, err := os.ReadFile(c.recordPath)
	if err == nil {
		json.Unmarshal(data, &rec)
	}
	return rec
}

func (c *Cache) writeRecord(rec map[string]synced) error {
	data, err := jsonstrict.MarshalIndent(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.recordPath), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFile(c.recordPath, append(data, '\n'), 0o644)
}

func digestFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return digest(data)
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
