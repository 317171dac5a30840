package sequence

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// Validate checks that the state is one the engine could have written: every commit a full,
// non-zero hash, the position inside the plan, the phase, stop and statuses known, and the
// steps before the current one done. The engine acts on none of a state that fails.
func (s *State) Validate() error {
	if s.Plan != PlanCherryPick && s.Plan != PlanRebaseAgain {
		return fmt.Errorf("unknown plan %q", s.Plan)
	}
	m, err := release.ParseMinor(s.Release)
	if err != nil {
		return err
	}
	if s.Branch != m.ForkBranch() {
		return fmt.Errorf("branch %q is not the branch of release %s", s.Branch, s.Release)
	}
	for _, f := range []struct {
		name, v  string
		optional bool
	}{
		{"origHead", s.OrigHead, false}, {"onto", s.Onto, false}, {"safety", s.Safety, false},
		{"seriesBase", s.SeriesBase, true}, {"seriesTip", s.SeriesTip, true},
	} {
		if err := checkHash(f.name, f.v, f.optional); err != nil {
			return err
		}
	}
	if s.BackupRef != "" && !strings.HasPrefix(s.BackupRef, "refs/releasekit/backup/") {
		return fmt.Errorf("backupRef %q is not under refs/releasekit/backup/", s.BackupRef)
	}
	if s.Current < 0 || s.Current > len(s.Steps) {
		return fmt.Errorf("current is %d, outside the %d steps", s.Current, len(s.Steps))
	}
	switch s.Phase {
	case PhasePick, PhaseRegen, PhaseVerify, PhaseAmend:
	default:
		return fmt.Errorf("unknown phase %q", s.Phase)
	}
	if !s.Stop.waits() {
		return fmt.Errorf("unknown stop %q", s.Stop)
	}
	if err := s.validateReplayed(); err != nil {
		return err
	}
	for i, st := range s.Steps {
		if err := checkHash(fmt.Sprintf("steps[%d].commit", i), st.Commit, false); err != nil {
			return err
		}
		for name, v := range map[string]string{"result": st.Result, "picked": st.Picked, "base": st.Base} {
			if err := checkHash(fmt.Sprintf("steps[%d].%s", i, name), v, true); err != nil {
				return err
			}
		}
		switch st.Status {
		case Pending, Dropped, Present:
		case Clean, Resolved, Rerere, Empty, Skipped:
			if i > s.Current || (i == s.Current && s.Phase == PhasePick) {
				return fmt.Errorf("steps[%d] is %s, but the sequence has not got there (current %d)", i, st.Status, s.Current)
			}
		default:
			return fmt.Errorf("steps[%d] has unknown status %q", i, st.Status)
		}
		if i < s.Current && st.Status == Pending {
			return fmt.Errorf("steps[%d] is still pending, but the sequence is past it (current %d)", i, s.Current)
		}
	}
	return nil
}

// validateReplayed checks a run picked in memory: it starts at Safety, in the pick phase of
// the current step, has a commit for each step it picks and none for the others, and ends with
// a commit inside the plan.
func (s *State) validateReplayed() error {
	r := s.Replayed
	if r == nil {
		return nil
	}
	if err := checkHash("replayed.from", r.From, false); err != nil {
		return err
	}
	if r.From != s.Safety {
		return fmt.Errorf("replayed.from %.7s is not the safety %.7s", r.From, s.Safety)
	}
	if s.Phase != PhasePick {
		return fmt.Errorf("a replayed run in the %s phase", s.Phase)
	}
	if len(r.Commits) == 0 || s.Current+len(r.Commits) > len(s.Steps) {
		return fmt.Errorf("replayed has %d commits for the %d steps from %d", len(r.Commits), len(s.Steps)-s.Current, s.Current)
	}
	for k, c := range r.Commits {
		st := s.Steps[s.Current+k]
		picks := st.runs() && st.Status != Skipped
		if c == "" {
			if picks || k == len(r.Commits)-1 {
				return fmt.Errorf("replayed.commits[%d] is missing", k)
			}
			continue
		}
		if !picks {
			return fmt.Errorf("replayed.commits[%d] is for a step that is not picked (%s)", k, st.Status)
		}
		if err := checkHash(fmt.Sprintf("replayed.commits[%d]", k), c, false); err != nil {
			return err
		}
	}
	return nil
}

func checkHash(name, v string, optional bool) error {
	if v == "" && optional {
		return nil
	}
	if len(v) != 40 || strings.Trim(v, "0123456789abcdef") != "" {
		return fmt.Errorf("%s %q is not a commit hash", name, v)
	}
	if strings.Trim(v, "0") == "" {
		return fmt.Errorf("%s is the zero hash", name)
	}
	return nil
}

// CorruptStateError is a state file that fails to load or to validate.
type CorruptStateError struct {
	Path string
	Err  error
}

func (e *CorruptStateError) Error() string {
	return fmt.Sprintf("the sequence state %s is damaged: %v", e.Path, e.Err)
}

func (e *CorruptStateError) Unwrap() error { return e.Err }

// ErrCorruptState is matched by every *CorruptStateError.
var ErrCorruptState = errors.New("damaged sequence state")

func (e *CorruptStateError) Is(target error) bool { return target == ErrCorruptState }

func corrupt(path string, s *State, err error) error {
	branch := "your release branch"
	if s != nil {
		if m, perr := release.ParseMinor(s.Release); perr == nil {
			branch = m.ForkBranch()
		}
	}
	return cli.Fail(&CorruptStateError{Path: path, Err: err},
		"nothing was changed: releasekit acts on no part of a damaged state, and the branch never moves before a sequence finishes",
		fmt.Sprintf("to give this sequence up: mv %s %s.damaged; then \"git cherry-pick --abort\" if git status shows one in progress, and \"git checkout -f %s\"", cli.Quote(path), cli.Quote(path), branch),
		"then start again with "+quote(cli.Cmd("fork:cherryPick", "X.Y"))+" or "+quote(cli.Cmd("fork:rebaseAgain", "X.Y"))+" (rerere remembers your resolutions)")
}

func quote(s string) string { return `"` + s + `"` }
