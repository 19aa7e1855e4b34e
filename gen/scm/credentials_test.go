package scm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCredentialsValidate(t *testing.T) {
	const secret = "MFyfvK41ba2giqM7Uio6"
	tests := []struct {
		name    string
		creds   Credentials
		wantErr string // empty: valid
	}{
		{name: "valid", creds: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret)}},
		{name: "valid with all", creds: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret), SecurityToken: NewSecret("t"), ProjectID: "p"}},
		{name: "no AK", creds: Credentials{SK: NewSecret(secret)}, wantErr: "AK is empty"},
		{name: "no SK", creds: Credentials{AK: NewSecret("AK")}, wantErr: "SK is empty"},
		{name: "SK with LF", creds: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret + "\n")}, wantErr: "SK contains a control character"},
		{name: "token with CR LF", creds: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret), SecurityToken: NewSecret(secret + "\r\nX-Evil: 1")}, wantErr: "SecurityToken contains a control character"},
		{name: "project with NUL", creds: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret), ProjectID: "p\x00"}, wantErr: "ProjectID contains a control character"},
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
			want: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret), ProjectID: "p", SecurityToken: NewSecret("tok")},
		},
		{
			name: "token optional",
			env:  map[string]string{EnvAK: "AK", EnvSK: secret, EnvProjectID: "p"},
			want: Credentials{AK: NewSecret("AK"), SK: NewSecret(secret), ProjectID: "p"},
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
	require.Equal(t, Credentials{AK: NewSecret("AKFROMENV"), SK: NewSecret("skfromenv"), ProjectID: "pfromenv"}, got)
}
