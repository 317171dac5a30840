package sequence

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/git"
)

// testdata/states holds state files that releasekit wrote before the state was validated
// (stopped on a conflict, on a failed verify, in a rebase-again; a finished and an aborted
// last.json). Files from older runs must keep loading.
func readState(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "states", name+".json"))
	require.NoError(t, err)
	return b
}

func TestOlderStatesLoad(t *testing.T) {
	for _, name := range []string{"conflict", "verify", "rebase"} {
		st, err := Parse(readState(t, name))
		require.NoError(t, err, name)
		assert.NotEmpty(t, Report(st), name)
	}
	st, err := Parse(readState(t, "verify"))
	require.NoError(t, err)
	assert.Equal(t, StopVerify, st.Stop)
	assert.Equal(t, PhaseVerify, st.Phase)
	assert.NotEmpty(t, st.Steps[0].Picked, "the stopped commit the hint names")
	st, err = Parse(readState(t, "rebase"))
	require.NoError(t, err)
	assert.Equal(t, PlanRebaseAgain, st.Plan)
	assert.True(t, strings.HasPrefix(st.BackupRef, "refs/releasekit/backup/release-4.15-azure/"))

	// last.json of a finished and an aborted run: status reads them.
	sd := git.StateDir{Base: t.TempDir()}
	dir := filepath.Join(sd.Base, "sequence")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, name := range []string{"finished", "aborted"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "last.json"), readState(t, name), 0o644))
		last, err := (&Engine{sd: sd}).Last()
		require.NoError(t, err, name)
		assert.Equal(t, name, last.Ended())
		assert.NotEmpty(t, Report(last))
	}
}

