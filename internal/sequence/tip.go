package sequence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/usercmd"
	"github.com/aro-releasekit/releasekit/internal/verify"
)

// TipVerifyError refuses to port onto a branch whose own commits over upstream (the Go bump
// fork:branch makes, patches an earlier run ported) fail the verify: every patch would fail it.
type TipVerifyError struct {
	Branch, Commit, Subject string
	Log, Tail               string
}

func (e *TipVerifyError) Error() string {
	msg := fmt.Sprintf("%s fails the verify before any patch is ported: %s %s", e.Branch, short(e.Commit), e.Subject)
	if e.Tail != "" {
		msg += "\n    " + strings.ReplaceAll(e.Tail, "\n", "\n    ")
	}
	return msg
}

// verifyTip verifies the commit a cherry-pick ports onto when the branch has commits of its own
// over upstream (fork:branch's Go bump): as a patch is, in the work tree, its result kept in the
// notes so that a recorded pass skips the run. A failure refuses the start, unless upstream
// fails the verify too.
func (e *Engine) verifyTip(ctx context.Context, st *State) error {
	if st.Plan != PlanCherryPick || st.Verify == "" || st.Baseline == nil || st.Onto == st.Baseline.Commit {
		return nil
	}
	c, err := e.repo.Commit(ctx, st.Onto)
	if err != nil {
		return err
	}
	tree, err := e.repo.TreeOf(ctx, st.Onto)
	if err != nil {
		return err
	}
	tip := &Baseline{Ref: st.Branch, StepVerify: StepVerify{Commit: st.Onto, Tree: tree}}
	st.Tip = tip
	rec, ok, err := e.pool(st).Lookup(ctx, tree)
	if err != nil {
		return err
	}
	if ok {
		tip.State, tip.Host, tip.Time, tip.Seconds = VerifyCached, rec.Host, rec.Time, rec.Seconds
		e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("verify of %s before the port (%.7s %s): %s", st.Branch, st.Onto, c.Subject, cachedMsg(rec))})
		return nil
	}
	logDir := e.sd.SequenceLogs()
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	tip.Log = filepath.Join(logDir, "00-"+st.Onto[:7]+"-verify.log")
	e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("verify of %s before the port (%.7s %s): %s (log: %s)", st.Branch, st.Onto, c.Subject, st.Verify, tip.Log)})
	started := time.Now()
	res, err := usercmd.Run(ctx, usercmd.Options{Dir: e.repo.Dir, Command: st.Verify, Log: tip.Log,
		Watch: usercmd.Watch{Every: e.opts.Heartbeat, Beat: func(d time.Duration) {
			e.notify(Event{Kind: EventNote, Msg: fmt.Sprintf("still running the verify of %s (%s)", st.Branch, d.Round(time.Second))})
		}}})
	tip.Seconds = time.Since(started).Seconds()
	if ctx.Err() != nil {
		return cli.Fail(fmt.Errorf("interrupted while verifying %s before the port: %w; nothing was changed", st.Branch, ctx.Err()),
			"start again with "+quote(cli.Cmd("fork:cherryPick", st.Release)))
	}
	var ee *usercmd.ExitError
	if err != nil && !errors.As(err, &ee) {
		return err
	}
	// Nothing is recorded for a command that moved HEAD: it verified another commit.
	if head, herr := e.repo.Head(ctx); herr != nil || head != plumbing.NewHash(st.Onto) {
		return cli.Fail(fmt.Errorf("the verify command moved HEAD away from %.7s while it verified %s: nothing is recorded", st.Onto, st.Branch),
			fmt.Sprintf("check %s out again (git checkout %s), make the verify command leave HEAD alone, then start again", st.Branch, st.Branch))
	}
	passed := err == nil
	r := verify.Record{Tree: tree, Command: st.Verify, Result: verify.Fail, Seconds: tip.Seconds, Host: e.host(),
		Time: e.now().UTC().Truncate(time.Second), Commit: st.Onto, Tail: res.Tail}
	tip.State = VerifyFailed
	if passed {
		r.Result, tip.State = verify.Pass, VerifyPassed
	}
	if serr := e.pool(st).Cache().Save(context.WithoutCancel(ctx), r); serr != nil {
		e.notify(Event{Kind: EventWarn, Msg: serr.Error()})
	}
	if passed {
		return nil
	}
	if label := e.baselineLabel(ctx, st); label != "" {
		tip.Label = label
		e.notify(Event{Kind: EventWarn, Msg: fmt.Sprintf("%s fails the verify before the port, and %s; porting anyway", st.Branch, label)})
		return nil
	}
	return cli.Fail(&TipVerifyError{Branch: st.Branch, Commit: st.Onto, Subject: c.Subject, Log: tip.Log, Tail: res.Tail},
		"full log: "+tip.Log,
		fmt.Sprintf("fix it on %s (amend the Go bump, or commit the fix), then run %s again; nothing was changed", st.Branch, quote(cli.Cmd("fork:cherryPick", st.Release))),
		"or give a verify command that works with -verify='…'")
}
