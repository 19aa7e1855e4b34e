package scm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newRequest builds a request and fails the test on error.
func newRequest(t testing.TB, method, rawURL string, body io.Reader, headers map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, rawURL, body)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header[k] = []string{v} // as written, even with '_'
	}
	return req
}

// TestSignPublishedVectors reproduces the published test vectors byte for
// byte (facts file: API gateway signing docs api-sign-algorithm-003/004/005,
// and the official Go SDK's core/auth/signer/signer_test.go).
func TestSignPublishedVectors(t *testing.T) {
	sdkDate := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name          string
		req           *http.Request
		ak, sk        string
		at            time.Time
		signed        []string // nil: the default set of Sign
		wantCanonical string   // hex SHA-256 of the canonical request; empty: not published
		wantAuth      string
	}{
		{
			name: "signing docs GET vpcs",
			req: newRequest(t, http.MethodGet,
				"https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
				nil, map[string]string{"Content-Type": "application/json"}),
			ak:            "QTWAOYTTINDUT2QVKYUC",
			sk:            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
			at:            time.Date(2019, 11, 15, 3, 36, 55, 0, time.UTC),
			wantCanonical: "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
			wantAuth:      "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
		},
		{
			name: "SDK GET with an unsigned underscore header",
			req: newRequest(t, http.MethodGet, "https://example.huaweicloud.com/path?limit=1", nil,
				map[string]string{"TEST_UNDERSCORE": "TEST_VALUE"}),
			ak: "AccessKey", sk: "SecretKey", at: sdkDate, signed: []string{"x-sdk-date"},
			wantAuth: "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
		},
		{
			name: "SDK POST with a body and an unsigned content type",
			req: newRequest(t, http.MethodPost, "https://example.huaweicloud.com/path?key=value",
				strings.NewReader("{\"Name\":\"test\",\"Id\":1}\n"), map[string]string{"Content-Type": "application/json"}),
			ak: "AccessKey", sk: "SecretKey", at: sdkDate, signed: []string{"x-sdk-date"},
			wantAuth: "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, sign(tt.req, tt.ak, tt.sk, tt.at, tt.signed))
			require.Equal(t, tt.wantAuth, tt.req.Header.Get("Authorization"))
			require.Equal(t, tt.at.Format(DateLayout), tt.req.Header.Get(HeaderSdkDate))
			if tt.wantCanonical != "" {
				canonical, err := CanonicalRequest(tt.req, nil, []string{"content-type", "host", "x-sdk-date"})
				require.NoError(t, err)
				sum := sha256.Sum256([]byte(canonical))
				require.Equal(t, tt.wantCanonical, hex.EncodeToString(sum[:]))
			}
		})
	}
}

