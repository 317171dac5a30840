package git

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// A pick in memory: git merge-tree --write-tree (git 2.38 and later) computes a cherry-pick's
// result tree and its conflicts with the same merge machinery (ort), rename detection and merge
// configuration as git cherry-pick, without an index or a work tree. Nothing of the user's, and
// no ref, moves: only objects are written (the result tree and its blobs, and a temporary commit
// of the onto tree, two for a root commit, that gc removes: tempcommit.go).

// StageEntry is one side of a conflicted path, as the index of a stopped cherry-pick holds it:
// stage 1 the patch's parent, 2 the tree picked onto (HEAD), 3 the patch.
type StageEntry struct {
	Mode string
	Hash string
}

// PathConflict is one conflicted path of a pick in memory.
type PathConflict struct {
	Path string
	// Stages are indexed by stage number (1..3); a missing side has an empty Hash.
	Stages [4]StageEntry
}

// BothSides reports a conflict between two regular files (stages 2 and 3): the only conflicts
// rerere records and replays.
func (c PathConflict) BothSides() bool {
	return regular(c.Stages[2].Mode) && regular(c.Stages[3].Mode)
}

func regular(mode string) bool { return mode == "100644" || mode == "100755" }

// ConflictMessage is one of git's informational messages about a merge: its type
// ("CONFLICT (contents)", "Auto-merging", ...), the paths it is about and the message itself.
type ConflictMessage struct {
	Paths   []string
	Type    string
	Message string
}

// TreePick is a cherry-pick computed in memory.
type TreePick struct {
	// Tree is the result: the merged tree, or on a conflict the tree git would leave in a work
	// tree (conflicting files with their markers).
	Tree string
	// Onto is the tree the patch was applied onto.
	Onto string
	// Conflicts are the conflicted paths, sorted: what `git diff --diff-filter=U` lists after a
	// stopped cherry-pick.
	Conflicts []PathConflict
	// Messages are git's informational messages.
	Messages []ConflictMessage
}

// Clean reports a pick without a conflict.
func (p *TreePick) Clean() bool { return len(p.Conflicts) == 0 }

// Empty reports a clean pick that changes nothing: the onto tree already has the change (git
// cherry-pick stops on it as empty).
func (p *TreePick) Empty() bool { return p.Clean() && p.Tree == p.Onto }

// Paths are the conflicted paths.
func (p *TreePick) Paths() []string {
	out := make([]string, len(p.Conflicts))
	for i, c := range p.Conflicts {
		out[i] = c.Path
	}
	return out
}

// ErrMergeCommit is a pick of a merge commit, which git cherry-pick refuses without -m.
var ErrMergeCommit = errors.New("is a merge: a carry patch has one parent")

// mergeBaseOption reports whether this git has merge-tree --merge-base (2.40 and later).
func mergeBaseOption() bool {
	major, minor := gitMinor()
	return major > 2 || major == 2 && minor >= 40
}

var versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`git version ([0-9]+)\.([0-9]+)`) })

func gitVersion(s string) (int, int, bool) {
	m := versionRE().FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return a, b, true
}

// legacyMergeBase forces the temporary-commit path of git 2.38 and 2.39 (tests).
var legacyMergeBase bool

// PickOnto is PickTree onto the tree of rev (a commit, HEAD, a tree).
func (r *Repo) PickOnto(ctx context.Context, commit plumbing.Hash, rev string) (*TreePick, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("pick %.7s in memory: %q is not a revision", commit, rev)
	}
	tree, err := r.revParse(ctx, rev, "tree")
	if errors.Is(err, ErrUnknownRevision) {
		return nil, fmt.Errorf("pick %.7s in memory: %q: %w", commit, rev, ErrUnknownRevision)
	}
	if err != nil {
		return nil, fmt.Errorf("pick %.7s in memory: %w", commit, err)
	}
	return r.PickTree(ctx, commit, tree)
}

