package scm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testAK = "QTWAOYTTINDUT2QVKYUC"
	testSK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
)

// testSecrets knows testAK only.
func testSecrets(ak string) (string, bool) {
	if ak == testAK {
		return testSK, true
	}
	return "", false
}

// verifyingServer starts a server that verifies every request's signature
// against the clock now and hands the result to the returned channel.
func verifyingServer(t testing.TB, now time.Time) (string, <-chan error) {
	t.Helper()
	results := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = VerifySignature(r, body, testSecrets, now, 0)
		}
		results <- err
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, results
}

// send sends req and returns the server's verification result.
func send(t testing.TB, req *http.Request, results <-chan error) error {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return <-results
}

func TestSignVerifyRoundTrip(t *testing.T) {
	signedAt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name    string
		path    string
		at      time.Time
		ak      string
		tamper  func(*http.Request)
		wantErr error // nil: the signature verifies
	}{
		{name: "untouched", path: "/v2/p/scm/cert/c1/cancel-cert"},
		{name: "escaped cert id", path: "/v2/p/scm/cert/a%2Fb%3F%23%25%20%E8%AF%81/cancel-cert"},
		{name: "query", path: "/x?b=2&a=%E4%B8%80&a=0"},
		{name: "unsigned header added", tamper: func(r *http.Request) { r.Header.Set("Accept", "text/plain") }},
		{name: "method changed", tamper: func(r *http.Request) { r.Method = http.MethodPut }, wantErr: ErrSignatureMismatch},
		{name: "path changed", tamper: func(r *http.Request) { r.URL.Path = "/v2/p/scm/cert/c2/cancel-cert" }, wantErr: ErrSignatureMismatch},
		{name: "query changed", path: "/x?a=1", tamper: func(r *http.Request) { r.URL.RawQuery = "a=2" }, wantErr: ErrSignatureMismatch},
		{name: "signed header changed", tamper: func(r *http.Request) { r.Header.Set(HeaderProjectID, "other") }, wantErr: ErrSignatureMismatch},
		{name: "body changed", tamper: func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"x":2}`))
			r.GetBody = nil
		}, wantErr: ErrSignatureMismatch},
		{name: "date changed", tamper: func(r *http.Request) { r.Header.Set(HeaderSdkDate, "20240506T070810Z") }, wantErr: ErrSignatureMismatch},
		{name: "stale date", at: signedAt.Add(-16 * time.Minute), wantErr: ErrDateSkew},
		{name: "future date", at: signedAt.Add(16 * time.Minute), wantErr: ErrDateSkew},
		{name: "within skew", at: signedAt.Add(-14 * time.Minute)},
		{name: "unknown access key", ak: "SOMEONEELSE1", wantErr: ErrUnknownAccessKey},
		{name: "no Authorization", tamper: func(r *http.Request) { r.Header.Del("Authorization") }, wantErr: ErrSignatureMissing},
		{name: "no X-Sdk-Date", tamper: func(r *http.Request) { r.Header.Del(HeaderSdkDate) }, wantErr: ErrSignatureMalformed},
		{name: "bad X-Sdk-Date", tamper: func(r *http.Request) { r.Header.Set(HeaderSdkDate, "2024-05-06") }, wantErr: ErrSignatureMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, results := verifyingServer(t, signedAt)
			path := tt.path
			if path == "" {
				path = "/v2/p/scm/cert/c1/cancel-cert"
			}
			req := newRequest(t, http.MethodPost, base+path, strings.NewReader(`{"x":1}`),
				map[string]string{"Content-Type": "application/json", HeaderProjectID: "p"})
			at, ak := tt.at, tt.ak
			if at.IsZero() {
				at = signedAt
			}
			if ak == "" {
				ak = testAK
			}
			require.NoError(t, Sign(req, ak, testSK, at))
			if tt.tamper != nil {
				tt.tamper(req)
			}
			err := send(t, req, results)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), testSK)
		})
	}
}

func TestVerifySignatureMalformed(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	signedReq := func(t testing.TB, names []string) *http.Request {
		req := newRequest(t, http.MethodGet, "https://h/x", nil, nil)
		require.NoError(t, sign(req, testAK, testSK, at, names))
		return req
	}
	valid := signedReq(t, nil).Header.Get("Authorization")
	tests := []struct {
		name    string
		req     *http.Request
		auth    string // replaces the signed Authorization when set
		wantErr string
	}{
		{name: "other algorithm", auth: "AWS4-HMAC-SHA256 Credential=x", wantErr: `does not start with "SDK-HMAC-SHA256 "`},
		{name: "no key=value", auth: Algorithm + " Access", wantErr: `part "Access" is not key=value`},
		{name: "unknown part", auth: valid + ", Extra=1", wantErr: `unknown part "Extra"`},
		{name: "repeated part", auth: valid + ", Access=again", wantErr: "repeats Access"},
		{name: "missing signature", auth: Algorithm + " Access=a, SignedHeaders=x-sdk-date", wantErr: "lacks Signature"},
		{name: "short signature", auth: Algorithm + " Access=a, SignedHeaders=x-sdk-date, Signature=abcd", wantErr: "not 64 hex digits"},
		{name: "date not signed", req: signedReq(t, []string{"host"}), wantErr: "SignedHeaders leaves out x-sdk-date"},
		{name: "unsorted names", auth: strings.Replace(valid, "host;x-sdk-date", "x-sdk-date;host", 1), wantErr: `SignedHeaders "x-sdk-date;host" is not lower-case, sorted and unique`},
		{name: "upper-case names", auth: strings.Replace(valid, "host;x-sdk-date", "Host;X-Sdk-Date", 1), wantErr: "is not lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req == nil {
				req = signedReq(t, nil)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			err := VerifySignature(req, nil, testSecrets, at, time.Minute)
			require.ErrorIs(t, err, ErrSignatureMalformed)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
	require.ErrorContains(t, VerifySignature(nil, nil, testSecrets, at, 0), "nil request")
}

func TestVerifySignatureSkewDefault(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	req := newRequest(t, http.MethodGet, "https://h/x", nil, nil)
	require.NoError(t, Sign(req, testAK, testSK, at))
	require.NoError(t, VerifySignature(req, nil, testSecrets, at.Add(DefaultMaxSkew), 0), "the limit itself is accepted")
	err := VerifySignature(req, nil, testSecrets, at.Add(DefaultMaxSkew+time.Second), -1)
	require.ErrorIs(t, err, ErrDateSkew)
	require.ErrorContains(t, err, "X-Sdk-Date 20240506T070809Z is 15m1s away from the server clock (limit 15m0s)")
	require.NoError(t, VerifySignature(req, nil, testSecrets, at.Add(time.Hour), 2*time.Hour), "a wider limit")
}
