package assess

import (
	"testing"

	"github.com/aro-releasekit/releasekit/internal/git/gittest"
)

// TestMain: no git maintenance process after each of the tests' commits (gittest.NoMaintenance).
func TestMain(m *testing.M) { gittest.Main(m) }
