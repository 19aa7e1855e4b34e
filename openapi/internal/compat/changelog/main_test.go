package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixture is the frozen copy of release 1.0.0 that package compat's
// self-tests use, so that edits of openapi/scm.yaml do not change what these
// tests check.
var fixture = filepath.Join("..", "testdata", "scm.yaml")

func TestRun(t *testing.T) {
	spec := fixture
	edited := writeSpec(t, withoutRequiredMessage(t, spec))

	tests := []struct {
		name string
		args []string
		want []string
		// wantErr says why the command cannot run
		wantErr string
	}{
		{
			name: "no change",
			args: []string{spec, spec},
			want: []string{"(" + spec + ") to ", "(" + spec + "): 0, 0 breaking\n"},
		},
		{
			name: "breaking change listed",
			args: []string{spec, edited},
			want: []string{
				": 2, 1 breaking\n",
				"  - error [response-property-became-optional] POST /v2/{project_id}/scm/cert/{cert_id}/cancel-cert: the response property `message` became optional for the status `200`\n",
				"  - info [api-version-not-bumped] info:",
			},
		},
		{name: "one argument", args: []string{spec}, wantErr: "usage: changelog"},
		{name: "missing file", args: []string{spec, "nosuch.yaml"}, wantErr: "read spec"},
		{name: "no baseline here", args: nil, wantErr: "find baseline in openapi/released"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			for _, want := range tt.want {
				require.Contains(t, out.String(), want)
			}
		})
	}
}

// withoutRequiredMessage returns the spec at path with the 200 response's
// message made optional: a breaking change.
func withoutRequiredMessage(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	edited := strings.Replace(string(data), "        - message\n", "", 1)
	require.NotEqual(t, string(data), edited, "the edit must apply")
	return edited
}

func writeSpec(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scm.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