// TestCanonicalQueryPublishedExample is the query-encoding example of the
// official Go SDK's core/auth/signer/signer_test.go (facts file).
func TestCanonicalQueryPublishedExample(t *testing.T) {
	q := url.Values{
		"test":   {"一 (&=?!#%.*)"},
		"multi":  {"3", "1", "2"},
		"path":   {"/tmp/123"},
		"limit":  {"1"},
		"enable": {"true"},
	}
	got, err := canonicalQuery(q.Encode())
	require.NoError(t, err)
	require.Equal(t, "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29", got)
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, raw, want, wantErr string
	}{
		{name: "none", raw: "", want: ""},
		{name: "repeated values sorted", raw: "b=2&a=z&a=y&a=%C3%A9", want: "a=y&a=z&a=%C3%A9&b=2"},
		{name: "unicode key and value", raw: "%E8%AF%81=%E4%B9%A6", want: "%E8%AF%81=%E4%B9%A6"},
		{name: "empty value", raw: "flag=&x", want: "flag=&x="},
		{name: "plus is a space", raw: "q=a+b", want: "q=a%20b"},
		{name: "bad escape refused", raw: "q=%zz", wantErr: "canonical query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalQuery(tt.raw)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		name, rawURL, want string
	}{
		{name: "empty path", rawURL: "https://h", want: "/"},
		{name: "root", rawURL: "https://h/", want: "/"},
		{name: "slash appended", rawURL: "https://h/v2/p/scm/cert/c1/cancel-cert", want: "/v2/p/scm/cert/c1/cancel-cert/"},
		{name: "trailing slash kept once", rawURL: "https://h/a/b/", want: "/a/b/"},
		{name: "escaped slash stays one segment", rawURL: "https://h/cert/a%2Fb/x", want: "/cert/a%2Fb/x/"},
		{name: "percent", rawURL: "https://h/cert/50%25/x", want: "/cert/50%25/x/"},
		{name: "space", rawURL: "https://h/cert/a%20b/x", want: "/cert/a%20b/x/"},
		{name: "unicode", rawURL: "https://h/cert/%E8%AF%81%E4%B9%A6/x", want: "/cert/%E8%AF%81%E4%B9%A6/x/"},
		{name: "lower-case escapes upper-cased", rawURL: "https://h/cert/a%2fb", want: "/cert/a%2Fb/"},
		{name: "sub-delims encoded", rawURL: "https://h/cert/a:b@c+d$e!/x", want: "/cert/a%3Ab%40c%2Bd%24e%21/x/"},
		{name: "unreserved kept", rawURL: "https://h/A-z_0.9~", want: "/A-z_0.9~/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.rawURL)
			require.NoError(t, err)
			got, err := canonicalURI(u)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCanonicalRequestLayout(t *testing.T) {
	req := newRequest(t, http.MethodPost, "https://h.example/v2/p/scm/cert/a%2Fb/cancel-cert?z=1&a=2", nil,
		map[string]string{"X-Custom": "  spaced value \t", "X-Sdk-Date": "20240101T000000Z"})
	req.Header.Add("X-Multi", " one ")
	req.Header.Add("X-Multi", "two")
	got, err := CanonicalRequest(req, []byte("body"), []string{"X-Sdk-Date", "host", "x-custom", "X-MULTI", "x-absent", "host"})
	require.NoError(t, err)
	sum := sha256.Sum256([]byte("body"))
	require.Equal(t, "POST\n"+
		"/v2/p/scm/cert/a%2Fb/cancel-cert/\n"+
		"a=2&z=1\n"+
		"host:h.example\nx-absent:\nx-custom:spaced value\nx-multi:one,two\nx-sdk-date:20240101T000000Z\n\n"+
		"host;x-absent;x-custom;x-multi;x-sdk-date\n"+
		hex.EncodeToString(sum[:]), got)

	bare := &http.Request{Method: http.MethodGet, URL: req.URL, Header: http.Header{}}
	got, err = CanonicalRequest(bare, nil, []string{"host"})
	require.NoError(t, err)
	require.Contains(t, got, "\nhost:h.example\n", "without req.Host the URL's host is signed")

	_, err = CanonicalRequest(req, nil, []string{"bad;name"})
	require.ErrorContains(t, err, `invalid signed header name "bad;name"`)
	_, err = CanonicalRequest(nil, nil, nil)
	require.ErrorContains(t, err, "request or its URL is nil")
}

func TestSignChoosesHeaders(t *testing.T) {
	req := newRequest(t, http.MethodPost, "https://h.example/x", nil, map[string]string{
		"Content-Type":     "application/json",
		"X-Project-Id":     "p1",
		"X-Security-Token": "tok",
		"X_Underscore":     "skipped",
		"Accept":           "skipped",
		"X-Sdk-Date":       "19990101T000000Z", // replaced
		"Authorization":    "stale",            // replaced
	})
	req.Host = "virtual.example"
	at := time.Date(2024, 2, 3, 4, 5, 6, 0, time.FixedZone("UTC+8", 8*3600))
	require.NoError(t, Sign(req, "AK1234567890", "sk", at))

	require.Equal(t, "20240202T200506Z", req.Header.Get(HeaderSdkDate), "the date is in UTC")
	auth := req.Header.Get("Authorization")
	require.Contains(t, auth, "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,")
	canonical, err := CanonicalRequest(req, nil, []string{"content-type", "host", "x-project-id", "x-security-token", "x-sdk-date"})
	require.NoError(t, err)
	require.Contains(t, canonical, "host:virtual.example\n", "req.Host wins over the URL's host")
	require.Contains(t, auth, "Signature="+hex.EncodeToString(signature(t, "sk", "20240202T200506Z", canonical)))
}

func TestSignKeepsBodyReadable(t *testing.T) {
	const payload = `{"a":1}`
	tests := []struct {
		name string
		body io.Reader
	}{
		{name: "with GetBody", body: strings.NewReader(payload)},
		{name: "without GetBody", body: io.MultiReader(strings.NewReader(payload))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodPost, "https://h/x", tt.body, nil)
			require.NoError(t, Sign(req, "AK1234567890", "sk", time.Unix(0, 0)))

			got, err := io.ReadAll(req.Body)
			require.NoError(t, err)
			require.Equal(t, payload, string(got), "the body is still there to send")
			require.NotNil(t, req.GetBody)
			again, err := req.GetBody()
			require.NoError(t, err)
			got, err = io.ReadAll(again)
			require.NoError(t, err)
			require.Equal(t, payload, string(got), "GetBody replays the body")
			require.Equal(t, int64(len(payload)), req.ContentLength)

			canonical, err := CanonicalRequest(req, []byte(payload), []string{"host", "x-sdk-date"})
			require.NoError(t, err)
			require.Contains(t, req.Header.Get("Authorization"),
				hex.EncodeToString(signature(t, "sk", req.Header.Get(HeaderSdkDate), canonical)),
				"the signature covers the body")
		})
	}
}

func TestSignRefusesBadKeys(t *testing.T) {
	const secret = "s3cr3t-value"
	tests := []struct {
		name, ak, sk, wantErr string
	}{
		{name: "empty AK", ak: "", sk: secret, wantErr: "AK is empty"},
		{name: "empty SK", ak: "AK1234567890", sk: "", wantErr: "SK is empty"},
		{name: "AK with LF", ak: "AK12\n34567890", sk: secret, wantErr: "AK contains a control character"},
		{name: "AK with comma", ak: "AK12,Signature=x", sk: secret, wantErr: "AK contains a space or a comma"},
		{name: "SK with NUL", ak: "AK1234567890", sk: secret + "\x00", wantErr: "SK contains a control character"},
		{name: "SK with CR", ak: "AK1234567890", sk: "\r" + secret, wantErr: "SK contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, "https://h/x", nil, nil)
			err := Sign(req, tt.ak, tt.sk, time.Unix(0, 0))
			require.ErrorContains(t, err, "scm: sign request: "+tt.wantErr)
			require.NotContains(t, err.Error(), secret)
			require.Empty(t, req.Header.Get("Authorization"), "nothing is signed")
		})
	}
	require.ErrorContains(t, Sign(nil, "a", "b", time.Unix(0, 0)), "request or its URL is nil")
}

func TestSignBodyErrors(t *testing.T) {
	req := newRequest(t, http.MethodPost, "https://h/x", bytes.NewReader([]byte("x")), nil)
	req.GetBody = func() (io.ReadCloser, error) { return nil, io.ErrUnexpectedEOF }
	require.ErrorContains(t, Sign(req, "AK1234567890", "sk", time.Unix(0, 0)), "get body: unexpected EOF")

	req = newRequest(t, http.MethodPost, "https://h/x", io.MultiReader(errReader{}), nil)
	require.ErrorContains(t, Sign(req, "AK1234567890", "sk", time.Unix(0, 0)), "read body: broken reader")
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// errBroken is the error of errReader.
var errBroken = errors.New("broken reader")
