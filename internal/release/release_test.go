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
	assert.Equal(t, Patch{Minor: Minor{4, 15}, Patch: 23}, p)
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
		if p, err := ParseVersion(s); err == nil && p.String() != s {
			t.Fatalf("ParseVersion(%q) round-trips to %q", s, p.String())
		}
	})
}

func TestParseVersionCandidates(t *testing.T) {
	good := map[string]Patch{
		"4.15.3":      {Minor: Minor{4, 15}, Patch: 3},
		"4.20.0-rc.3": {Minor: Minor{4, 20}, Patch: 0, Pre: "rc.3"},
		"4.20.0-ec.2": {Minor: Minor{4, 20}, Patch: 0, Pre: "ec.2"},
		"4.14.0-fc.1": {Minor: Minor{4, 14}, Patch: 0, Pre: "fc.1"},
	}
	for in, want := range good {
		got, err := ParseVersion(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
		assert.Equal(t, in, got.String())
	}
	for _, in := range []string{"4.15", "v4.20.0", "4.20.0-rc", "4.20.0-rc.03", "4.20.0-alpha.1", "4.20.0-rc.1+build",
		"04.20.0", "4.20.0-rc.1;id", "4.20.0-RC.1", "4.20.0-rc.1.2", " 4.20.0", "4.20.0-"} {
		_, err := ParseVersion(in)
		require.Error(t, err, "%q", in)
		assert.Contains(t, err.Error(), "X.Y.Z-rc.N", in)
	}
	// X.Y.Z stays strict for ParsePatch: a candidate is not a patch release there.
	_, err := ParsePatch("4.20.0-rc.3")
	require.Error(t, err)
}

func TestCompareCandidates(t *testing.T) {
	order := []string{"4.19.24", "4.20.0-ec.2", "4.20.0-rc.1", "4.20.0-rc.3", "4.20.0", "4.20.1"}
	for i := 1; i < len(order); i++ {
		a, err := ParseVersion(order[i-1])
		require.NoError(t, err)
		b, err := ParseVersion(order[i])
		require.NoError(t, err)
		assert.Negative(t, Compare(a, b), "%s < %s", a, b)
		assert.Positive(t, Compare(b, a))
		assert.Zero(t, Compare(a, a))
	}
	rc, _ := ParseVersion("4.20.0-rc.3")
	assert.Equal(t, "candidate-4.20", rc.Channel())
	ga, _ := ParseVersion("4.20.0")
	assert.Equal(t, "stable-4.20", ga.Channel())
}
