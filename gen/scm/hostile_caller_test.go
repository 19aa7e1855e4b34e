package scm

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHostileIDsArriveAsOneSegment extends
// TestCancelCertificateSendsOneSegmentPerID with IDs that a caller may
// pass by mistake or on purpose: long ones, ones mixing every delimiter,
// invalid UTF-8 and invisible characters. Each arrives as exactly one
// path segment holding exactly the bytes given, and the signature made
// for it verifies on the server.
func TestHostileIDsArriveAsOneSegment(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct{ name, project, cert string }{
		{name: "10 KB ASCII", project: strings.Repeat("p", 10<<10), cert: strings.Repeat("c", 10<<10)},
		{name: "10 KB of delimiters", project: "p", cert: strings.Repeat("/?#% .", 10<<10/6)},
		{name: "10 KB of CJK", project: strings.Repeat("项目", 10<<10/6), cert: "c"},
		{name: "slashes only", project: "/", cert: "//"},
		{name: "traversal inside an ID", project: "../../v3", cert: "a/../../b"},
		{name: "escaped dots", project: "%2e%2e", cert: "%2E"},
		{name: "query and fragment", project: "p?cert_id=x", cert: "#frag?x=1&y"},
		{name: "spaces around", project: " p ", cert: "\u00a0c\u3000"},
		{name: "invisible and bidi", project: "p\u200b", cert: "c\u202egpj.exe"},
		{name: "invalid UTF-8", project: "\xff\xfe", cert: "c\xc3"},
		{name: "emoji and plus", project: "🔒+1", cert: "a+b=c&d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			base, seen := recordingServer(t, at, http.StatusOK, okJSON)
			got, err := newSigningCertClient(t, base, at).CancelCertificate(context.Background(), tt.project, tt.cert)
			require.NoError(t, err)
			require.Equal(t, "success", got.Message)

			req := <-seen
			require.NoError(t, req.verifyErr, "client and server agree on the canonical URI")
			u, err := url.ParseRequestURI(req.requestURI)
			require.NoError(t, err)
			require.Empty(t, u.RawQuery, "nothing of an ID leaks into the query")
			segments := strings.Split(u.EscapedPath(), "/")
			require.Len(t, segments, 7, "exactly the operation's segments")
			require.Equal(t, []string{"", "v2", "scm", "cert", "cancel-cert"},
				[]string{segments[0], segments[1], segments[3], segments[4], segments[6]}, "the fixed segments")
			for i, want := range map[int]string{2: tt.project, 5: tt.cert} {
				raw, err := url.PathUnescape(segments[i])
				require.NoError(t, err)
				require.Equal(t, want, raw, "the server sees the ID the caller meant")
			}
		})
	}
}

// TestHostileCallersRefusedBeforeSending checks what a caller can get
// wrong outside the IDs: empty or broken keys, and header values holding
// CR or LF, which would let a value inject headers of its own. Each is
// refused with an error naming what is wrong, and nothing is sent.
func TestHostileCallersRefusedBeforeSending(t *testing.T) {
	injected := WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Custom", "v\r\nX-Evil: 1")
		return nil
	})
	tests := []struct {
		name, why, wantErr string
		opts               []CertClientOption
		buildErr           bool // refused by NewCertClient, not by the call
	}{
		{name: "empty AK", why: "no key to sign with", buildErr: true,
			opts: []CertClientOption{WithAKSK(Credentials{SK: NewSecret(testSK)})}, wantErr: "scm: invalid credentials: AK is empty"},
		{name: "empty SK", why: "no key to sign with", buildErr: true,
			opts: []CertClientOption{WithAKSK(Credentials{AK: NewSecret(testAK)})}, wantErr: "scm: invalid credentials: SK is empty"},
		{name: "AK with CR LF", why: "the AK goes into the Authorization header", buildErr: true,
			opts: []CertClientOption{WithAKSK(Credentials{AK: NewSecret(testAK + "\r\nX-Evil: 1"), SK: NewSecret(testSK)})}, wantErr: "AK contains a control character"},
		{name: "project ID with LF", why: "the project ID goes into the X-Project-Id header", buildErr: true,
			opts:    []CertClientOption{WithAKSK(Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK), ProjectID: "p\nX-Evil: 1"})},
			wantErr: "ProjectID contains a control character"},
		{name: "token with LF", why: "the token goes into the X-Auth-Token header", buildErr: true,
			opts: []CertClientOption{WithToken(testToken + "\n")}, wantErr: "scm: with token: token contains a control character"},
		{name: "editor header with CR LF, signed", why: "net/http refuses to send a header value with CR or LF",
			opts:    []CertClientOption{injected, WithAKSK(Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK)})},
			wantErr: `invalid header field value for "X-Custom"`},
		{name: "editor header with CR LF, token", why: "net/http refuses to send a header value with CR or LF",
			opts: []CertClientOption{WithToken(testToken), injected}, wantErr: `invalid header field value for "X-Custom"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			base, seen := recordingServer(t, time.Now(), http.StatusOK, okJSON)
			c, err := NewCertClient(base, tt.opts...)
			if tt.buildErr {
				require.Nil(t, c)
				require.ErrorContains(t, err, tt.wantErr, "must be refused because: %s", tt.why)
				require.NotContains(t, err.Error(), testSK)
				return
			}
			require.NoError(t, err)
			got, err := c.CancelCertificate(context.Background(), "p", "c")
			require.Nil(t, got)
			require.ErrorContains(t, err, tt.wantErr, "must be refused because: %s", tt.why)
			require.Empty(t, seen, "nothing was sent")
		})
	}
}
