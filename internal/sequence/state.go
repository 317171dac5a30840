// Package sequence is the resumable engine that replays carry patches one step at a time,
// verifying after each, and stops for the engineer when a patch needs a hand.
//
// It keeps its state the way git's sequencer does: a todo list, the branch and HEAD it started
// from, and the HEAD it last left (abort safety), all under the repository's git dir, written
// atomically after every step so that a crash at any point resumes with fork:continue.
package sequence

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/rerere"
)

// Status is what happened to one patch, in the words of the report.
type Status string

const (
	Pending  Status = "pending"
	Clean    Status = "clean"
	Resolved Status = "resolved by you"
	Rerere   Status = "resolved by rerere"
	Dropped  Status = "dropped (already upstream)"
	Empty    Status = "empty"
	Skipped  Status = "skipped"
	// Present: the branch already has this patch (ported by an earlier run).
	Present Status = "already on the branch"
)

// runs reports whether a step is picked at all (not dropped up front).
func (s Step) runs() bool { return s.Status != Dropped && s.Status != Present }

// Phase is the next thing to do for the current step.
type Phase string

const (
	PhasePick   Phase = "pick"
	PhaseRegen  Phase = "regenerate"
	PhaseVerify Phase = "verify"
	PhaseAmend  Phase = "amend"
)

// StopReason says why a sequence waits for the engineer, or how it ended.
type StopReason string

const (
	// StopConflict: the pick conflicted; resolve, git add, continue.
	StopConflict StopReason = "conflict"
	// StopVerify: the verify command failed; fix, git add, continue (the fix is amended).
	StopVerify StopReason = "verify failed"
	// StopRegen: the regenerate command failed.
	StopRegen StopReason = "regenerate failed"
	// StopInTheWay: git refused the pick because files in the work tree would be overwritten.
	StopInTheWay StopReason = "files in the way"
	// StopInterrupted: the run was interrupted (Ctrl-C, SIGTERM, a timeout) or killed.
	StopInterrupted StopReason = "interrupted"
	// StopHeadMoved: HEAD moved while a verify or regenerate command ran.
	StopHeadMoved StopReason = "HEAD moved"
	// StopAborted marks a sequence ended by fork:abort (in last.json only).
	StopAborted StopReason = "aborted"
)

// waits reports whether a stopped sequence may carry this reason in its state file.
func (r StopReason) waits() bool {
	switch r {
	case "", StopConflict, StopVerify, StopRegen, StopInTheWay, StopInterrupted, StopHeadMoved:
		return true
	}
	return false
}

// The plans.
const (
	PlanCherryPick  = "cherry-pick"
	PlanRebaseAgain = "rebase-again"
)

// Step is one carry patch of the plan.
type Step struct {
	Commit  string `json:"commit"`
	Subject string `json:"subject"`
	Kind    string `json:"kind"`
	// Assets marks the assets commit: regenerate, amend, verify after picking.
	Assets bool   `json:"assets,omitempty"`
	Status Status `json:"status"`
	// Result is the new commit, once the step is done and kept.
	Result string `json:"result,omitempty"`
	// Picked is the commit the step's regenerate or verify runs on: the pick's, or the assets
	// commit once amended.
	Picked      string   `json:"picked,omitempty"`
	Conflicts   []string `json:"conflicts,omitempty"`
	RerereFiles []string `json:"rerere,omitempty"`
	// Resolutions say where each resolution rerere replayed came from: your rr-cache, or the
	// shared one (fork:sync) and its commit.
	Resolutions   []rerere.Use `json:"resolutions,omitempty"`
	VerifySeconds float64      `json:"verifySeconds,omitempty"`
	// Base is the commit the patch was picked onto.
	Base string `json:"base,omitempty"`
	// Lost are upstream lines a conflict resolution removed (see LostLine).
	Lost    []LostLine `json:"lost,omitempty"`
	Amended bool       `json:"amended,omitempty"`
	Note    string     `json:"note,omitempty"`
	// Verify is where the patch's verify stands (queued, running, passed, cached, failed).
	Verify *StepVerify `json:"verify,omitempty"`
	// Ahead is the commit a parallel run made for this patch past a failed verify.
	Ahead *Ahead `json:"ahead,omitempty"`
}

// Short is the abbreviated original commit.
func (s Step) Short() string { return s.Commit[:7] }

