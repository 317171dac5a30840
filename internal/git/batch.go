package git

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/aro-releasekit/releasekit/internal/proc"
)

// The object reader: one `git cat-file --batch-command` per Repo answers the reads that would
// otherwise start a git process each (resolve a revision, the tree of a commit, a file at a
// commit, one commit). A process start costs more CPU than most of these answers; a port asks
// thousands of them.
//
// It stays correct across CLI writes without a restart: git reads a loose ref from its file on
// every lookup (and packed-refs again when its stat changed), and when it misses an object it
// re-scans the pack directory and forgets its list of loose objects (reprepare_packed_git; the
// list is what an abbreviated hash is looked up in) before it says "missing".
// TestBatchSeesWritesAndRepacks checks each.

// batchIdle is how long a reader nobody asks anything stays: a Repo that is never closed (tests
// open many; a long port leaves one idle while a verify runs) leaves no git process waiting
// for longer, and the next read starts another (one process, where each read used to be one).
var batchIdle = 10 * time.Second

// batchAsked, when set, is called between a request and the reading of its answer (tests).
var batchAsked func()

// batchDisabled makes every read start a git process of its own, as on a git older than 2.36
// (tests).
var batchDisabled bool

// batchRefused is set when the git on PATH refused cat-file --batch-command (a git older than
// 2.36, which came without it): every read of the process then starts a command of its own.
// The reader is started without asking git version first (a process each run, where most runs
// have a git that knows the option); the first refusal is remembered instead.
var batchRefused atomic.Bool

// gitMinor is the version of the git on PATH (major, minor; 0, 0 when unknown), asked once per
// process, and only by what needs it: merge-tree --merge-base (mergeBaseOption), the prunable
// marks of git worktree list (pruneWouldForget).
var gitMinor = sync.OnceValues(func() (int, int) {
	out, err := Runner{}.Run(context.Background(), "version")
	if err != nil {
		return 0, 0
	}
	major, minor, _ := gitVersion(out)
	return major, minor
})

// haveBatchCommand reports whether reads go through the reader: not when the git on PATH has
// refused cat-file --batch-command.
func haveBatchCommand() bool {
	return !batchDisabled && !batchRefused.Load()
}

// refusedBatchCommand reports whether the reader p, which exited before its first answer, is a
// git that does not know --batch-command: parse-options says "error: unknown option
// `batch-command'" and the usage, and exits with 129, before reading anything.
func refusedBatchCommand(p *batchProc) bool {
	st := p.cmd.ProcessState
	return st != nil && st.ExitCode() == 129 && strings.Contains(p.stderr.String(), "unknown option `batch-command'")
}

// errNoBatch is a request the reader cannot take (an older git, an object name that is not one
// line): the caller starts today's one-shot command instead.
var errNoBatch = errors.New("no batch reader")

// batchAnswer is the reader's answer to one request.
type batchAnswer struct {
	// Missing is git's "<object> missing" (no such object, or a path not in the tree, or a
	// revision that does not peel to the type asked); Ambiguous its "<object> ambiguous".
	Missing, Ambiguous bool
	Hash               plumbing.Hash
	Type               string
	// Content is the object (contents requests only).
	Content []byte
}

// Found reports an object.
func (a batchAnswer) Found() bool { return !a.Missing && !a.Ambiguous }

// batchReader owns a Repo's cat-file process. Its zero value is ready; requests are serialised.
type batchReader struct {
	mu   sync.Mutex
	p    *batchProc
	idle *time.Timer
}

// batchProc is one running `git cat-file --batch-command`.
type batchProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *tailBuffer
	dir    string
	env    []string
	// answered is set at the first answer: a reader that exits before it may be a git that
	// refused the option.
	answered bool
}

var batchArgs = []string{"cat-file", "--batch-command"}

// reader is r's batchReader, made on first use; a Repo that is never closed has its process
// ended when the Repo is collected (and by the idle timer before that).
func (r *Repo) reader() *batchReader {
	r.batchOnce.Do(func() {
		b := &batchReader{}
		r.batch = b
		runtime.AddCleanup(r, func(b *batchReader) { b.close() }, b)
	})
	return r.batch
}

// batchRead asks r's reader one request: cmd is "info" or "contents". errNoBatch asks the
// caller for its one-shot command; any other error is the reader's (it is stopped, and the next
// request starts another).
func (r *Repo) batchRead(ctx context.Context, cmd, object string) (batchAnswer, error) {
	// git reads the object name to the end of the line and drops a trailing CR; a name it
	// would read differently goes to a command of its own.
	if object == "" || strings.ContainsAny(object, "\n\r\x00") || strings.TrimSpace(object) != object || !haveBatchCommand() {
		return batchAnswer{}, errNoBatch
	}
	return r.reader().request(ctx, r.Git, cmd, object)
}

