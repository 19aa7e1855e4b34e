package scm

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/gen/scm/secrettest"
)

// requireNoLeak renders v in every form of secrettest.Forms and checks that
// none holds any of the secrets, and that each shows Redacted instead.
func requireNoLeak(t *testing.T, v any, secrets ...string) {
	t.Helper()
	for form, out := range secrettest.Forms(v) {
		for _, s := range secrets {
			require.NotContains(t, out, s, "%T rendered as %s shows a secret", v, form)
		}
		require.Contains(t, out, Redacted, "%T rendered as %s", v, form)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	const value = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	s := NewSecret(value)
	requireNoLeak(t, s, value)
	require.Equal(t, value, s.Reveal(), "Reveal is the way to the value")
	require.Equal(t, Redacted, s.String())
	require.Equal(t, `"REDACTED"`, fmt.Sprintf("%#v", s))
	require.Equal(t, `"REDACTED"`, fmt.Sprintf("%q", s))
	require.Equal(t, "REDACTED", fmt.Sprintf("%x", s), "%%x does not hex-encode the value")
}

// TestSecretInUnexportedField checks the case fmt cannot call methods for:
// a Secret held in an unexported field prints as an address.
func TestSecretInUnexportedField(t *testing.T) {
	const value = "temporary-token-value"
	held := struct{ s Secret }{NewSecret(value)}
	for _, verb := range secrettest.Verbs {
		require.NotContains(t, fmt.Sprintf(verb, held), value, verb)
	}
}

func TestSecretEmpty(t *testing.T) {
	var s Secret
	require.True(t, s.IsZero())
	require.True(t, NewSecret("").IsZero())
	require.Empty(t, s.Reveal())
	require.Equal(t, "", fmt.Sprintf("%v", s), "an unset value shows as unset")
	data, err := json.Marshal(s)
	require.NoError(t, err)
	require.Equal(t, `""`, string(data))
}

func TestSecretEqual(t *testing.T) {
	require.True(t, NewSecret("abc-token").Equal(NewSecret("abc-token")))
	require.False(t, NewSecret("abc-token").Equal(NewSecret("abc-tokem")))
	require.False(t, NewSecret("abc-token").Equal(Secret{}))
	require.True(t, Secret{}.Equal(NewSecret("")))
}

// TestSecretCannotBeReadBack checks that a redacted document does not turn
// into a Secret holding "REDACTED": reading one fails.
func TestSecretCannotBeReadBack(t *testing.T) {
	var c Credentials
	err := json.Unmarshal([]byte(`{"sk":"REDACTED"}`), &c)
	require.ErrorContains(t, err, "cannot unmarshal")
	require.True(t, c.SK.IsZero())
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	creds := Credentials{
		AK:            NewSecret("QTWAOYTTINDUT2QVKYUC"),
		SK:            NewSecret("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"),
		SecurityToken: NewSecret("temporary-token-value"),
		ProjectID:     "77b6a44cba5143ab91d13ab9a8ff44fd",
	}
	secrets := []string{creds.AK.Reveal(), creds.SK.Reveal(), creds.SecurityToken.Reveal()}
	requireNoLeak(t, creds, secrets...)
	require.Equal(t, "{AK:REDACTED SK:REDACTED SecurityToken:REDACTED ProjectID:77b6a44cba5143ab91d13ab9a8ff44fd}", fmt.Sprintf("%+v", creds))
	require.Equal(t, `scm.Credentials{AK:"REDACTED", SK:"REDACTED", SecurityToken:"", ProjectID:""}`,
		fmt.Sprintf("%#v", Credentials{AK: NewSecret("AK"), SK: NewSecret("SK")}), "an unset token shows as unset")
	data, err := json.Marshal(creds)
	require.NoError(t, err)
	require.Equal(t, `{"ak":"REDACTED","sk":"REDACTED","security_token":"REDACTED","project_id":"77b6a44cba5143ab91d13ab9a8ff44fd"}`, string(data))
	require.False(t, strings.Contains(fmt.Sprint(&creds), creds.SK.Reveal()))
}
