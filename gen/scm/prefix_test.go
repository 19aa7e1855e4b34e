package scm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestErrorsStartWithPackageName calls each hand-written function of the
// package so that it fails, and checks that the error says it comes from
// package scm. The reasons returned by CheckContentType, ParseContentType,
// UnmarshalJSON and DecodeJSON are quoted inside other errors (the
// client's and the contract validator's) and the generated client's
// errors are the generator's, so they are not listed here.
func TestErrorsStartWithPackageName(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	signed := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "https://scm.example/v2/p/scm/cert/c/cancel-cert", nil)
	require.NoError(t, Sign(signed, testAK, testSK, time.Now()))
	noSecret := func(string) (string, bool) { return "", false }

	tests := []struct {
		name string
		// call fails, for the reason its name gives
		call func() error
	}{
		{"NewCertClient: server URL without scheme", func() error {
			_, err := NewCertClient("scm.example")
			return err
		}},
		{"NewCertClient: credentials without SK", func() error {
			_, err := NewCertClient("https://scm.example", WithAKSK(Credentials{AK: NewSecret(testAK)}))
			return err
		}},
		{"NewCertClient: empty token", func() error {
			_, err := NewCertClient("https://scm.example", WithToken(""))
			return err
		}},
		{"NewCertClient: zero response limit", func() error {
			_, err := NewCertClient("https://scm.example", WithResponseLimit(0))
			return err
		}},
		{"CancelCertificate: empty cert ID", func() error {
			c, err := NewCertClient("https://scm.example", WithToken(testToken))
			require.NoError(t, err)
			_, err = c.CancelCertificate(context.Background(), "p", "")
			return err
		}},
		{"CancelCertificate: server gone", func() error {
			c, err := NewCertClient(closed.URL, WithToken(testToken))
			require.NoError(t, err)
			_, err = c.CancelCertificate(context.Background(), "p", "c")
			return err
		}},
		{"ParseCancelCertResult: nil response", func() error {
			_, err := ParseCancelCertResult(nil, 0)
			return err
		}},
		{"ParseCancelCertResult: error status", func() error {
			resp, _ := response(http.StatusNotFound, "application/json", "", strings.NewReader(`{"error_code":"SCM.0008","error_msg":"no such cert"}`)) //nolint:bodyclose // ParseCancelCertResult closes it
			_, err := ParseCancelCertResult(resp, 0)
			return err
		}},
		{"Sign: nil request", func() error { return Sign(nil, testAK, testSK, time.Now()) }},
		{"Sign: empty SK", func() error {
			return Sign(httptest.NewRequestWithContext(context.Background(), http.MethodGet, "https://scm.example/", nil), testAK, "", time.Now())
		}},
		{"VerifySignature: unknown AK", func() error {
			return VerifySignature(signed, nil, noSecret, time.Now(), DefaultMaxSkew)
		}},
		{"CanonicalRequest: nil request", func() error {
			_, err := CanonicalRequest(nil, nil, nil)
			return err
		}},
		{"Credentials.Validate: empty AK", func() error { return Credentials{}.Validate() }},
		{"CredentialsFromLookup: nothing set", func() error {
			_, err := CredentialsFromLookup(func(string) (string, bool) { return "", false })
			return err
		}},
		{"EndpointForRegion: unknown region", func() error {
			_, err := EndpointForRegion("mars-1")
			return err
		}},
		{"NewClient: token with LF", func() error {
			_, err := NewClient("https://scm.example", WithToken(testToken+"\n"))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err, "the call must fail")
			require.True(t, strings.HasPrefix(err.Error(), "scm: "), "the error does not start with \"scm: \": %q", err)
		})
	}
}
