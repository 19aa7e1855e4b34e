package scm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const okJSON = `{"cert_id":"c","message":"success"}`

// gzipped compresses data.
func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// rawResponse renders a raw HTTP/1.1 response with a Content-Length.
func rawResponse(status string, headers []string, body []byte) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + status + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	b.Write(body)
	return b.String()
}

// streamForever sends a chunked 200 body until the client hangs up.
func streamForever(conn net.Conn, done <-chan struct{}) {
	head := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	if _, err := io.WriteString(conn, head+"1\r\n[\r\n"); err != nil {
		return
	}
	chunk := "1000\r\n" + strings.Repeat(`"x",`, 1024) + "\r\n"
	for {
		select {
		case <-done:
			return
		default:
		}
		if _, err := io.WriteString(conn, chunk); err != nil {
			return // the client hung up, as it should
		}
	}
}

// TestHostileServers sends the client what a broken or hostile server
// (or a proxy in between) may send. Each answer is a clear error, within
// the caller's deadline, and no goroutine is left behind. An error with a
// response is an *APIError with its status (wantStatus); an error without
// one (wantStatus 0) is not, so the caller can tell whether the deadline
// struck while awaiting the headers or while reading the body. Retries
// are on, as by default, yet each case makes one attempt: the request was
// written every time, so it may have been delivered.
func TestHostileServers(t *testing.T) {
	jsonType := "Content-Type: application/json"
	bomb := gzipped(t, bytes.Repeat([]byte(" "), 8<<20))
	tests := []struct {
		name       string
		why        string
		handler    rawHandler
		limit      int64
		deadline   time.Duration
		wantStatus int // 0: no response, so no *APIError
		wantIs     error
		wantErr    string
		wantResult *CancelCertResult
	}{
		{name: "body over the default limit", why: "at most DefaultResponseLimit bytes are read",
			handler:    reply(rawResponse("200 OK", []string{jsonType}, bytes.Repeat([]byte(" "), int(DefaultResponseLimit)+1))),
			wantStatus: 200, wantIs: ErrBodyTooLarge, wantErr: "read body: body too large: more than 1048576 bytes"},
		{name: "error body over the response limit", why: "WithResponseLimit bounds error bodies too", limit: 64,
			handler:    reply(rawResponse("400 Bad Request", []string{jsonType}, bytes.Repeat([]byte("x"), 65))),
			wantStatus: 400, wantIs: ErrBodyTooLarge, wantErr: "HTTP 400: read body: body too large: more than 64 bytes"},
		{name: "body streamed forever", why: "reading stops at the limit and the connection is dropped",
			handler: streamForever, wantStatus: 200, wantIs: ErrBodyTooLarge, wantErr: "more than 1048576 bytes"},
		{name: "stall before the headers", why: "the deadline struck awaiting the headers: no response, no *APIError",
			handler: replyThenStall(""), deadline: 200 * time.Millisecond,
			wantIs: context.DeadlineExceeded, wantErr: "scm: cancel-cert: Post "},
		{name: "stall after the headers", why: "the deadline struck reading the body: an *APIError with the status",
			handler:  replyThenStall("HTTP/1.1 200 OK\r\n" + jsonType + "\r\nContent-Length: 100\r\n\r\n{\"cert_id\""),
			deadline: 200 * time.Millisecond, wantStatus: 200, wantIs: context.DeadlineExceeded,
			wantErr: "scm: cancel-cert: HTTP 200: read body: context deadline exceeded"},
		{name: "connection closed mid-body", why: "fewer bytes than Content-Length is a truncated body",
			handler:    reply("HTTP/1.1 200 OK\r\n" + jsonType + "\r\nContent-Length: 100\r\n\r\n{\"cert_id\":\"c\""),
			wantStatus: 200, wantIs: io.ErrUnexpectedEOF, wantErr: "HTTP 200: read body: unexpected EOF"},
		{name: "connection closed before the headers", why: "no response at all",
			handler: reply(""), wantIs: io.EOF, wantErr: "scm: cancel-cert: Post "},
		{name: "gzip body without Content-Encoding", why: "the client does not guess an encoding: the 200 is not JSON",
			handler:    reply(rawResponse("200 OK", []string{jsonType}, gzipped(t, []byte(okJSON)))),
			wantStatus: 200, wantIs: ErrMalformedResponse, wantErr: "malformed response: decode body: not valid JSON: jsontext: invalid character"},
		{name: "gzip error body without Content-Encoding", why: "an undecodable error body leaves the status alone and says why it was not read",
			handler:    reply(rawResponse("400 Bad Request", []string{jsonType}, gzipped(t, []byte(`{"error_code":"SCM.0010"}`)))),
			wantStatus: 400, wantIs: ErrBodyNotRead, wantErr: "scm: cancel-cert: HTTP 400: error body not read: not valid JSON: jsontext: invalid character"},
		{name: "gzip body with Content-Encoding: gzip",
			handler:    reply(rawResponse("200 OK", []string{jsonType, "Content-Encoding: gzip"}, gzipped(t, []byte(okJSON)))),
			wantResult: &CancelCertResult{CertId: "c", Message: "success"}},
		{name: "gzip bomb", why: "the limit applies to the decoded body",
			handler:    reply(rawResponse("200 OK", []string{jsonType, "Content-Encoding: gzip"}, bomb)),
			wantStatus: 200, wantIs: ErrBodyTooLarge, wantErr: "more than 1048576 bytes"},
		{name: "Content-Encoding: gzip on a plain body", why: "a body that is not gzip fails to decode",
			handler:    reply(rawResponse("200 OK", []string{jsonType, "Content-Encoding: gzip"}, []byte(okJSON))),
			wantStatus: 200, wantIs: gzip.ErrHeader, wantErr: "HTTP 200: read body: gzip: invalid header"},
		{name: "two different Content-Length headers", why: "ambiguous framing is refused by net/http",
			handler: reply("HTTP/1.1 200 OK\r\n" + jsonType + "\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
			wantErr: "multiple Content-Length headers"},
		{name: "duplicate Content-Type and X-Request-Id", why: "the first of each counts",
			handler: reply(rawResponse("200 OK", []string{jsonType, "Content-Type: text/html", "X-Request-Id: one",
				"X-Request-Id: two"}, []byte(okJSON))),
			wantResult: &CancelCertResult{CertId: "c", Message: "success"}},
		{name: "header over 10 MiB", why: "net/http bounds response headers (Transport.MaxResponseHeaderBytes)",
			handler: reply("HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 11<<20) + "\r\n\r\n"),
			wantErr: "server response headers exceeded"},
		{name: "malformed status line", why: "not HTTP",
			handler: reply("HTTP/1.1 OK\r\n\r\n"), wantErr: "malformed HTTP"},
		{name: "endless informational responses", why: "net/http counts 1xx responses against the header limit",
			handler: reply(strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n", 300_000)),
			wantErr: "server response headers exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			base := rawServer(t, tt.handler)
			opts := []CertClientOption{WithAKSK(Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK)})}
			if tt.limit != 0 {
				opts = append(opts, WithResponseLimit(tt.limit))
			}
			c, err := NewCertClient(base, opts...)
			require.NoError(t, err)
			deadline := orDefault(tt.deadline, 5*time.Second)
			got, elapsed, err := cancelWithin(t, c, deadline)
			if tt.wantResult != nil {
				require.NoError(t, err)
				require.Equal(t, tt.wantResult, got)
				return
			}
			require.Nil(t, got)
			require.Error(t, err, "must fail: %s", tt.why)
			require.Less(t, elapsed, deadline+time.Second, "the caller's deadline is honoured")
			var attemptsErr *AttemptsError
			require.ErrorAs(t, err, &attemptsErr)
			require.Equal(t, 1, attemptsErr.Attempts,
				"retries are on by default, but each of these servers got the whole request, so it is not sent again")
			var apiErr *APIError
			require.Equal(t, tt.wantStatus != 0, errors.As(err, &apiErr), "an *APIError exactly when a response came: %v", err)
			if apiErr != nil {
				require.Equal(t, tt.wantStatus, apiErr.StatusCode)
			}
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs, "must fail because: %s", tt.why)
			}
			require.ErrorContains(t, err, tt.wantErr, "must fail because: %s", tt.why)
		})
	}
}

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