// TestRangeDiffKeys: the range-diff of a finished run is written with the state's own lower-case
// keys (fork:status -json prints it), and a last.json written with Go's field names still loads.
// The state file is not HTML-escaped.
func TestRangeDiffKeys(t *testing.T) {
	older := damage(t, readState(t, "finished"), func(m map[string]any) {
		m["rangeDiff"] = []any{map[string]any{"Old": "f985c19", "New": "956b343", "Relation": "=", "Subject": "CARRY: x"}}
	})
	st, err := Parse(older)
	require.NoError(t, err)
	require.Equal(t, []git.RangeDiffEntry{{Old: "f985c19", New: "956b343", Relation: "=", Subject: "CARRY: x"}}, st.RangeDiff)
	// Saved as a person reads it: the state's keys, and "&&" as it was written.
	st.stateFile = filepath.Join(t.TempDir(), "last.json")
	require.NoError(t, st.save())
	b, err := os.ReadFile(st.stateFile)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"old": "f985c19",`)
	assert.Contains(t, string(b), `"relation": "=",`)
	assert.Contains(t, string(b), `"regen": "cd hack/assets && go run ./assets.go",`)
	again, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, st.RangeDiff, again.RangeDiff)
	assert.Equal(t, st.Regen, again.Regen)
}

// damage edits a state file as JSON.
func damage(t testing.TB, b []byte, edit func(m map[string]any)) []byte {
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// Damaged are state files the engine must refuse whole, each with the words of its error.
func Damaged(t testing.TB) map[string]struct {
	Data []byte
	Want string
} {
	good := readState(t, "conflict")
	step := func(i int, k string, v any) func(m map[string]any) {
		return func(m map[string]any) { m["steps"].([]any)[i].(map[string]any)[k] = v }
	}
	set := func(k string, v any) func(m map[string]any) { return func(m map[string]any) { m[k] = v } }
	// replayed records a run picked in memory from the state's safety.
	replayed := func(commits ...any) func(m map[string]any) {
		return func(m map[string]any) {
			m["replayed"] = map[string]any{"from": m["safety"], "commits": append([]any{}, commits...)}
		}
	}
	out := map[string]struct {
		Data []byte
		Want string
	}{
		"truncated": {good[:len(good)/2], "not a sequence state"},
		"empty":     {nil, "not a sequence state"},
		"not json":  {[]byte("<<<<<<< HEAD\n"), "not a sequence state"},
	}
	for name, c := range map[string]struct {
		edit func(map[string]any)
		want string
	}{
		"origHead missing":   {func(m map[string]any) { delete(m, "origHead") }, `origHead "" is not a commit hash`},
		"origHead empty":     {set("origHead", ""), `origHead "" is not a commit hash`},
		"origHead zero":      {set("origHead", strings.Repeat("0", 40)), "origHead is the zero hash"},
		"onto short":         {set("onto", "abc1234"), `onto "abc1234" is not a commit hash`},
		"safety upper":       {set("safety", strings.Repeat("A", 40)), "safety"},
		"current 99":         {set("current", 99), "current is 99, outside the 8 steps"},
		"current -1":         {set("current", -1), "current is -1"},
		"current past stop":  {set("current", 8), "still pending"},
		"phase unknown":      {set("phase", "merge"), `unknown phase "merge"`},
		"stop unknown":       {set("stop", "aborted"), `unknown stop "aborted"`},
		"plan unknown":       {set("plan", "rebase"), `unknown plan "rebase"`},
		"release bad":        {set("release", "4.15.1"), "invalid release"},
		"branch other":       {set("branch", "main"), `branch "main" is not the branch of release 4.15`},
		"backup outside":     {set("backupRef", "refs/heads/release-4.15-azure"), "not under refs/releasekit/backup/"},
		"step commit bad":    {step(2, "commit", "HEAD"), `steps[2].commit "HEAD"`},
		"step status bad":    {step(2, "status", "done"), `unknown status "done"`},
		"step ahead done":    {step(2, "status", "clean"), "has not got there"},
		"step result bad":    {step(0, "result", "xyz"), `steps[0].result "xyz"`},
		"steps not a list":   {set("steps", "none"), "not a sequence state"},
		"current not number": {set("current", "1"), "not a sequence state"},
		"replayed elsewhere": {set("replayed", map[string]any{"from": hash('e'), "commits": []any{hash('f')}}), "is not the safety"},
		"replayed short":     {replayed(hash('f'), "abc"), `replayed.commits[1] "abc"`},
		"replayed empty":     {replayed(), "replayed has 0 commits"},
		"replayed past end":  {replayed(hash('f'), "", "", "", "", "", "", ""), "replayed has 8 commits for the 7 steps"},
		"replayed ends bare": {replayed(hash('f'), ""), "replayed.commits[1] is missing"},
	} {
		out[name] = struct {
			Data []byte
			Want string
		}{damage(t, good, c.edit), c.want}
	}
	return out
}

func TestDamagedStatesAreRefused(t *testing.T) {
	for name, c := range Damaged(t) {
		_, err := Parse(c.Data)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), c.Want, name)
		}
	}
}

// FuzzParse: no state file makes the loader panic, and one it accepts can be shown, positioned
// and written back as it was. That a rejected one changes nothing in the repository is
// TestDamagedStateChangesNothing (engine_test.go): the controls act on no part of it.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"conflict", "verify", "rebase", "finished", "aborted"} {
		f.Add(readState(f, name))
	}
	for _, c := range Damaged(f) {
		f.Add(c.Data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := Parse(b)
		if err != nil {
			return
		}
		_ = Report(st)
		_ = Todo(st)
		_ = st.Position(st.Current)
		_ = (&Result{State: st}).Headline()
		if !st.Done() {
			_ = st.Steps[st.Current].Short()
		}
		again, err := json.Marshal(st)
		require.NoError(t, err)
		_, err = Parse(again)
		require.NoError(t, err, "an accepted state must survive its own save")
	})
}

// fork:status tells the truth after a killed run: a state that says "running" while no process
// holds the lock is an interrupted sequence.
func TestHeadline(t *testing.T) {
	st, err := Parse(readState(t, "conflict"))
	require.NoError(t, err)
	assert.Equal(t, "cherry-pick of 4.15 onto release-4.15-azure: patch 2 of 7, stopped: conflict", (&Result{State: st}).Headline())
	st.Stop = ""
	assert.Contains(t, (&Result{State: st}).Headline(), "patch 2 of 7, stopped: interrupted (the run that worked on it is gone")
	assert.Contains(t, (&Result{State: st, Running: 42}).Headline(), "patch 2 of 7, running (process 42)")
}