// State is a sequence in progress, as stored on disk.
type State struct {
	// Plan is "cherry-pick" or "rebase-again"; Release is X.Y.
	Plan    string `json:"plan"`
	Release string `json:"release"`
	// Branch is the branch being built; it moves only when the sequence finishes.
	Branch string `json:"branch"`
	// OrigHead is where Branch was at the start; Onto the commit the patches go onto.
	OrigHead string `json:"origHead"`
	Onto     string `json:"onto"`
	// SeriesBase..SeriesTip is the series being replayed, for the range-diff of the report.
	SeriesBase string `json:"seriesBase"`
	SeriesTip  string `json:"seriesTip"`
	// RangeDiff compares the old series with the new one once the sequence has finished.
	RangeDiff []git.RangeDiffEntry `json:"rangeDiff,omitempty"`
	// BackupRef, when set, records OrigHead under refs/releasekit/backup/.
	BackupRef string `json:"backupRef,omitempty"`
	Verify    string `json:"verify"`
	Regen     string `json:"regen"`
	// Changes are the verify and regenerate commands given to fork:continue or fork:skip in
	// place of those the sequence started with, in order.
	Changes []CommandChange `json:"changes,omitempty"`
	// Jobs is how many verifies run at once in worktrees (1: after each pick, in the work tree).
	Jobs int `json:"jobs,omitempty"`
	// Reverify runs every verify even where the notes record a pass.
	Reverify bool `json:"reverify,omitempty"`
	// Baseline is the verify of the bare upstream the patches go onto.
	Baseline *Baseline `json:"baseline,omitempty"`
	// Tip is the verify of the commit a cherry-pick ports onto, when the branch has commits of
	// its own over upstream (fork:branch's Go bump); Ref is the branch.
	Tip   *Baseline `json:"tip,omitempty"`
	Steps []Step    `json:"steps"`
	// Current is the index of the step in progress (len(Steps) when finished), Phase what is
	// next for it.
	Current int   `json:"current"`
	Phase   Phase `json:"phase"`
	// Safety is the HEAD the engine last left behind: the previous step's result.
	Safety string `json:"safety"`
	// Replayed is a run of patches picked in memory, recorded before the work tree moves from
	// Safety to their last commit: a run killed in between goes on from either end.
	Replayed *Replayed `json:"replayed,omitempty"`
	// Stop is set while the sequence waits for the engineer.
	Stop     StopReason `json:"stop,omitempty"`
	StopLog  string     `json:"stopLog,omitempty"`
	Started  time.Time  `json:"started"`
	Finished time.Time  `json:"finished,omitzero"`
	// AbortedWork keeps the commits an aborted sequence had made (refs/releasekit/aborted/...).
	AbortedWork string `json:"abortedWork,omitempty"`
	// BranchMoved is where an aborted sequence found Branch when someone else had moved it
	// during the sequence: it was left there.
	BranchMoved string `json:"branchMoved,omitempty"`
	stateFile   string
}

// Replayed is a run of consecutive clean patches committed in memory (git merge-tree and
// commit-tree) onto From, the sequence's Safety, before the work tree is moved to them.
type Replayed struct {
	From string `json:"from"`
	// Commits are the new commits of the steps from Current on, one a step; "" for a step
	// that is not picked (dropped up front or skipped). The last one is the tip.
	Commits []string `json:"commits"`
}

// Tip is the last commit of the run.
func (r *Replayed) Tip() string {
	for i := len(r.Commits) - 1; i >= 0; i-- {
		if r.Commits[i] != "" {
			return r.Commits[i]
		}
	}
	return ""
}

// CommandChange is a verify or regenerate command replaced during the sequence.
type CommandChange struct {
	// What is "verify" or "regenerate"; From and To the commands ("" is none).
	What string `json:"what"`
	From string `json:"from"`
	To   string `json:"to"`
	// At is the position of the patch the sequence was at (the first one the new command runs
	// for, unless it had passed that phase).
	At   int       `json:"at"`
	Time time.Time `json:"time"`
}

// Done reports whether every step has run.
func (s *State) Done() bool { return s.Current >= len(s.Steps) }

// Active counts the steps that are not dropped up front.
func (s *State) Active() int {
	n := 0
	for _, st := range s.Steps {
		if st.runs() {
			n++
		}
	}
	return n
}

// Position is the 1-based position of step i among the active steps.
func (s *State) Position(i int) int {
	n := 0
	for j := 0; j <= i && j < len(s.Steps); j++ {
		if s.Steps[j].runs() {
			n++
		}
	}
	return n
}

// ErrNoSequence is returned when there is no sequence to continue, skip, abort or show.
var ErrNoSequence = errors.New("no releasekit sequence in progress")

// Load reads the state in sd (git.StateDir.SequenceState) and validates all of it before anyone acts on any of it. A state
// file that does not hold a sequence the engine could have written is a *CorruptStateError,
// which says how to get out; nothing in the repository has been changed at that point.
func Load(sd git.StateDir) (*State, error) {
	p := sd.SequenceState()
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, cli.Fail(ErrNoSequence, "start one with "+quote(cli.Cmd("fork:cherryPick", "X.Y"))+" or "+quote(cli.Cmd("fork:rebaseAgain", "X.Y")))
	}
	if err != nil {
		return nil, err
	}
	s, err := Parse(b)
	if err != nil {
		return nil, corrupt(p, s, err)
	}
	s.stateFile = p
	return s, nil
}

// Parse decodes and validates a state file's content. On a validation error the decoded state
// is returned too (for the branch name in the hints); on a decoding error it is nil.
func Parse(b []byte) (*State, error) {
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("not a sequence state (%w)", err)
	}
	if err := s.Validate(); err != nil {
		return &s, err
	}
	return &s, nil
}

func loadFile(p string) (*State, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read sequence state %s: %w", p, err)
	}
	s.stateFile = p
	return &s, nil
}

// save writes the state atomically: a killed process leaves the old state or the new one,
// never half. Like git's own sequencer files it is not fsynced: what it guards against is a
// killed run, and an fsync per step costs more than the pick itself on slow disks.
func (s *State) save() error {
	b, err := jsonstrict.MarshalIndent(s)
	if err != nil {
		return err
	}
	return fsutil.WriteFileWith(s.stateFile, b, 0o644, fsutil.Options{NoSync: true})
}