// PickTree applies commit onto the tree onto in memory, as git cherry-pick would onto a HEAD
// with that tree: the merge base is the commit's parent (none for a root commit). A conflict is
// a result, not an error.
func (r *Repo) PickTree(ctx context.Context, commit plumbing.Hash, onto plumbing.Hash) (*TreePick, error) {
	ontoTree := onto.String()
	patchTree, parents, err := r.treeAndParents(ctx, commit)
	if err != nil {
		return nil, fmt.Errorf("pick %.7s in memory: %w", commit, err)
	}
	if len(parents) > 1 {
		return nil, fmt.Errorf("%.7s %w", commit, ErrMergeCommit)
	}
	var args []string
	switch {
	case len(parents) == 1 && mergeBaseOption() && !legacyMergeBase:
		// The branches of --merge-base are commits in git 2.40: the onto side is a parentless
		// commit of its tree, the patch side the patch itself.
		side, err := r.tempCommit(ctx, ontoTree)
		if err != nil {
			return nil, err
		}
		args = []string{"--merge-base=" + parents[0], side, commit.String()}
	case len(parents) == 1:
		// Before 2.40: the onto tree as a child of the patch's parent, merged with the patch,
		// itself a child of that parent: their only merge base is the parent.
		ours, err := r.tempCommit(ctx, ontoTree, parents...)
		if err != nil {
			return nil, err
		}
		args = []string{ours, commit.String()}
	default:
		// A root commit: two unrelated commits, an empty base.
		ours, err := r.tempCommit(ctx, ontoTree)
		if err != nil {
			return nil, err
		}
		theirs, err := r.tempCommit(ctx, patchTree)
		if err != nil {
			return nil, err
		}
		args = []string{"--allow-unrelated-histories", ours, theirs}
	}
	raw, err := r.Git.Output(ctx, append([]string{"merge-tree", "--write-tree", "-z", "--messages"}, args...)...)
	if err != nil && ExitCode(err) != 1 {
		return nil, fmt.Errorf("pick %.7s in memory: %w", commit, err)
	}
	p, perr := parseMergeTree(raw)
	if perr != nil {
		return nil, fmt.Errorf("pick %.7s in memory: %w", commit, perr)
	}
	if (err != nil) != !p.Clean() {
		return nil, fmt.Errorf("pick %.7s in memory: git merge-tree's exit status and its conflicts disagree", commit)
	}
	p.Onto = ontoTree
	return p, nil
}

// treeAndParents reads a commit's tree and parents, in process when go-git can.
func (r *Repo) treeAndParents(ctx context.Context, commit plumbing.Hash) (string, []string, error) {
	if r.gg != nil {
		if c, err := r.gg.CommitObject(commit); err == nil {
			var ps []string
			for _, p := range c.ParentHashes {
				ps = append(ps, p.String())
			}
			return c.TreeHash.String(), ps, nil
		}
	}
	if _, c, err := r.readCommit(ctx, commit); c != nil {
		var ps []string
		for _, p := range c.ParentHashes {
			ps = append(ps, p.String())
		}
		return c.TreeHash.String(), ps, nil
	} else if !errors.Is(err, errNoBatch) {
		return "", nil, err
	}
	out, err := r.Git.Run(ctx, "rev-parse", commit.String()+"^{tree}", commit.String()+"^@")
	if err != nil {
		return "", nil, err
	}
	f := strings.Fields(out)
	if len(f) < 1 {
		return "", nil, fmt.Errorf("unexpected rev-parse output %q", out)
	}
	return f[0], f[1:], nil
}

// parseMergeTree reads `git merge-tree --write-tree -z --messages`: the tree, the conflicted
// file info (mode oid stage TAB path), an empty field, then the messages (a count of paths, the
// paths, the type, the message).
func parseMergeTree(raw []byte) (*TreePick, error) {
	fields := strings.Split(string(raw), "\x00")
	if len(fields) == 0 || len(fields[0]) < 40 {
		return nil, fmt.Errorf("unexpected git merge-tree output %q", raw)
	}
	p := &TreePick{Tree: fields[0]}
	i := 1
	byPath := map[string]int{}
	for ; i < len(fields) && fields[i] != ""; i++ {
		info, path, ok := strings.Cut(fields[i], "\t")
		parts := strings.Fields(info)
		if !ok || len(parts) != 3 {
			return nil, fmt.Errorf("unexpected conflicted file info %q", fields[i])
		}
		stage, err := strconv.Atoi(parts[2])
		if err != nil || stage < 1 || stage > 3 {
			return nil, fmt.Errorf("unexpected conflicted file info %q", fields[i])
		}
		k, seen := byPath[path]
		if !seen {
			k = len(p.Conflicts)
			byPath[path] = k
			p.Conflicts = append(p.Conflicts, PathConflict{Path: path})
		}
		c := &p.Conflicts[k]
		c.Stages[stage] = StageEntry{Mode: parts[0], Hash: parts[1]}
	}
	for i++; i < len(fields); {
		if fields[i] == "" && i == len(fields)-1 {
			break
		}
		n, err := strconv.Atoi(fields[i])
		if err != nil || i+n+2 >= len(fields) {
			return nil, fmt.Errorf("unexpected git merge-tree message at %q", fields[i])
		}
		m := ConflictMessage{Paths: fields[i+1 : i+1+n], Type: fields[i+1+n], Message: strings.TrimRight(fields[i+2+n], "\n")}
		p.Messages = append(p.Messages, m)
		i += n + 3
	}
	slices.SortFunc(p.Conflicts, func(a, b PathConflict) int { return strings.Compare(a.Path, b.Path) })
	return p, nil
}

