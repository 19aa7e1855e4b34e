package scm

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSignRefusesHeaderNamesThatAreNotTokens is the regression test of a
// FuzzSign finding (testdata/fuzz/FuzzSign/header-name-not-a-token): for
// an X- header whose name is not an HTTP token, such as X-", http.Header
// keeps the name as written but looks up the lower-case name signed in
// SignedHeaders as another key, so Sign signed an empty value while the
// request held another one, and changing that value did not break the
// signature. Such a header cannot be sent anyway; Sign now refuses it.
// The Kelvin sign (U+212A) is among them: Unicode lower-casing turned
// X-\u212a into the token x-k, whose value http.Header does not hold.
func TestSignRefusesHeaderNamesThatAreNotTokens(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, name := range []string{`X-"`, "X-a(b)", "X-a/b", "X-a@b", "X-{}", "X-é", "X-a=b", "X-[x]", `X-a\b`, "X-a?", "X-\u212a"} {
		t.Run(name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, "https://scm.example/x", nil, map[string]string{name: "v"})
			err := Sign(req, testAK, testSK, at)
			require.ErrorContains(t, err, "scm: sign request: invalid signed header name", "%q is not a token", name)
		})
	}
	t.Run("tokens with punctuation are signed", func(t *testing.T) {
		req := newRequest(t, http.MethodGet, "https://scm.example/x", nil, map[string]string{"X-A!#$%&'*+.^_`|~1": "v"})
		require.NoError(t, Sign(req, testAK, testSK, at))
		require.NoError(t, VerifySignature(req, nil, testSecrets, at, 0))
	})
	t.Run("verifier refuses such a name", func(t *testing.T) {
		req := newRequest(t, http.MethodGet, "https://scm.example/x", nil, nil)
		require.NoError(t, Sign(req, testAK, testSK, at))
		req.Header.Set("Authorization", Algorithm+" Access="+testAK+
			`, SignedHeaders=host;x-";x-sdk-date, Signature=`+strings.Repeat("0", 64))
		err := VerifySignature(req, nil, testSecrets, at, 0)
		require.ErrorIs(t, err, ErrSignatureMalformed, "a name that is not a token is malformed")
		require.ErrorContains(t, err, `invalid signed header name "x-\""`)
	})
}
