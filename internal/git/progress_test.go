package git

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCommandErrorLeavesGitsProgressOut(t *testing.T) {
	e := &CommandError{Args: []string{"cherry-pick", "abc"}, Dir: "/r", ExitCode: 1,
		Stderr: "Performing inexact rename detection:  15% (1/7)\rPerforming inexact rename detection: 100% (7/7), done.\n" +
			"error: could not apply abc... subject\nhint: after resolving the conflicts\n"}
	assert.Equal(t, "git cherry-pick abc (in /r): error: could not apply abc... subject\nhint: after resolving the conflicts", e.Error())
	e.Stderr = "fatal: 100% sure\n"
	assert.Equal(t, "git cherry-pick abc (in /r): fatal: 100% sure", e.Error())
}