// ReadBlob reads the file at path in tree.
func (r *Repo) ReadBlob(ctx context.Context, tree, path string) ([]byte, error) {
	return r.readObject(ctx, "blob", tree+":"+path)
}

// RerereIDs are the rerere conflict ids of the pick's conflicts that rerere would record or
// replay (regular files with both sides), keyed by path: the SHA-1 of the conflict hunks with
// their sides sorted and the common ancestor's lines left out, as git's rerere.c computes it from
// the file in the work tree. A conflict without markers (a binary file) has no id.
func (r *Repo) RerereIDs(ctx context.Context, p *TreePick) (map[string]string, error) {
	ids := map[string]string{}
	for _, c := range p.Conflicts {
		if !c.BothSides() {
			continue
		}
		data, err := r.ReadBlob(ctx, p.Tree, c.Path)
		if err != nil {
			return nil, err
		}
		if id, ok := RerereID(data, 7); ok {
			ids[c.Path] = id
		}
	}
	return ids, nil
}

// RerereID is the rerere id of a file with conflict markers of markerSize characters, and
// whether the file has a well-formed conflict at all (rerere.c handle_path).
func RerereID(data []byte, markerSize int) (string, bool) {
	lines := splitLines(data)
	h := sha1.New()
	i := 0
	has := false
	for i < len(lines) {
		l := lines[i]
		i++
		if isCMarker(l, '<', markerSize) {
			var out bytes.Buffer
			n, ok := rerereHunk(lines, &i, &out, markerSize, h)
			if !ok {
				return "", false
			}
			has = has || n
		}
	}
	if !has {
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// rerereHunk reads one conflict after its "<<<<<<<" line, writes its normalised form to out and
// feeds its sides to h (nil for a nested conflict) (rerere.c handle_conflict).
func rerereHunk(lines [][]byte, i *int, out *bytes.Buffer, markerSize int, h interface{ Write([]byte) (int, error) }) (bool, bool) {
	const (
		side1 = iota
		side2
		original
	)
	hunk := side1
	var one, two bytes.Buffer
	for *i < len(lines) {
		l := lines[*i]
		*i++
		switch {
		case isCMarker(l, '<', markerSize):
			var nested bytes.Buffer
			if _, ok := rerereHunk(lines, i, &nested, markerSize, nil); !ok {
				return false, false
			}
			if hunk == side1 {
				one.Write(nested.Bytes())
			} else {
				two.Write(nested.Bytes())
			}
		case isCMarker(l, '|', markerSize):
			if hunk != side1 {
				return false, false
			}
			hunk = original
		case isCMarker(l, '=', markerSize):
			if hunk != side1 && hunk != original {
				return false, false
			}
			hunk = side2
		case isCMarker(l, '>', markerSize):
			if hunk != side2 {
				return false, false
			}
			a, b := one.Bytes(), two.Bytes()
			if bytes.Compare(a, b) > 0 {
				a, b = b, a
			}
			marker := func(c byte) {
				out.Write(bytes.Repeat([]byte{c}, markerSize))
				out.WriteByte('\n')
			}
			marker('<')
			out.Write(a)
			marker('=')
			out.Write(b)
			marker('>')
			if h != nil {
				h.Write(append(slices.Clone(a), 0))
				h.Write(append(slices.Clone(b), 0))
			}
			return true, true
		case hunk == side1:
			one.Write(l)
		case hunk == side2:
			two.Write(l)
		}
	}
	return false, false
}

// isCMarker is rerere.c's is_cmarker: markerSize marker characters, then for "<" and ">" a
// space, for "|" and "=" any white space (the end of the line).
func isCMarker(l []byte, c byte, size int) bool {
	if len(l) <= size {
		return false
	}
	for k := range size {
		if l[k] != c {
			return false
		}
	}
	next := l[size]
	if (c == '<' || c == '>') && next != ' ' {
		return false
	}
	switch next {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// splitLines splits data after each newline, keeping it, as getline does.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n')
		if n < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:n+1])
		data = data[n+1:]
	}
	return lines
}

