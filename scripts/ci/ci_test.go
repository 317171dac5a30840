package ci

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/require"
)

// lintWorkflow runs actionlint (pinned in go.mod, also `go tool actionlint`) on one file; shell
// steps are checked with shellcheck too when it is installed.
func lintWorkflow(t *testing.T, path string) []*actionlint.Error {
	t.Helper()
	opts := &actionlint.LinterOptions{LogWriter: io.Discard, WorkingDir: t.TempDir()}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = p
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	require.NoError(t, err)
	errs, err := l.LintFile(path, nil)
	require.NoError(t, err)
	return errs
}

// TestCIWorkflowsLint lints every workflow example in this folder (scripts/ci) with actionlint.
func TestCIWorkflowsLint(t *testing.T) {
	files, err := filepath.Glob("*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			for _, e := range lintWorkflow(t, f) {
				t.Errorf("%s:%d:%d: %s [%s]", f, e.Line, e.Column, e.Message, e.Kind)
			}
		})
	}
}

// The lint is not a formality: a workflow with a typo in an expression and a matrix read from a
// job it does not need fails it.
func TestCIWorkflowLintCatchesMistakes(t *testing.T) {
	good, err := os.ReadFile("verify-carries.yml")
	require.NoError(t, err)
	bad := strings.Replace(string(good), "needs: plan\n", "needs: build\n", 1)
	bad = strings.Replace(bad, "${{ matrix.commit }}", "${{ matrix.commit }", 1)
	path := filepath.Join(t.TempDir(), "bad.yml")
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
	errs := lintWorkflow(t, path)
	require.GreaterOrEqual(t, len(errs), 2, "%v", errs)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Message)
	}
	joined := strings.Join(msgs, "\n")
	require.Contains(t, joined, "plan")
}
