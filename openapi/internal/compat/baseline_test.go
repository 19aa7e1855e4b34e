package compat_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

func TestBaselineFile(t *testing.T) {
	tests := []struct {
		name        string
		files       []string
		wantVersion string
		// wantErr says why the folder is not a usable baseline
		wantErr string
	}{
		{name: "one release", files: []string{"scm-1.2.0.yaml"}, wantVersion: "1.2.0"},
		{name: "other files ignored", files: []string{"scm-2.0.0.yaml", "notes.txt"}, wantVersion: "2.0.0"},
		{name: "no release", files: []string{"notes.txt"}, wantErr: "no scm-<version>.yaml"},
		{name: "two releases", files: []string{"scm-1.0.0.yaml", "scm-2.0.0.yaml"}, wantErr: "2 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, f), nil, 0o600))
			}

			path, version, err := compat.BaselineFile(dir)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, "find baseline in "+dir)
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantVersion, version)
			require.Equal(t, filepath.Join(dir, "scm-"+tt.wantVersion+".yaml"), path)
		})
	}
}

func TestExplainNamesTheNextMajorVersion(t *testing.T) {
	tests := []struct {
		version string
		want    string
	}{
		{version: "1.0.0", want: "release it as 2.0.0"},
		{version: "2.3.1", want: "release it as 3.0.0"},
		{version: "v1.4.0", want: "release it as 2.0.0"},
		{version: "2026-06-01", want: "release it as <next major version>"},
		{version: "latest", want: "release it as <next major version>"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			msg := compat.Explain(nil, "openapi/scm.yaml", "openapi/released/scm-"+tt.version+".yaml", tt.version)
			require.Contains(t, msg, tt.want)
		})
	}
}