// CommitTreeAs makes a commit of tree on parent with the message and authorship of like (its
// committer too, so that no identity of the user's is needed), without moving any ref: the
// commit an in-memory pick would have made.
func (r *Repo) CommitTreeAs(ctx context.Context, tree string, parent, like plumbing.Hash) (plumbing.Hash, error) {
	return r.commitTreeLike(ctx, tree, parent, like, true)
}

// CommitPickAs makes the commit git cherry-pick makes of tree on parent: the message and the
// authorship (name, email, date) of like, and as committer the user's identity and the time now,
// as git takes them from the environment and configuration. No ref moves.
func (r *Repo) CommitPickAs(ctx context.Context, tree string, parent, like plumbing.Hash) (plumbing.Hash, error) {
	return r.commitTreeLike(ctx, tree, parent, like, false)
}

func (r *Repo) commitTreeLike(ctx context.Context, tree string, parent, like plumbing.Hash, committer bool) (plumbing.Hash, error) {
	env := slices.Clone(r.Git.Env)
	who := []string{"author"}
	if committer {
		who = append(who, "committer")
	}
	var msg []byte
	if c, err := r.ggCommit(like); err == nil {
		sigs := map[string]object.Signature{"AUTHOR": c.Author}
		if committer {
			sigs["COMMITTER"] = c.Committer
		}
		for who, sig := range sigs {
			env = append(env, "GIT_"+who+"_NAME="+sig.Name, "GIT_"+who+"_EMAIL="+sig.Email,
				fmt.Sprintf("GIT_%s_DATE=@%d %s", who, sig.When.Unix(), sig.When.Format("-0700")))
		}
		msg = []byte(c.Message)
	} else {
		out, err := r.readObject(ctx, "commit", like.String())
		if err != nil {
			return plumbing.ZeroHash, err
		}
		header, m, _ := bytes.Cut(out, []byte("\n\n"))
		msg = m
		for _, l := range strings.Split(string(header), "\n") {
			for _, who := range who {
				rest, ok := strings.CutPrefix(l, who+" ")
				if !ok {
					continue
				}
				lt, gt := strings.IndexByte(rest, '<'), strings.LastIndexByte(rest, '>')
				if lt < 0 || gt < lt {
					continue
				}
				up := strings.ToUpper(who)
				env = append(env, "GIT_"+up+"_NAME="+strings.TrimSpace(rest[:lt]), "GIT_"+up+"_EMAIL="+rest[lt+1:gt],
					"GIT_"+up+"_DATE="+strings.TrimSpace(rest[gt+1:]))
			}
		}
	}
	args := []string{"commit-tree", tree}
	if !parent.IsZero() {
		args = append(args, "-p", parent.String())
	}
	var stdout bytes.Buffer
	w := Runner{Dir: r.Git.Dir, Env: env}
	if err := w.Exec(ctx, Exec{Stdin: bytes.NewReader(msg), Stdout: &stdout}, args...); err != nil {
		return plumbing.ZeroHash, err
	}
	h := strings.TrimSpace(stdout.String())
	if !plumbing.IsHash(h) {
		return plumbing.ZeroHash, fmt.Errorf("git commit-tree printed %q", h)
	}
	return plumbing.NewHash(h), nil
}

// ggCommit reads a commit with go-git, when the repository is open in it.
func (r *Repo) ggCommit(h plumbing.Hash) (*object.Commit, error) {
	if r.gg == nil {
		return nil, errors.New("not open in go-git")
	}
	return r.gg.CommitObject(h)
}

