package git

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Signature is who made a commit and when.
type Signature struct {
	Name, Email string
	When        time.Time
}

// Commit is what the toolkit needs of a commit.
type Commit struct {
	Hash      plumbing.Hash
	Parents   []plumbing.Hash
	Author    Signature
	Committer Signature
	// Message is the full commit message; Subject its first line.
	Message string
	Subject string
}

// Short is the abbreviated hash git prints (7 hex digits).
func (c Commit) Short() string { return c.Hash.String()[:7] }

func fromObject(c *object.Commit) Commit {
	return Commit{
		Hash:      c.Hash,
		Parents:   append([]plumbing.Hash(nil), c.ParentHashes...),
		Author:    Signature{c.Author.Name, c.Author.Email, c.Author.When},
		Committer: Signature{c.Committer.Name, c.Committer.Email, c.Committer.When},
		Message:   c.Message,
		Subject:   subject(c.Message),
	}
}

func subject(msg string) string {
	s, _, _ := strings.Cut(strings.TrimLeft(msg, "\n"), "\n")
	return strings.TrimSpace(s)
}

// Commit reads one commit.
func (r *Repo) Commit(ctx context.Context, rev string) (Commit, error) {
	h, err := r.Resolve(ctx, rev)
	if err != nil {
		return Commit{}, err
	}
	if r.inProcess() {
		c, err := r.gg.CommitObject(h)
		if err == nil {
			return fromObject(c), nil
		}
		if !r.goGitFailed(ctx, "commit "+h.String(), err) {
			return Commit{}, fmt.Errorf("read commit %s: %w", rev, err)
		}
	}
	if c, _, err := r.readCommit(ctx, h); !errors.Is(err, errNoBatch) {
		if err != nil {
			return Commit{}, fmt.Errorf("read commit %s: %w", rev, err)
		}
		return c, nil
	}
	cs, err := r.cliLog(ctx, "-1", "--no-walk", h.String())
	if err != nil || len(cs) != 1 {
		return Commit{}, fmt.Errorf("read commit %s: %v", rev, err)
	}
	return cs[0], nil
}

// Log lists the commits reachable from tip and not from base, merges left out, oldest first:
// the commits of `git log --no-merges base..tip`, parents before children, and among commits
// free to go next the older first (so a linear carry series comes out exactly as git lists it).
//
// Like git's revision walk it paints both sides at once, newest commit first, and stops as soon
// as every commit still queued is reachable from base: on the installer fork that is a few dozen
// commits read instead of the 15,000 of a walk that first collects every ancestor of base.
func (r *Repo) Log(ctx context.Context, base, tip string) ([]Commit, error) {
	b, err := r.Resolve(ctx, base)
	if err != nil {
		return nil, err
	}
	t, err := r.Resolve(ctx, tip)
	if err != nil {
		return nil, err
	}
	if r.inProcess() {
		cs, err := r.walk(ctx, b, t)
		if err == nil || !r.goGitFailed(ctx, "the commits of "+base+".."+tip, err) {
			return cs, err
		}
	}
	return r.cliLog(ctx, "--reverse", "--topo-order", "--no-merges", b.String()+".."+t.String())
}

const (
	seen          = 1
	uninteresting = 2
)

type walkItem struct {
	c     *object.Commit
	flags *uint8
}

type dateQueue []walkItem

func (q dateQueue) Len() int { return len(q) }
func (q dateQueue) Less(i, j int) bool {
	return q[i].c.Committer.When.After(q[j].c.Committer.When)
}
func (q dateQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *dateQueue) Push(x any)   { *q = append(*q, x.(walkItem)) }
func (q *dateQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// slop is how many more commits git's walk reads after it looks finished, to survive a few
// commits with skewed clocks (revision.c: "slop"). We use the same margin.
const slop = 5

func (r *Repo) walk(ctx context.Context, base, tip plumbing.Hash) ([]Commit, error) {
	flags := map[plumbing.Hash]*uint8{}
	q := &dateQueue{}
	push := func(h plumbing.Hash, f uint8) error {
		if p, ok := flags[h]; ok {
			if f&uninteresting != 0 {
				*p |= uninteresting
			}
			return nil
		}
		c, err := r.gg.CommitObject(h)
		if err != nil {
			return fmt.Errorf("read commit %s: %w", h, err)
		}
		fl := f | seen
		flags[h] = &fl
		heap.Push(q, walkItem{c, &fl})
		return nil
	}
	if err := push(base, uninteresting); err != nil {
		return nil, err
	}
	if err := push(tip, 0); err != nil {
		return nil, err
	}
	var candidates []*object.Commit
	left := slop
	for q.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		it := heap.Pop(q).(walkItem)
		unint := *it.flags&uninteresting != 0
		if unint {
			// Paint everything below an uninteresting commit uninteresting, including commits
			// already queued from the interesting side.
			if err := r.markParents(it.c, flags, push); err != nil {
				return nil, err
			}
		} else {
			candidates = append(candidates, it.c)
			for _, p := range it.c.ParentHashes {
				if err := push(p, 0); err != nil {
					return nil, err
				}
			}
		}
		if everyUninteresting(*q) {
			if left == 0 {
				break
			}
			left--
		} else {
			left = slop
		}
	}
	var out []Commit
	byHash := map[plumbing.Hash]bool{}
	for _, c := range candidates {
		if *flags[c.Hash]&uninteresting != 0 || len(c.ParentHashes) > 1 {
			continue
		}
		byHash[c.Hash] = true
		out = append(out, fromObject(c))
	}
	return topoOldestFirst(out), nil
}

