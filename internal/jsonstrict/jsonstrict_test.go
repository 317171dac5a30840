package jsonstrict

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type rule struct {
	Module string `json:"module,omitempty"`
	Kind   string `json:"kind"`
	Why    string `json:"-"`
	hidden bool
}

type rules struct {
	Follow []string          `json:"follow"`
	Rules  []rule            `json:"rules"`
	Labels map[string]string `json:"labels"`
	Extra  any               `json:"extra"`
}

func TestUnmarshalAccepts(t *testing.T) {
	var r rules
	require.NoError(t, Unmarshal([]byte("{\n \"follow\": [\"a/\"],\n \"rules\": [{\"module\": \"m\", \"kind\": \"skip\"}],\n \"labels\": {\"x\": \"y\"},\n \"extra\": {\"k\": [1, {\"k\": 2}]}\n}\n\n"), &r))
	require.Equal(t, rules{Follow: []string{"a/"}, Rules: []rule{{Module: "m", Kind: "skip"}}, Labels: map[string]string{"x": "y"}, Extra: map[string]any{"k": []any{1.0, map[string]any{"k": 2.0}}}}, r)
}

// What encoding/json takes and Unmarshal refuses, each with the line and the key.
func TestUnmarshalRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		line int
		key  string
		msg  string
	}{
		"second object":    {"{\"follow\": []}\n{\"follow\": [\"x/\"]}\n", 2, "", "content after the JSON value"},
		"conflict markers": {"{\"follow\": []}\n=======\n{\"follow\": [\"x/\"]}\n>>>>>>> theirs\n", 2, "", "merge-conflict markers"},
		"markers before":   {"<<<<<<< ours\n{\"follow\": []}\n", 1, "", "invalid character '<'"},
		"key case":         {"{\"rules\": [\n{\"module\": \"m\",\n \"Kind\": \"skip\"}]}", 3, "rules[0].Kind", `case-sensitive: "kind"`},
		"top key case":     {"{\"Follow\": []}", 1, "Follow", `case-sensitive: "follow"`},
		"duplicate key":    {"{\"rules\": [{\"kind\": \"skip\",\n\"kind\": \"follow\"}]}", 2, "rules[0].kind", "appears twice"},
		"duplicate top":    {"{\"follow\": [],\n\n\"follow\": [\"x/\"]}", 3, "follow", "appears twice"},
		"duplicate in map": {"{\"labels\": {\"a\": \"1\", \"a\": \"2\"}}", 1, "labels.a", "appears twice"},
		"duplicate in any": {"{\"extra\": [{\"a\": 1,\n \"a\": 2}]}", 2, "extra[0].a", "appears twice"},
		"unknown field":    {"{\"rules\": [{\"kind\": \"skip\", \"branch\": \"x\"}]}", 1, "rules[0].branch", "unknown field"},
		"tagged away":      {"{\"rules\": [{\"kind\": \"skip\", \"Why\": \"x\"}]}", 1, "rules[0].Why", "unknown field"},
		"unexported":       {"{\"rules\": [{\"hidden\": true}]}", 1, "rules[0].hidden", "unknown field"},
		"type":             {"{\n\"follow\": \"a/\"}", 2, "follow", "cannot be a []string"},
		"truncated":        {"{\"follow\": [", 1, "", "end of input"},
	} {
		t.Run(name, func(t *testing.T) {
			var r rules
			err := Unmarshal([]byte(tc.in), &r)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.line, e.Line, err.Error())
			require.Equal(t, tc.key, e.Key, err.Error())
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

// The cases above that encoding/json's Decoder, as the rules file was read, takes.
func TestEncodingJSONTakesThem(t *testing.T) {
	for _, in := range []string{"{\"follow\": []}\n=======\n", "{\"Follow\": [\"x/\"]}", "{\"follow\": [], \"follow\": [\"x/\"]}"} {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		var r rules
		require.NoError(t, dec.Decode(&r), in)
	}
}

func TestMarshalIndent(t *testing.T) {
	b, err := MarshalIndent(map[string]any{"verify": "./hack/build.sh && ./hack/go-test.sh", "subject": "<carry>", "n": 1})
	require.NoError(t, err)
	require.Equal(t, "{\n  \"n\": 1,\n  \"subject\": \"<carry>\",\n  \"verify\": \"./hack/build.sh && ./hack/go-test.sh\"\n}\n", string(b))
	_, err = MarshalIndent(func() {})
	require.Error(t, err)
}