// PlainPick reports whether a pick of commit in memory makes the commit git cherry-pick would:
// one parent, and a message in UTF-8 (git cherry-pick re-encodes another encoding's message,
// which commit-tree would copy as it is).
func (r *Repo) PlainPick(ctx context.Context, commit plumbing.Hash) bool {
	if c, err := r.ggCommit(commit); err == nil {
		enc := strings.ToLower(string(c.Encoding))
		return len(c.ParentHashes) == 1 && (enc == "" || enc == "utf-8" || enc == "utf8")
	}
	out, err := r.readObject(ctx, "commit", commit.String())
	if err != nil {
		return false
	}
	header, _, _ := bytes.Cut(out, []byte("\n\n"))
	parents := 0
	for _, l := range strings.Split(string(header), "\n") {
		if strings.HasPrefix(l, "parent ") {
			parents++
		}
		if enc, ok := strings.CutPrefix(l, "encoding "); ok && !strings.EqualFold(enc, "utf-8") && !strings.EqualFold(enc, "utf8") {
			return false
		}
	}
	return parents == 1
}

// AddedPaths lists, for each pair of trees {a, b}, the paths b has and a does not, in one git
// diff-tree --diff-filter=A.
func (r *Repo) AddedPaths(ctx context.Context, pairs [][2]string) ([][]string, error) {
	var in strings.Builder
	for _, p := range pairs {
		if !plumbing.IsHash(p[0]) || !plumbing.IsHash(p[1]) {
			return nil, fmt.Errorf("added paths: %q is not a pair of trees", p)
		}
		fmt.Fprintf(&in, "%s %s\n", p[0], p[1])
	}
	var out bytes.Buffer
	if err := r.Git.Exec(ctx, Exec{Stdin: strings.NewReader(in.String()), Stdout: &out},
		"diff-tree", "--stdin", "--always", "-r", "-z", "--no-renames", "--name-only", "--diff-filter=A"); err != nil {
		return nil, err
	}
	// Each pair's answer is its line, then its paths, each ended by NUL: the line of the next
	// pair follows the last path (or the line before, when there is none).
	added := make([][]string, len(pairs))
	k := -1
	for _, f := range strings.Split(out.String(), "\x00") {
		for k+1 < len(pairs) {
			header := pairs[k+1][0] + " " + pairs[k+1][1] + "\n"
			rest, ok := strings.CutPrefix(f, header)
			if !ok {
				break
			}
			f, k = rest, k+1
		}
		if f == "" {
			continue
		}
		if k < 0 {
			return nil, fmt.Errorf("git diff-tree --stdin printed %q before any pair", f)
		}
		added[k] = append(added[k], f)
	}
	if k != len(pairs)-1 {
		return nil, fmt.Errorf("git diff-tree --stdin answered %d of %d pairs", k+1, len(pairs))
	}
	return added, nil
}

// ResetKeep moves a detached HEAD, the index and the work tree to rev (git reset --keep): files
// that differ between HEAD and rev are updated, local changes to other files are kept, and git
// refuses (changing nothing) when a local change or an untracked file is in the way.
func (r *Repo) ResetKeep(ctx context.Context, rev plumbing.Hash) error {
	_, err := r.Git.Run(ctx, "reset", "-q", "--keep", rev.String())
	if rerr := r.Reopen(); err == nil {
		err = rerr
	}
	return err
}

// The hooks that git cherry-pick runs when it commits and git commit-tree does not.
const (
	hookPrepareCommitMsg = "prepare-commit-msg"
	hookPostCommit       = "post-commit"
)

// CommitHooks names the hooks of this repository that git cherry-pick runs when it commits
// (prepare-commit-msg, post-commit) and git commit-tree does not; "commit.gpgSign" when git
// cherry-pick would sign the commit.
func (r *Repo) CommitHooks(ctx context.Context) []string {
	var out []string
	for _, h := range []string{hookPrepareCommitMsg, hookPostCommit} {
		p, err := r.GitPath(ctx, "hooks/"+h)
		if err != nil {
			// Where the hooks are is unknown: as if they were there.
			return []string{hookPrepareCommitMsg, hookPostCommit}
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			out = append(out, h)
		}
	}
	if v, err := r.Git.Run(ctx, "config", "--type=bool", "commit.gpgSign"); err == nil && v == "true" {
		out = append(out, "commit.gpgSign")
	}
	return out
}