func (r *Repo) markParents(c *object.Commit, flags map[plumbing.Hash]*uint8, push func(plumbing.Hash, uint8) error) error {
	// Iterative, like git's mark_parents_uninteresting: propagate through commits we have
	// already seen so that interesting candidates below are corrected.
	stack := append([]plumbing.Hash(nil), c.ParentHashes...)
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p, ok := flags[h]
		if !ok {
			if err := push(h, uninteresting); err != nil {
				return err
			}
			continue
		}
		if *p&uninteresting != 0 {
			continue
		}
		*p |= uninteresting
		pc, err := r.gg.CommitObject(h)
		if err != nil {
			return err
		}
		stack = append(stack, pc.ParentHashes...)
	}
	return nil
}

func everyUninteresting(q dateQueue) bool {
	for _, it := range q {
		if *it.flags&uninteresting == 0 {
			return false
		}
	}
	return true
}

// topoOldestFirst orders commits parents-first; among commits free to go next, the older
// committer date goes first (git log --reverse --topo-order on a carry series).
func topoOldestFirst(cs []Commit) []Commit {
	in := map[plumbing.Hash]int{}
	idx := map[plumbing.Hash]int{}
	for i, c := range cs {
		idx[c.Hash] = i
	}
	children := map[plumbing.Hash][]int{}
	for i, c := range cs {
		for _, p := range c.Parents {
			if _, ok := idx[p]; ok {
				in[c.Hash]++
				children[p] = append(children[p], i)
			}
		}
	}
	var ready []int
	for i, c := range cs {
		if in[c.Hash] == 0 {
			ready = append(ready, i)
		}
	}
	out := make([]Commit, 0, len(cs))
	for len(ready) > 0 {
		sort.Slice(ready, func(a, b int) bool {
			return cs[ready[a]].Committer.When.Before(cs[ready[b]].Committer.When)
		})
		i := ready[0]
		ready = ready[1:]
		out = append(out, cs[i])
		for _, ch := range children[cs[i].Hash] {
			in[cs[ch].Hash]--
			if in[cs[ch].Hash] == 0 {
				ready = append(ready, ch)
			}
		}
	}
	return out
}

// A format git log can print and we can split without ambiguity: fields by NUL, records by RS.
const logFormat = "%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x1e"

func (r *Repo) cliLog(ctx context.Context, args ...string) ([]Commit, error) {
	out, err := r.Git.Output(ctx, append([]string{"log", "--format=" + logFormat}, args...)...)
	if err != nil {
		return nil, err
	}
	var cs []Commit
	for _, rec := range bytes.Split(out, []byte{0x1e}) {
		rec = bytes.TrimLeft(rec, "\n")
		if len(rec) == 0 {
			continue
		}
		f := strings.SplitN(string(rec), "\x00", 9)
		if len(f) != 9 {
			return nil, fmt.Errorf("git log: unexpected record %q", rec)
		}
		c := Commit{Hash: plumbing.NewHash(f[0]), Message: f[8], Subject: subject(f[8]),
			Author: Signature{f[2], f[3], unix(f[4])}, Committer: Signature{f[5], f[6], unix(f[7])}}
		for _, p := range strings.Fields(f[1]) {
			c.Parents = append(c.Parents, plumbing.NewHash(p))
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func unix(s string) time.Time {
	var n int64
	fmt.Sscan(s, &n)
	return time.Unix(n, 0)
}
