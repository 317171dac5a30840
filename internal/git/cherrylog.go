package git

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// CherryCommit is a commit of LogCherry: the commit, the paths it changes and whether the
// compare revision already has the same change.
type CherryCommit struct {
	Commit
	// Paths are the paths the commit changes against its parent, sorted (as CommitPaths).
	Paths []string
	// Equivalent is true when compare has a commit with the same patch-id (git cherry's "-").
	Equivalent bool
}

// LogCherry lists the commits of base..tip as Log does (merges left out, oldest first) with the
// paths each changes and, when compare is not "", whether compare has a commit with the same
// patch-id, as `git cherry compare tip base` marks it.
//
// One `git log --cherry-mark` answers all three: patch-ids need the CLI anyway, and on a
// repository the size of the installer a go-git read costs more before its first object (it
// loads the whole pack index) than the git process costs in all.
//
// With compare set, commits that compare itself contains are left out, as git cherry leaves
// them out: they are not patches to carry to compare, they are already there.
func (r *Repo) LogCherry(ctx context.Context, base, tip, compare string) ([]CherryCommit, error) {
	for _, rev := range []string{base, tip} {
		if err := checkRev(rev); err != nil {
			return nil, err
		}
	}
	if compare != "" {
		if err := checkRev(compare); err != nil {
			return nil, err
		}
	}
	args := []string{"log", "--no-merges", "--reverse", "--topo-order", "--no-color", "--no-show-signature",
		"--no-renames", "--name-only", "-z", "--format=" + cherryLogFormat}
	if compare != "" {
		args = append(args, "--cherry-mark", "--right-only", "--end-of-options", compare+"..."+tip, "^"+base, "--")
	} else {
		args = append(args, "--end-of-options", base+".."+tip, "--")
	}
	out, err := r.Git.Output(ctx, args...)
	if err != nil {
		// Name the revision that does not resolve, as Log does.
		for _, rev := range []string{base, tip, compare} {
			if rev == "" {
				continue
			}
			if _, rerr := r.Resolve(ctx, rev); rerr != nil {
				return nil, rerr
			}
		}
		return nil, err
	}
	return parseCherryLog(out)
}

// cherryLogFormat starts each commit with RS, separates fields by NUL and ends the message with
// US; -z then puts NUL-terminated paths after it.
const cherryLogFormat = "%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%m%x00%B%x1f"

func parseCherryLog(out []byte) ([]CherryCommit, error) {
	var cs []CherryCommit
	for _, rec := range bytes.Split(out, []byte{0x1e}) {
		if len(bytes.Trim(rec, "\x00\n")) == 0 {
			continue
		}
		end := bytes.LastIndexByte(rec, 0x1f)
		if end < 0 {
			return nil, fmt.Errorf("git log: unexpected record %q", rec)
		}
		f := strings.SplitN(string(rec[:end]), "\x00", 10)
		if len(f) != 10 {
			return nil, fmt.Errorf("git log: unexpected record %q", rec)
		}
		c := CherryCommit{Commit: Commit{Hash: plumbing.NewHash(f[0]), Message: f[9], Subject: subject(f[9]),
			Author: Signature{f[2], f[3], unix(f[4])}, Committer: Signature{f[5], f[6], unix(f[7])}},
			Equivalent: f[8] == "="}
		for _, p := range strings.Fields(f[1]) {
			c.Parents = append(c.Parents, plumbing.NewHash(p))
		}
		for _, p := range bytes.Split(rec[end+1:], []byte{0}) {
			if p := strings.TrimPrefix(string(p), "\n"); p != "" {
				c.Paths = append(c.Paths, p)
			}
		}
		sort.Strings(c.Paths)
		cs = append(cs, c)
	}
	return cs, nil
}
