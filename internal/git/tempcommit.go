package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/proc"
)

// The temporary commits of a pick in memory (mergetree.go): git merge-tree takes commits, so
// each pick makes one of the onto tree (two for a root commit). Their text is fixed by the tree,
// the parents and tempIdentity, so instead of a git commit-tree per pick, one
// `git hash-object -w -t commit --stdin-paths --no-filters` per Repo writes them: it reads a
// path a line, and prints and flushes the name of the object it wrote from that file. The file
// is one per writer, unlinked as soon as it is created and handed to git as its descriptor 3
// (/dev/fd/3), so neither a cancelled context nor a killed run leaves it behind; the writer
// itself exits at the end of its input, when its Repo is closed, idle, collected, or the process
// that started it is gone. git still writes every object (the project's rule): the writer only
// spares the process starts. Where the writer cannot be used (it fails on its first commit, a
// tree or parent it is not given as a full hash, one that the object reader does not find)
// commit-tree writes the commit, as before, and says what is wrong.

// Who signs the temporary commits, and their message: they are never referenced, so no identity
// of the user's is needed (or recorded).
const (
	tempName    = "releasekit"
	tempEmail   = "releasekit@localhost"
	tempDate    = "1000000000 +0000"
	tempMessage = "releasekit: in-memory pick"
)

// tempIdentity is the environment of the commit-tree that writes a temporary commit.
var tempIdentity = []string{
	"GIT_AUTHOR_NAME=" + tempName, "GIT_AUTHOR_EMAIL=" + tempEmail, "GIT_AUTHOR_DATE=@" + tempDate,
	"GIT_COMMITTER_NAME=" + tempName, "GIT_COMMITTER_EMAIL=" + tempEmail, "GIT_COMMITTER_DATE=@" + tempDate,
}

// tempConfig keeps i18n.commitEncoding from adding an "encoding" header to a temporary commit,
// so that commit-tree writes the bytes the writer does whatever the user's configuration.
var tempConfig = []string{"i18n.commitEncoding", "UTF-8"}

// writerIdle is how long a writer nobody asks anything stays (as the object reader's batchIdle).
var writerIdle = 10 * time.Second

// writerAsked, when set, is called between a request and the reading of its answer (tests).
var writerAsked func()

// writerDisabled makes every temporary commit a git commit-tree (tests).
var writerDisabled bool

var writerArgs = []string{"hash-object", "-w", "-t", "commit", "--stdin-paths", "--no-filters"}

// writerPath is where the writer finds the commit text: its descriptor 3, the unlinked file.
var writerPath = "/dev/fd/3"

// tempCommitText is the commit git commit-tree writes of tree with parents under tempIdentity
// and tempConfig, with -m tempMessage.
func tempCommitText(tree string, parents []string) []byte {
	var b bytes.Buffer
	b.WriteString("tree " + tree + "\n")
	for _, p := range parents {
		b.WriteString("parent " + p + "\n")
	}
	ident := tempName + " <" + tempEmail + "> " + tempDate
	b.WriteString("author " + ident + "\ncommitter " + ident + "\n\n" + tempMessage + "\n")
	return b.Bytes()
}

// tempCommit writes the temporary commit of tree with parents and returns its name: through the
// writer when it can, with git commit-tree otherwise.
func (r *Repo) tempCommit(ctx context.Context, tree string, parents ...string) (string, error) {
	if !writerDisabled {
		ok, err := r.tempInputsExist(ctx, tree, parents)
		if err != nil {
			return "", err
		}
		if ok {
			h, err := r.writer().write(ctx, r.Git, tempCommitText(tree, parents))
			if err == nil || ctx.Err() != nil {
				return h, err
			}
			// The writer failed: commit-tree writes this one (and the next request starts
			// another writer, unless this one never wrote anything).
		}
	}
	return r.commitTreeTemp(ctx, tree, parents)
}

// commitTreeTemp is git commit-tree of the temporary commit.
func (r *Repo) commitTreeTemp(ctx context.Context, tree string, parents []string) (string, error) {
	args := []string{"commit-tree", "-m", tempMessage}
	for _, p := range parents {
		args = append(args, "-p", p)
	}
	var out bytes.Buffer
	w := Runner{Dir: r.Git.Dir, Env: append(slices.Clone(r.Git.Env), tempIdentity...)}
	if err := w.Exec(ctx, Exec{Stdout: &out, Config: tempConfig}, append(args, tree)...); err != nil {
		return "", err
	}
	return strings.TrimRight(out.String(), "\n"), nil
}

// tempInputsExist reports whether tree is a tree and each parent a commit, every one named by a
// full lowercase hash, as the object reader finds them: what commit-tree checks before it
// writes, and hash-object does not (a commit whose tree is missing is a broken object to git
// fsck). false sends the commit to commit-tree, which says what is wrong; an error is a
// cancelled context.
func (r *Repo) tempInputsExist(ctx context.Context, tree string, parents []string) (bool, error) {
	check := func(name, typ string) (bool, error) {
		if !plumbing.IsHash(name) || plumbing.NewHash(name).String() != name {
			return false, nil
		}
		a, err := r.batchRead(ctx, "info", name)
		if err != nil {
			return false, ctx.Err()
		}
		return a.Found() && a.Type == typ, nil
	}
	ok, err := check(tree, "tree")
	for _, p := range parents {
		if !ok || err != nil {
			break
		}
		ok, err = check(p, "commit")
	}
	return ok, err
}

