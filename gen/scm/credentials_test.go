package scm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	creds := Credentials{
		AK:            "QTWAOYTTINDUT2QVKYUC",
		SK:            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
		SecurityToken: "temporary-token-value",
		ProjectID:     "77b6a44cba5143ab91d13ab9a8ff44fd",
	}
	jsonBytes, err := json.Marshal(creds)
	require.NoError(t, err)
	var textLog, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("creds", "c", creds)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("creds", "c", creds)
	wrapped := struct{ C Credentials }{creds}

	forms := map[string]string{
		"String":        creds.String(),
		"GoString":      creds.GoString(),
		"%v":            fmt.Sprintf("%v", creds),
		"%+v":           fmt.Sprintf("%+v", creds),
		"%#v":           fmt.Sprintf("%#v", creds),
		"%s":            fmt.Sprintf("%s", creds),
		"%q":            fmt.Sprintf("%q", creds),
		"%x":            fmt.Sprintf("%x", creds),
		"pointer %v":    fmt.Sprintf("%v", &creds),
		"in struct %+v": fmt.Sprintf("%+v", wrapped),
		"json":          string(jsonBytes),
		"slog text":     textLog.String(),
		"slog json":     jsonLog.String(),
	}
	for name, out := range forms {
		t.Run(name, func(t *testing.T) {
			require.NotContains(t, out, creds.SK)
			require.NotContains(t, out, creds.SecurityToken)
			require.NotContains(t, out, creds.AK)
			require.Contains(t, out, "QTWA", "the start of AK helps to tell keys apart")
			require.Contains(t, out, creds.ProjectID)
		})
	}
	require.Equal(t, "{AK:QTWA**** SK:<redacted> SecurityToken:<redacted> ProjectID:77b6a44cba5143ab91d13ab9a8ff44fd}", creds.String())
	require.Equal(t, `scm.Credentials{AK:"<redacted>", SK:"", SecurityToken:"", ProjectID:""}`,
		Credentials{AK: "SHORT"}.GoString(), "a short AK is hidden whole; empty secrets show as empty")
	require.Equal(t, "{AK: SK: SecurityToken: ProjectID:}", Credentials{}.String(), "nothing set shows as empty")
}

func TestCredentialsValidate(t *testing.T) {
	const secret = "MFyfvK41ba2giqM7Uio6"
	tests := []struct {
		name    string
		creds   Credentials
		wantErr string // empty: valid
	}{
		{name: "valid", creds: Credentials{AK: "AK", SK: secret}},
		{name: "valid with all", creds: Credentials{AK: "AK", SK: secret, SecurityToken: "t", ProjectID: "p"}},
		{name: "no AK", creds: Credentials{SK: secret}, wantErr: "AK is empty"},
		{name: "no SK", creds: Credentials{AK: "AK"}, wantErr: "SK is empty"},
		{name: "SK with LF", creds: Credentials{AK: "AK", SK: secret + "\n"}, wantErr: "SK contains a control character"},
		{name: "token with CR LF", creds: Credentials{AK: "AK", SK: secret, SecurityToken: secret + "\r\nX-Evil: 1"}, wantErr: "SecurityToken contains a control character"},
		{name: "project with NUL", creds: Credentials{AK: "AK", SK: secret, ProjectID: "p\x00"}, wantErr: "ProjectID contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.creds.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, "scm: invalid credentials: "+tt.wantErr)
			require.NotContains(t, err.Error(), secret)
		})
	}
}

// mapLookup turns a map into an os.LookupEnv replacement.
func mapLookup(env map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		v, ok := env[key]
		return v, ok
	}
}

func TestCredentialsFromLookup(t *testing.T) {
	const secret = "MFyfvK41ba2giqM7Uio6"
	tests := []struct {
		name    string
		env     map[string]string
		want    Credentials
		wantErr string
	}{
		{
			name: "all set",
			env:  map[string]string{EnvAK: "AK", EnvSK: secret, EnvProjectID: "p", EnvSecurityToken: "tok"},
			want: Credentials{AK: "AK", SK: secret, ProjectID: "p", SecurityToken: "tok"},
		},
		{
			name: "token optional",
			env:  map[string]string{EnvAK: "AK", EnvSK: secret, EnvProjectID: "p"},
			want: Credentials{AK: "AK", SK: secret, ProjectID: "p"},
		},
		{
			name:    "all required missing at once",
			env:     map[string]string{EnvSecurityToken: "tok"},
			wantErr: "scm: credentials from environment: missing HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID",
		},
		{
			name:    "empty counts as missing",
			env:     map[string]string{EnvAK: "AK", EnvSK: "", EnvProjectID: ""},
			wantErr: "missing HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID",
		},
		{
			name:    "control character",
			env:     map[string]string{EnvAK: "AK", EnvSK: secret + "\n", EnvProjectID: "p"},
			wantErr: "scm: credentials from environment: invalid credentials: SK contains a control character",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CredentialsFromLookup(mapLookup(tt.env))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), secret)
				require.Equal(t, Credentials{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	t.Setenv(EnvAK, "AKFROMENV")
	t.Setenv(EnvSK, "skfromenv")
	t.Setenv(EnvProjectID, "pfromenv")
	t.Setenv(EnvSecurityToken, "")
	got, err := CredentialsFromEnv()
	require.NoError(t, err)
	require.Equal(t, Credentials{AK: "AKFROMENV", SK: "skfromenv", ProjectID: "pfromenv"}, got)
}