func (b *batchReader) request(ctx context.Context, run Runner, cmd, object string) (batchAnswer, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return batchAnswer{}, &CommandError{Args: batchArgs, Dir: run.Dir, ExitCode: -1, Err: err}
	}
	if b.p != nil && (b.p.dir != run.Dir || !slices.Equal(b.p.env, run.Env)) {
		// The Repo's environment changed (EnableRerere): git reads objects as its
		// environment says, so start again with the new one.
		b.stop()
	}
	if b.p == nil {
		if err := b.start(run); err != nil {
			return batchAnswer{}, err
		}
	}
	p := b.p
	// A cancelled read kills the reader, which is then half way through an answer.
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { proc.KillGroup(p.cmd); close(killed) })
	a, err := p.ask(cmd, object)
	if !stop() {
		<-killed
		return batchAnswer{}, b.fail(p, fmt.Errorf("%w (the reader was stopped)", ctx.Err()))
	}
	if err != nil {
		err = b.fail(p, err)
		if !p.answered && refusedBatchCommand(p) {
			batchRefused.Store(true)
			return batchAnswer{}, errNoBatch
		}
		return batchAnswer{}, err
	}
	p.answered = true
	if b.idle == nil {
		b.idle = time.AfterFunc(batchIdle, b.close)
	} else {
		b.idle.Reset(batchIdle)
	}
	return a, nil
}

func (b *batchReader) start(run Runner) error {
	cmd := run.command(context.Background(), Exec{}, batchArgs...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		stdin.Close()
		return err
	}
	tail := &tailBuffer{max: 64 << 10}
	cmd.Stderr = tail
	if err := cmd.Start(); err != nil {
		stdin.Close()
		stdout.Close()
		return &CommandError{Args: batchArgs, Dir: run.Dir, ExitCode: -1, Err: err}
	}
	b.p = &batchProc{cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 64<<10), stderr: tail,
		dir: run.Dir, env: slices.Clone(run.Env)}
	return nil
}

// fail stops the reader p (when it is still the running one) and returns err as the reader's
// error: the command, the directory and what git said.
func (b *batchReader) fail(p *batchProc, err error) error {
	if b.p == p {
		proc.KillGroup(p.cmd)
		b.stop()
	}
	if said := strings.TrimSpace(p.stderr.String()); said != "" {
		err = fmt.Errorf("%w; git said: %s", err, said)
	}
	return &CommandError{Args: batchArgs, Dir: p.dir, ExitCode: -1, Err: err}
}

// stop ends the running reader: end of input, which it answers by exiting, then wait.
func (b *batchReader) stop() {
	if b.p == nil {
		return
	}
	b.p.stdin.Close()
	b.p.cmd.Wait()
	b.p = nil
}

// close ends the reader; the next request starts another.
func (b *batchReader) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stop()
	if b.idle != nil {
		b.idle.Stop()
	}
}

// ask writes one request and reads its answer.
func (p *batchProc) ask(cmd, object string) (batchAnswer, error) {
	if _, err := io.WriteString(p.stdin, cmd+" "+object+"\n"); err != nil {
		return batchAnswer{}, fmt.Errorf("the reader exited: %w", err)
	}
	if batchAsked != nil {
		batchAsked()
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the reader exited")
		}
		return batchAnswer{}, fmt.Errorf("%s %s: %w", cmd, object, err)
	}
	line = strings.TrimSuffix(line, "\n")
	switch line {
	case object + " missing":
		return batchAnswer{Missing: true}, nil
	case object + " ambiguous":
		return batchAnswer{Ambiguous: true}, nil
	}
	f := strings.Fields(line)
	var size int64 = -1
	if len(f) == 3 {
		size, _ = strconv.ParseInt(f[2], 10, 64)
	}
	if len(f) != 3 || !plumbing.IsHash(f[0]) || size < 0 {
		return batchAnswer{}, fmt.Errorf("%s %s: unexpected answer %q", cmd, object, line)
	}
	a := batchAnswer{Hash: plumbing.NewHash(f[0]), Type: f[1]}
	if cmd != "contents" {
		return a, nil
	}
	buf := make([]byte, size+1)
	if _, err := io.ReadFull(p.out, buf); err != nil {
		return batchAnswer{}, fmt.Errorf("%s %s: the reader exited after %d of %d bytes: %w", cmd, object, len(buf), size, err)
	}
	if buf[size] != '\n' {
		return batchAnswer{}, fmt.Errorf("%s %s: the object does not end where its size says", cmd, object)
	}
	a.Content = buf[:size]
	return a, nil
}

