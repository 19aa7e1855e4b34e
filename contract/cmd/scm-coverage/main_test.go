package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fixture and golden reports of package coverage, and today's corpus.
const (
	fixture       = "../../internal/coverage/testdata"
	todaysCorpus  = "../../testdata/recordings"
	fixtureSpec   = fixture + "/spec.yaml"
	fixtureCorpus = fixture + "/recordings"
)

func runCmd(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(args, &out, &errOut)
	return out.String(), err
}

// TestFixture checks that the command prints the report of package
// coverage as it is, in both formats.
func TestFixture(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		golden string
	}{
		{"markdown by default", nil, "report.md"},
		{"json", []string{"-format", "json"}, "report.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(fixture, tc.golden))
			require.NoError(t, err)
			out, err := runCmd(t, append([]string{"-spec", fixtureSpec, "-recordings", fixtureCorpus}, tc.args...)...)
			require.NoError(t, err, "without -strict a gap is reported, not an error")
			require.Equal(t, string(want), out)
		})
	}
}

func TestStrict(t *testing.T) {
	t.Run("a documented status without a valid recording fails", func(t *testing.T) {
		out, err := runCmd(t, "-spec", fixtureSpec, "-recordings", fixtureCorpus, "-strict")
		// The fixture documents 500 and holds no recording of it.
		require.ErrorIs(t, err, errGaps)
		require.ErrorContains(t, err, "documented statuses without a valid recording: CancelCert 500")
		require.Contains(t, out, "## Contract coverage", "the report is printed all the same")
	})
	t.Run("today's corpus backs every documented status", func(t *testing.T) {
		out, err := runCmd(t, "-recordings", todaysCorpus, "-strict")
		require.NoError(t, err)
		require.Contains(t, out, "(CancelCert)")
		require.Contains(t, out, "Every documented status has a valid recording.")
	})
}

// TestTodaysCorpus runs the command on the recordings as they are, with the
// embedded spec, and checks that the JSON counts every file.
func TestTodaysCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(todaysCorpus, "*.json"))
	require.NoError(t, err)
	out, err := runCmd(t, "-recordings", todaysCorpus, "-format", "json", "-baseline", todaysCorpus)
	require.NoError(t, err)
	var r struct {
		Recordings struct {
			Total int `json:"total"`
		} `json:"recordings"`
		Operations []struct {
			ID string `json:"id"`
		} `json:"operations"`
		BaselineGiven bool `json:"baseline_given"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, len(files), r.Recordings.Total)
	require.Len(t, r.Operations, 1)
	require.Equal(t, "CancelCert", r.Operations[0].ID)
	require.True(t, r.BaselineGiven)
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // why it must fail
	}{
		{"unknown format", []string{"-format", "xml"}, `-format "xml": want markdown or json`},
		{"stray argument", []string{"extra"}, "unexpected arguments: extra"},
		{"missing spec file", []string{"-spec", "no-such-spec.yaml"}, "read spec"},
		{"a spec that does not load", []string{"-spec", filepath.Join(fixtureCorpus, "mock-403.json")}, "spec"},
		{"a recording that does not read", []string{"-recordings", "testdata-bad"}, "read recording"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
	}
	bad := filepath.Join(t.TempDir(), "testdata-bad")
	require.NoError(t, os.Mkdir(bad, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bad, "x.json"), []byte(`{"name": "x", "oops": 1}`), 0o644))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.args[0] == "-recordings" {
				args = []string{"-recordings", bad}
			}
			out, err := runCmd(t, args...)
			require.ErrorContains(t, err, tc.want)
			require.False(t, errors.Is(err, errGaps))
			require.Empty(t, out, "nothing printed on bad input")
		})
	}
}
