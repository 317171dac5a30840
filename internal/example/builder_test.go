package example

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A builder's commit is one git process unless a file git does not know of may be there: a
// commit of edits and removals is commit -a, a commit with a new file adds everything first.
// Each commit holds every change of the work tree, and the dates go up by commit.
func TestRepoCommitStartsOneGitForEdits(t *testing.T) {
	root := t.TempDir()
	clock := int64(epoch)
	r := &repo{ctx: context.Background(), dir: root, clock: &clock}
	r.git("init", "-q", "-b", "main")
	started := traceGit(t)
	seen := 0
	commit := func(subject string, want ...string) {
		t.Helper()
		r.commit(subject)
		require.NoError(t, r.err)
		all := started()
		var got []string
		for _, s := range all[seen:] {
			f := strings.Fields(s)
			got = append(got, strings.Join(f[:min(len(f), 2)], " "))
		}
		seen = len(all)
		assert.Equal(t, want, got, "git commands of %q", subject)
	}
	r.write(map[string]string{"a.txt": "a\n", "d/b.sh": "#!/bin/sh\n"})
	commit("new files", "add -A", "commit -q")
	r.edit("a.txt", "a", "A")
	r.write(map[string]string{"d/b.sh": "#!/bin/sh\necho b\n"})
	commit("edits", "commit -q")
	r.write(map[string]string{"d/b.sh": ""})
	commit("a removal", "commit -q")
	r.write(map[string]string{"a.txt": "again\n", "c.txt": "c\n"})
	commit("an edit and a new file", "add -A", "commit -q")
	r.edit("c.txt", "c", "C")
	commit("an edit after the add", "commit -q")

	assert.Empty(t, gitOut(t, root, "status", "--porcelain"))
	assert.Equal(t, "A\n", gitOut(t, root, "show", "HEAD~3:a.txt")+"\n")
	assert.Equal(t, "a.txt", gitOut(t, root, "ls-tree", "--name-only", "-r", "HEAD~2"))
	assert.Equal(t, "a.txt\nc.txt", gitOut(t, root, "ls-tree", "--name-only", "-r", "HEAD"))
	assert.Equal(t, "100755", strings.Fields(gitOut(t, root, "ls-tree", "HEAD~4", "d/b.sh"))[0])
	dates := strings.Fields(gitOut(t, root, "log", "--reverse", "--format=%ct"))
	for i := 1; i < len(dates); i++ {
		assert.Less(t, dates[i-1], dates[i], "dates go up")
	}
}
