package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi"
)

func TestRun(t *testing.T) {
	spec := filepath.Join("..", "..", "..", "scm.yaml")
	edited := writeSpec(t, strings.Replace(string(openapi.YAML()), "        - message\n", "", 1))

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

func writeSpec(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scm.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