// tailBuffer keeps the last max bytes written to it (the reader's stderr, which it writes
// while it runs: warnings, then why it died).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// peel resolves rev to an object of type typ ("commit", "tree") through the reader: found is
// false when git has no such object, err is a reader failure (errNoBatch: use the command).
func (r *Repo) peel(ctx context.Context, rev, typ string) (h plumbing.Hash, found bool, err error) {
	a, err := r.batchRead(ctx, "info", rev+"^{"+typ+"}")
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	if !a.Found() {
		return plumbing.ZeroHash, false, nil
	}
	return a.Hash, true, nil
}

// revParse is `git rev-parse --verify --quiet rev^{typ}`, through the reader when it can.
func (r *Repo) revParse(ctx context.Context, rev, typ string) (plumbing.Hash, error) {
	h, found, err := r.peel(ctx, rev, typ)
	switch {
	case err == nil && found:
		return h, nil
	case err == nil:
		return plumbing.ZeroHash, fmt.Errorf("%w %s", ErrUnknownRevision, rev)
	case !errors.Is(err, errNoBatch):
		return plumbing.ZeroHash, err
	}
	args := []string{"rev-parse", "--verify", "--quiet"}
	if typ == "commit" {
		args = append(args, "--end-of-options")
	}
	out, err := r.Git.Run(ctx, append(args, rev+"^{"+typ+"}")...)
	if err != nil || !plumbing.IsHash(out) {
		if ctx.Err() != nil {
			return plumbing.ZeroHash, err
		}
		return plumbing.ZeroHash, fmt.Errorf("%w %s", ErrUnknownRevision, rev)
	}
	return plumbing.NewHash(out), nil
}

// readObject is `git cat-file TYPE object` (a blob at tree:path, a commit), through the reader
// when it can. A missing object, or one of another type, is ErrPathNotFound for a blob and
// ErrUnknownRevision otherwise.
func (r *Repo) readObject(ctx context.Context, typ, object string) ([]byte, error) {
	a, err := r.batchRead(ctx, "contents", object)
	if err == nil {
		if a.Found() && a.Type == typ {
			return a.Content, nil
		}
		if typ == "blob" {
			return nil, fmt.Errorf("%s: %w", object, ErrPathNotFound)
		}
		return nil, fmt.Errorf("%w %s", ErrUnknownRevision, object)
	}
	if !errors.Is(err, errNoBatch) {
		return nil, err
	}
	out, err := r.Git.Output(ctx, "cat-file", typ, object)
	if err != nil && typ == "blob" && ctx.Err() == nil {
		return nil, fmt.Errorf("%w: %w", ErrPathNotFound, err)
	}
	return out, err
}

// readCommit reads the commit h as git log would print it, in one request to the reader. A
// commit whose message is in another encoding than UTF-8 is read with git log, which re-encodes
// it; errNoBatch when the reader cannot be asked.
func (r *Repo) readCommit(ctx context.Context, h plumbing.Hash) (Commit, *object.Commit, error) {
	a, err := r.batchRead(ctx, "contents", h.String())
	if err != nil {
		return Commit{}, nil, err
	}
	if !a.Found() || a.Type != "commit" {
		return Commit{}, nil, fmt.Errorf("%w %s: not a commit", ErrUnknownRevision, h)
	}
	c, err := decodeCommit(a.Content)
	if err != nil {
		return Commit{}, nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	if enc := strings.ToLower(string(c.Encoding)); enc != "" && enc != "utf-8" && enc != "utf8" {
		return Commit{}, c, errNoBatch
	}
	out := fromObject(c)
	// As git log's %at and %ct: the instant, in the local zone.
	out.Author.When = time.Unix(c.Author.When.Unix(), 0)
	out.Committer.When = time.Unix(c.Committer.When.Unix(), 0)
	return out, c, nil
}

// decodeCommit decodes a raw commit object with go-git's own decoder.
func decodeCommit(raw []byte) (*object.Commit, error) {
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.CommitObject)
	if _, err := o.Write(raw); err != nil {
		return nil, err
	}
	c := &object.Commit{}
	if err := c.Decode(o); err != nil {
		return nil, err
	}
	return c, nil
}
