package scm

import (
	"crypto/fips140"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fipsChildEnv marks the child process of TestSignFIPS140Only.
const fipsChildEnv = "SCM_TEST_FIPS140_CHILD"

// TestSignFIPS140Only runs the signer in a child process of this test
// binary with GODEBUG=fips140=only, the Go Cryptographic Module's strict
// mode, which can only be chosen when a process starts.
func TestSignFIPS140Only(t *testing.T) {
	if os.Getenv(fipsChildEnv) == "1" {
		fipsChild(t)
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again: skipped in -short mode")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestSignFIPS140Only$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", fipsChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "--- PASS: TestSignFIPS140Only", "the child ran the checks")
	for _, sub := range []string{"short_SK_is_refused", "long_SK_signs_and_verifies", "verifying_with_a_short_SK_is_refused"} {
		require.Contains(t, string(out), "--- PASS: TestSignFIPS140Only/"+sub)
	}
}

// fipsChild holds the checks that run under GODEBUG=fips140=only.
func fipsChild(t *testing.T) {
	require.True(t, fips140.Enforced(), "the child runs in FIPS 140-only mode")
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	const shortSK = "short-sk-13ch" // 13 bytes: 104 bits, under the module's 112
	newReq := func(t *testing.T) *http.Request {
		return newRequest(t, http.MethodPost, "https://scm.example/v2/p/scm/cert/c/cancel-cert", nil, nil)
	}

	t.Run("short SK is refused", func(t *testing.T) {
		// crypto/hmac.New panics on such a key in this mode; Sign must
		// return an error and leave the request unsigned and unchanged.
		req := newReq(t)
		var err error
		require.NotPanics(t, func() { err = Sign(req, testAK, shortSK, at) })
		require.ErrorIs(t, err, ErrKeyRefused)
		require.ErrorContains(t, err, "at least 14 bytes (112 bits)")
		require.NotContains(t, err.Error(), shortSK)
		require.Empty(t, req.Header.Get("Authorization"), "no signature")
		require.Empty(t, req.Header.Get(HeaderSdkDate), "the request is left as it was")
	})

	t.Run("long SK signs and verifies", func(t *testing.T) {
		req := newReq(t)
		require.NoError(t, Sign(req, testAK, testSK, at))
		require.True(t, strings.HasPrefix(req.Header.Get("Authorization"), Algorithm+" Access="+testAK))
		require.NoError(t, VerifySignature(req, nil, testSecrets, at, 0))
	})

	t.Run("verifying with a short SK is refused", func(t *testing.T) {
		req := newReq(t)
		require.NoError(t, Sign(req, testAK, testSK, at))
		var err error
		require.NotPanics(t, func() {
			err = VerifySignature(req, nil, func(string) (string, bool) { return shortSK, true }, at, 0)
		})
		require.ErrorIs(t, err, ErrKeyRefused)
		require.False(t, errors.Is(err, ErrSignatureMismatch), "the key was refused, not compared")
	})
}
