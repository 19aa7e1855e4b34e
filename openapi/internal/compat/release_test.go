package compat_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

func TestCheckRelease(t *testing.T) {
	release := readFixture(t)
	breaking := strings.Replace(release, "        - message\n", "", 1)
	require.NotEqual(t, release, breaking, "the edit must apply")
	compatible := strings.Replace(release, "  version: 1.0.0\n", "  version: 1.1.0\n", 1)
	require.NotEqual(t, release, compatible, "the edit must apply")

	tests := []struct {
		name     string
		spec     string
		released map[string]string // file name in the released folder: content
		// wantErr says why the spec is not fit to commit
		wantErr      string
		wantBreaking bool
	}{
		{name: "spec unchanged since the release", spec: release, released: map[string]string{"scm-1.0.0.yaml": release}},
		{name: "compatible change", spec: compatible, released: map[string]string{"scm-1.0.0.yaml": release}},
		{
			name:         "breaking change",
			spec:         breaking,
			released:     map[string]string{"scm-1.0.0.yaml": release},
			wantErr:      "the response property `message` became optional for the status `200`",
			wantBreaking: true,
		},
		{
			name:     "release named after another version than it holds",
			spec:     release,
			released: map[string]string{"scm-2.0.0.yaml": release},
			wantErr:  "holds info.version 1.0.0, not the 2.0.0 its name says",
		},
		{name: "no release", spec: release, released: map[string]string{"notes.txt": ""}, wantErr: "no scm-<version>.yaml"},
		{name: "spec that does not load", spec: "openapi: 3.0.3\n", released: map[string]string{"scm-1.0.0.yaml": release}, wantErr: "validate spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, "scm.yaml")
			require.NoError(t, os.WriteFile(spec, []byte(tt.spec), 0o600))
			released := filepath.Join(dir, "released")
			require.NoError(t, os.Mkdir(released, 0o750))
			for name, content := range tt.released {
				require.NoError(t, os.WriteFile(filepath.Join(released, name), []byte(content), 0o600))
			}

			err := compat.CheckRelease(spec, released)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			var be *compat.BreakingError
			require.Equal(t, tt.wantBreaking, errors.As(err, &be))
			if tt.wantBreaking {
				require.Equal(t, "1.0.0", be.Version)
				require.ErrorContains(t, err, "release it as 2.0.0")
			}
		})
	}
}

// readFixture returns the fixture spec as written.
func readFixture(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(fixture)
	require.NoError(t, err)
	return string(data)
}
