package scm

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newSigningCertClient returns a CertClient for base that signs with the
// test key pair at the fixed time at.
func newSigningCertClient(t testing.TB, base string, at time.Time, opts ...CertClientOption) *CertClient {
	t.Helper()
	opts = append([]CertClientOption{withAKSKClock(Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK)}, func() time.Time { return at })}, opts...)
	c, err := NewCertClient(base, opts...)
	require.NoError(t, err)
	return c
}

func TestCancelCertificateSendsOneSegmentPerID(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ids := []string{
		"scs1481110651012", "a/b", "a/..", "../x", "...", ".hidden", "50%", "%2F", "a b", "x?y#z",
		"证书", ";=@:+$!*'()", "~-_.",
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			base, seen := recordingServer(t, at, http.StatusOK, `{"cert_id":"c","message":"success"}`)
			got, err := newSigningCertClient(t, base, at).CancelCertificate(context.Background(), "proj/1", id)
			require.NoError(t, err)
			require.Equal(t, &CancelCertResult{CertId: "c", Message: "success"}, got)

			req := <-seen
			require.NoError(t, req.verifyErr, "client and server agree on the canonical URI")
			u, err := url.ParseRequestURI(req.requestURI)
			require.NoError(t, err)
			segments := strings.Split(u.EscapedPath(), "/")
			require.Len(t, segments, 7, "the path %s has exactly the operation's segments", req.requestURI)
			require.Equal(t, []string{"", "v2"}, segments[:2])
			require.Equal(t, []string{"scm", "cert"}, segments[3:5])
			require.Equal(t, "cancel-cert", segments[6])
			for i, want := range map[int]string{2: "proj/1", 5: id} {
				raw, err := url.PathUnescape(segments[i])
				require.NoError(t, err)
				require.Equal(t, want, raw)
			}
			require.Empty(t, u.RawQuery)
		})
	}
}

func TestCancelCertificateRefusesIDs(t *testing.T) {
	base, seen := recordingServer(t, time.Now(), http.StatusOK, `{}`)
	client := newSigningCertClient(t, base, time.Now())
	tests := []struct {
		name, project, cert, wantErr string
	}{
		{name: "empty project", project: "", cert: "c", wantErr: "project_id is empty"},
		{name: "empty cert", project: "p", cert: "", wantErr: "cert_id is empty"},
		{name: "dot cert", project: "p", cert: ".", wantErr: `cert_id must not be ".", a dot segment would change the request path`},
		{name: "dot-dot cert", project: "p", cert: "..", wantErr: `cert_id must not be ".."`},
		{name: "dot-dot project", project: "..", cert: "c", wantErr: `project_id must not be ".."`},
		{name: "LF in cert", project: "p", cert: "c\nX-Evil: 1", wantErr: "cert_id contains a control character"},
		{name: "NUL in project", project: "p\x00", cert: "c", wantErr: "project_id contains a control character"},
		{name: "C1 control in cert", project: "p", cert: "c\u0085", wantErr: "cert_id contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := client.CancelCertificate(context.Background(), tt.project, tt.cert)
			require.Nil(t, got)
			require.ErrorIs(t, err, ErrInvalidID)
			require.ErrorContains(t, err, "scm: cancel-cert: invalid ID: "+tt.wantErr)
		})
	}
	require.Empty(t, seen, "nothing was sent")
}

func TestCancelCertificateKeepsBasePath(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, suffix := range []string{"/prefix", "/prefix/", "/a%2Fb/"} {
		t.Run(suffix, func(t *testing.T) {
			base, seen := recordingServer(t, at, http.StatusOK, `{"cert_id":"c","message":"m"}`)
			_, err := newSigningCertClient(t, base+suffix, at).CancelCertificate(context.Background(), "p", "c")
			require.NoError(t, err)
			req := <-seen
			require.NoError(t, req.verifyErr)
			require.Equal(t, strings.TrimSuffix(suffix, "/")+"/v2/p/scm/cert/c/cancel-cert", req.requestURI)
		})
	}
}

func TestCancelCertificateErrors(t *testing.T) {
	at := time.Now()
	base, _ := recordingServer(t, at, http.StatusBadRequest,
		`{"error_code":"SCM.0010","error_msg":"This operation is not allowed by the current certificate type or status."}`)
	_, err := newSigningCertClient(t, base, at).CancelCertificate(context.Background(), "p", "c")
	require.ErrorIs(t, err, ErrWrongState)
	require.EqualError(t, err, "scm: cancel-cert: HTTP 400 SCM.0010: This operation is not allowed by the current certificate type or status. (request ID req-1)")

	limited := newSigningCertClient(t, base, at, WithResponseLimit(8))
	_, err = limited.CancelCertificate(context.Background(), "p", "c")
	require.ErrorIs(t, err, ErrBodyTooLarge)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newSigningCertClient(t, closed.URL, at).CancelCertificate(context.Background(), "p", "c")
	var apiErr *APIError
	require.False(t, errors.As(err, &apiErr), "a network failure has no response")
	require.ErrorContains(t, err, "scm: cancel-cert: Post ")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = newSigningCertClient(t, base, at).CancelCertificate(ctx, "p", "c")
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewCertClientChecksServer(t *testing.T) {
	tests := []struct {
		server, wantErr string
	}{
		{server: "scm.cn-north-4.myhuaweicloud.com", wantErr: "needs the scheme http or https and a host"},
		{server: "ftp://scm.example", wantErr: "needs the scheme http or https"},
		{server: "https://", wantErr: "and a host"},
		{server: "https://scm.example/?x=1", wantErr: "must not have a query or fragment"},
		{server: "https://scm.example/#f", wantErr: "must not have a query or fragment"},
		{server: "://bad", wantErr: "scm: new cert client: server URL: parse"},
	}
	for _, tt := range tests {
		t.Run(tt.server, func(t *testing.T) {
			c, err := NewCertClient(tt.server)
			require.ErrorContains(t, err, tt.wantErr)
			require.Nil(t, c)
		})
	}
	_, err := NewCertClient("https://scm.example", WithToken(""))
	require.ErrorContains(t, err, "scm: with token: token is empty")
}

// fakeAPI answers every CancelCert with a canned response.
type fakeAPI struct {
	status int
	body   string
}

func (f fakeAPI) CancelCert(_ context.Context, _ ProjectId, _ CertId, _ ...RequestEditorFn) (*http.Response, error) {
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(f.status)
	_, err := rec.WriteString(f.body)
	return rec.Result(), err
}

func TestNewCertClientFrom(t *testing.T) {
	got, err := NewCertClientFrom(fakeAPI{status: 200, body: `{"cert_id":"c","message":"m"}`}).
		CancelCertificate(context.Background(), "p", "c")
	require.NoError(t, err)
	require.Equal(t, "m", got.Message)

	_, err = NewCertClientFrom(fakeAPI{status: 404, body: `{"error_code":"APIGW.0101","error_msg":"no API"}`}).
		CancelCertificate(context.Background(), "p", "c")
	require.ErrorContains(t, err, "HTTP 404 APIGW.0101: no API")
	require.False(t, errors.Is(err, ErrNotFound), "a missing API is not a missing certificate")
}