// commitWriter owns a Repo's hash-object process. Its zero value is ready; requests are
// serialised.
type commitWriter struct {
	mu   sync.Mutex
	p    *writerProc
	idle *time.Timer
	// off says why the writer is not used: it failed before it wrote its first commit (it will
	// not do better the next time), so commit-tree writes them all.
	off error
}

// writerProc is one running `git hash-object --stdin-paths`.
type writerProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *tailBuffer
	// file is the commit text, the writer's descriptor 3; it has no name.
	file *os.File
	dir  string
	env  []string
	// wrote is set by its first commit.
	wrote bool
}

// writer is r's commitWriter, made on first use; a Repo that is never closed has its process
// ended when the Repo is collected (and by the idle timer before that).
func (r *Repo) writer() *commitWriter {
	r.writerOnce.Do(func() {
		w := &commitWriter{}
		r.commits = w
		runtime.AddCleanup(r, func(w *commitWriter) { w.close() }, w)
	})
	return r.commits
}

// write has the writer write the commit text and returns its name.
func (w *commitWriter) write(ctx context.Context, run Runner, text []byte) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return "", &CommandError{Args: writerArgs, Dir: run.Dir, ExitCode: -1, Err: err}
	}
	if w.off != nil {
		return "", w.off
	}
	if w.p != nil && (w.p.dir != run.Dir || !slices.Equal(w.p.env, run.Env)) {
		// The Repo's environment changed (EnableRerere): git writes objects where its
		// environment says, so start again with the new one.
		w.stop()
	}
	if w.p == nil {
		if err := w.start(run); err != nil {
			w.off = err
			return "", err
		}
	}
	p := w.p
	// A cancelled write kills the writer, which may be half way through an answer.
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { proc.KillGroup(p.cmd); close(killed) })
	h, err := p.write(text)
	if !stop() {
		<-killed
		return "", w.fail(p, fmt.Errorf("%w (the writer was stopped)", ctx.Err()))
	}
	if err != nil {
		err = w.fail(p, err)
		if !p.wrote {
			w.off = err
		}
		return "", err
	}
	p.wrote = true
	if w.idle == nil {
		w.idle = time.AfterFunc(writerIdle, w.close)
	} else {
		w.idle.Reset(writerIdle)
	}
	return h, nil
}

func (w *commitWriter) start(run Runner) error {
	fail := func(err error) error {
		return &CommandError{Args: writerArgs, Dir: run.Dir, ExitCode: -1, Err: err}
	}
	f, err := os.CreateTemp("", "releasekit-commit-")
	if err != nil {
		return fail(err)
	}
	// Unlinked at once: git reads it through its descriptor, and nothing is left to remove.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return fail(err)
	}
	cmd := run.command(context.Background(), Exec{}, writerArgs...)
	cmd.ExtraFiles = []*os.File{f}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		f.Close()
		return fail(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		f.Close()
		stdin.Close()
		return fail(err)
	}
	tail := &tailBuffer{max: 64 << 10}
	cmd.Stderr = tail
	if err := cmd.Start(); err != nil {
		f.Close()
		stdin.Close()
		stdout.Close()
		return fail(err)
	}
	w.p = &writerProc{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout), stderr: tail, file: f,
		dir: run.Dir, env: slices.Clone(run.Env)}
	return nil
}

// fail stops the writer p (when it is still the running one) and returns err as the writer's
// error: the command, the directory and what git said.
func (w *commitWriter) fail(p *writerProc, err error) error {
	if w.p == p {
		proc.KillGroup(p.cmd)
		w.stop()
	}
	if said := strings.TrimSpace(p.stderr.String()); said != "" {
		err = fmt.Errorf("%w; git said: %s", err, said)
	}
	return &CommandError{Args: writerArgs, Dir: p.dir, ExitCode: -1, Err: err}
}

// stop ends the running writer: end of input, which it answers by exiting, then wait.
func (w *commitWriter) stop() {
	if w.p == nil {
		return
	}
	w.p.stdin.Close()
	w.p.cmd.Wait()
	w.p.file.Close()
	w.p = nil
}

// close ends the writer; the next request starts another.
func (w *commitWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stop()
	if w.idle != nil {
		w.idle.Stop()
	}
}

// write puts text in the file, asks the writer to write it and checks that the object it wrote
// is that text.
func (p *writerProc) write(text []byte) (string, error) {
	if _, err := p.file.WriteAt(text, 0); err != nil {
		return "", err
	}
	if err := p.file.Truncate(int64(len(text))); err != nil {
		return "", err
	}
	// Where /dev/fd/3 is the same open file (not Linux, whose open starts at 0), git reads
	// from this offset.
	if _, err := p.file.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	if _, err := io.WriteString(p.stdin, writerPath+"\n"); err != nil {
		return "", fmt.Errorf("the writer exited: %w", err)
	}
	if writerAsked != nil {
		writerAsked()
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the writer exited")
		}
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	if want := plumbing.ComputeHash(plumbing.CommitObject, text).String(); line != want {
		return "", fmt.Errorf("git wrote %q, not the commit %s", line, want)
	}
	return line, nil
}
