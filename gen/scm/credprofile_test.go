package scm

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeFile writes content to a new file in a temporary folder.
func writeFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// noEnv is a Lookup with no variables set.
func noEnv(string) (string, bool) { return "", false }

func TestProfileProvider(t *testing.T) {
	const secretSK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	tests := []struct {
		name        string
		content     string // "" : no file
		wantAK      string
		wantProject string
		wantToken   string
		wantLack    string // the error wraps ErrNoCredentials and says this
		wantErr     string // another error, saying this
	}{
		{name: "complete", content: "[basic]\nak = QTWAOYTTINDUT2QVKYUC\nsk = " + secretSK + "\nproject_id = p1\nsecurity_token = tok==\n",
			wantAK: "QTWAOYTTINDUT2QVKYUC", wantProject: "p1", wantToken: "tok=="},
		{name: "comments, quotes, other sections, CRLF and a BOM",
			content: "\uFEFF; profile\r\n[other]\r\nak = NOTTHISONE\r\n# basic below\r\n[ basic ]\r\nak=\"QTWAOYTTINDUT2QVKYUC\"\r\nsk='" + secretSK + "'\r\n",
			wantAK:  "QTWAOYTTINDUT2QVKYUC"},
		{name: "a repeated key keeps its last value", content: "[basic]\nak = FIRST\nak = QTWAOYTTINDUT2QVKYUC\nsk = " + secretSK + "\n", wantAK: "QTWAOYTTINDUT2QVKYUC"},
		{name: "no file", wantLack: "no such file"},
		{name: "no [basic] section", content: "[default]\nak = A\nsk = B\n", wantLack: "no [basic] section"},
		{name: "ak and sk missing", content: "[basic]\nproject_id = p1\n", wantLack: "[basic] lacks ak, sk"},
		{name: "sk empty", content: "[basic]\nak = A\nsk =\n", wantLack: "[basic] lacks sk"},
		// Present but broken: reported, not skipped.
		{name: "a line that is not INI", content: "[basic]\nak = A\n" + secretSK + "\n", wantErr: "line 3: not a section, a comment or key = value"},
		{name: "an unclosed section", content: "[basic\n", wantErr: "line 1: a section header lacks its closing ']'"},
		{name: "an inline comment is part of the value", content: "[basic]\nak = A # mine\nsk = " + secretSK + "\n", wantErr: "AK contains a space or a comma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "absent")
			if tt.content != "" {
				path = writeFile(t, tt.content)
			}
			creds, expires, err := ProfileProvider{Path: path}.Retrieve(context.Background())
			switch {
			case tt.wantLack != "":
				require.ErrorIs(t, err, ErrNoCredentials)
				require.ErrorContains(t, err, "profile "+path+": "+tt.wantLack)
			case tt.wantErr != "":
				require.Error(t, err)
				require.NotErrorIs(t, err, ErrNoCredentials, "a broken file is not skipped")
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), secretSK)
			default:
				require.NoError(t, err)
				require.Equal(t, tt.wantAK, creds.AK.Reveal())
				require.Equal(t, secretSK, creds.SK.Reveal())
				require.Equal(t, tt.wantProject, creds.ProjectID)
				require.Equal(t, tt.wantToken, creds.SecurityToken.Reveal())
				require.True(t, expires.IsZero(), "a profile's credentials do not expire")
			}
		})
	}
}

// TestProfileProviderPath: HUAWEICLOUD_SDK_CREDENTIALS_FILE, else
// ~/.huaweicloud/credentials.
func TestProfileProviderPath(t *testing.T) {
	named := writeFile(t, "[basic]\nak = FROMVARIABLE\nsk = secret-key-value-1\n")
	creds, _, err := ProfileProvider{Lookup: func(k string) (string, bool) {
		return named, k == EnvCredentialsFile
	}}.Retrieve(context.Background())
	require.NoError(t, err)
	require.Equal(t, "FROMVARIABLE", creds.AK.Reveal())

	home := t.TempDir()
	t.Setenv("HOME", home)
	_, _, err = ProfileProvider{Lookup: noEnv}.Retrieve(context.Background())
	require.ErrorIs(t, err, ErrNoCredentials)
	require.ErrorContains(t, err, filepath.Join(home, ".huaweicloud", "credentials")+": no such file")

	require.NoError(t, os.MkdirAll(filepath.Join(home, ".huaweicloud"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".huaweicloud", "credentials"),
		[]byte("[basic]\nak = FROMHOME\nsk = secret-key-value-2\n"), 0o600))
	creds, _, err = ProfileProvider{Lookup: noEnv}.Retrieve(context.Background())
	require.NoError(t, err)
	require.Equal(t, "FROMHOME", creds.AK.Reveal())
}
