package usercmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A failing command: its exit code, the last lines of its log, with no secret in them, and the
// whole output in the log.
func TestFailureKeepsTheLogAndRedactsTheTail(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "verify.log")
	cmd := `for i in $(seq 1 30); do echo line $i; done; echo "fetch https://bot:ghp_t0ken@example.com/x.git" >&2; exit 3`
	for _, logPath := range []string{log, ""} {
		res, err := Run(context.Background(), Options{Dir: dir, Command: cmd, Log: logPath})
		var ee *ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.Code)
		assert.True(t, strings.HasSuffix(err.Error(), ` exited with 3`), err.Error())
		assert.NotContains(t, err.Error(), "ghp_t0ken")
		lines := strings.Split(res.Tail, "\n")
		assert.Len(t, lines, TailLines)
		assert.Equal(t, "line 12", lines[0])
		assert.Equal(t, "fetch https://REDACTED@example.com/x.git", lines[len(lines)-1])
		assert.NotContains(t, res.Tail, "ghp_t0ken")
	}
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Contains(t, string(b), "line 1\n", "the log keeps everything")
	assert.Equal(t, Tail(log, 2), "line 30\nfetch https://REDACTED@example.com/x.git")
}

func TestSecretsInTheCommandStayOutOfItsError(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Command: "exit 1 # https://u:s3cret@example.com"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
}

// A heartbeat comes every interval while the command runs, each later than the one before.
func TestHeartbeat(t *testing.T) {
	var beats []time.Duration
	res, err := Run(context.Background(), Options{Dir: t.TempDir(), Command: "sleep 0.5", Log: filepath.Join(t.TempDir(), "l"),
		Watch: Watch{Every: 20 * time.Millisecond, Beat: func(d time.Duration) { beats = append(beats, d) }}})
	require.NoError(t, err)
	require.NotEmpty(t, beats)
	for i := 1; i < len(beats); i++ {
		assert.Greater(t, beats[i], beats[i-1])
	}
	assert.GreaterOrEqual(t, res.Elapsed, beats[len(beats)-1])
}

// Stream gets every line, whole, prefixed, scrubbed, in order, the last one even without a newline.
func TestStream(t *testing.T) {
	var out bytes.Buffer
	log := filepath.Join(t.TempDir(), "l")
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Log: log,
		Command: `printf 'one\ntw'; sleep 0.1; printf 'o\nhttps://u:pw@h/\n'; echo err >&2; printf last`,
		Watch:   Watch{Stream: &out, Prefix: "[2/7] "}})
	require.NoError(t, err)
	assert.Equal(t, "[2/7] one\n[2/7] two\n[2/7] https://REDACTED@h/\n[2/7] err\n[2/7] last\n", out.String())
	b, _ := os.ReadFile(log)
	assert.Equal(t, "one\ntwo\nhttps://u:pw@h/\nerr\nlast", string(b), "the log is the raw output")
}

// A failing stream never fails the command.
func TestBrokenStream(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Command: "echo a; echo b", Watch: Watch{Stream: failWriter{}}})
	require.NoError(t, err)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

// Cancelling stops the command (its group) and says so.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	_, err := Run(ctx, Options{Dir: t.TempDir(), Command: "sleep 30",
		Watch: Watch{Every: 10 * time.Millisecond, Beat: func(time.Duration) { once.Do(cancel) }}})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCannotRun(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "missing"), Command: "true"})
	require.Error(t, err)
	var ee *ExitError
	assert.False(t, errors.As(err, &ee))
}
