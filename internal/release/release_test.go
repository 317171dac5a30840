package release

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMinor(t *testing.T) {
	good := map[string]Minor{"4.15": {4, 15}, "4.0": {4, 0}, "10.2": {10, 2}, "0.1": {0, 1}}
	for in, want := range good {
		got, err := ParseMinor(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
		assert.Equal(t, in, got.String())
	}
	for _, in := range []string{"", "4", "v4.15", "4.15.x", "04.15", "4.015", "4.15;rm -rf /", " 4.15", "4.15 ", "4.15.3", "4..15", "4.-1", "99999.1", "4.15\n"} {
		_, err := ParseMinor(in)
		require.Error(t, err, "%q", in)
		assert.Contains(t, err.Error(), "want X.Y, for example 4.15", in)
	}
}

func TestParsePatch(t *testing.T) {
	p, err := ParsePatch("4.15.23")
	require.NoError(t, err)
	assert.Equal(t, Patch{Minor{4, 15}, 23}, p)
	assert.Equal(t, "4.15.23", p.String())
	assert.Equal(t, "4.15", p.Minor.String())
	for _, in := range []string{"4.15", "4.15.x", "v4.15.3", "4.15.03", "4.15.3-rc.1", "4.15.3;id"} {
		_, err := ParsePatch(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), "want X.Y.Z, for example 4.15.3")
	}
}

func TestBranchesAndNeighbours(t *testing.T) {
	m := Minor{4, 15}
	assert.Equal(t, "release-4.15", m.UpstreamBranch())
	assert.Equal(t, "release-4.15-azure", m.ForkBranch())
	assert.Equal(t, "stable-4.15", m.Channel())
	assert.Equal(t, Minor{4, 16}, m.Next())
	prev, err := m.Previous()
	require.NoError(t, err)
	assert.Equal(t, Minor{4, 14}, prev)

	_, err = Minor{4, 0}.Previous()
	require.ErrorIs(t, err, ErrNoPreviousMinor)
	assert.Contains(t, err.Error(), "4.0")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"4.15", "4.15.3", "04.15", "4.15;rm -rf /", "v4.15", "0.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseMinor(s); err == nil {
			// Whatever parses must print back to exactly the input: no lenient reading.
			if m.String() != s {
				t.Fatalf("ParseMinor(%q) round-trips to %q", s, m.String())
			}
			if strings.ContainsAny(s, " ;$`/\\\n") {
				t.Fatalf("ParseMinor accepted shell or path characters in %q", s)
			}
		}
		if p, err := ParsePatch(s); err == nil && p.String() != s {
			t.Fatalf("ParsePatch(%q) round-trips to %q", s, p.String())
		}
	})
}
