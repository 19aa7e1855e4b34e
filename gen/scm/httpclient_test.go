package scm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stallingServer answers with headers (when headersFirst) and then stalls
// until the test ends.
func stallingServer(t testing.TB, headersFirst bool) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if headersFirst {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"cert_id":`)
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush the headers: %v", err)
			}
		}
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handlers return, then the server closes
	return srv.URL
}

// TestHTTPClientCutsStalls: each timeout of NewHTTPClient cuts the stall
// it bounds (short values set here; the defaults are tens of seconds).
func TestHTTPClientCutsStalls(t *testing.T) {
	tests := []struct {
		name         string
		timeouts     Timeouts
		headersFirst bool
		wantErr      string
	}{
		{"no headers: response-header timeout", Timeouts{ResponseHeader: 50 * time.Millisecond}, false, "timeout awaiting response headers"},
		{"no headers: attempt timeout", Timeouts{Attempt: 50 * time.Millisecond}, false, "Client.Timeout exceeded"},
		{"body stalls: attempt timeout", Timeouts{Attempt: 100 * time.Millisecond}, true, "Client.Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := stallingServer(t, tt.headersFirst)
			client := NewHTTPClient(tt.timeouts)
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, http.NoBody)
			require.NoError(t, err)
			resp, err := client.Do(req) //nolint:bodyclose // ParseCancelCertResult reads and closes the body
			if err == nil {
				_, err = ParseCancelCertResult(resp, 0) // reads the body
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// TestHTTPClientStallNotRetried: an attempt cut after the request was
// written may have reached SCM, so the default policy does not send it
// again.
func TestHTTPClientStallNotRetried(t *testing.T) {
	url := stallingServer(t, false)
	client := NewHTTPClient(Timeouts{ResponseHeader: 50 * time.Millisecond})
	var verdicts []Retryability
	attempts, err := doWithoutResponse(context.Background(), t, fakePolicy(DefaultRetryPolicy(), newFakeClock()), post(client, url),
		func(a Attempt) { verdicts = append(verdicts, a.Verdict) })
	require.ErrorContains(t, err, "timeout awaiting response headers")
	require.Equal(t, 1, attempts)
	require.Equal(t, []Retryability{RetryablePossiblyDelivered}, verdicts)
}

// TestHTTPClientDefaults checks the documented values and the redirect
// policy.
func TestHTTPClientDefaults(t *testing.T) {
	client := NewHTTPClient(Timeouts{})
	require.Equal(t, DefaultAttemptTimeout, client.Timeout)
	transport, ok := client.Transport.(*http.Transport)
	require.True(t, ok)
	require.Equal(t, DefaultTLSHandshakeTimeout, transport.TLSHandshakeTimeout)
	require.Equal(t, DefaultResponseHeaderTimeout, transport.ResponseHeaderTimeout)
	require.NotNil(t, transport.DialContext)
	require.NotNil(t, transport.Proxy, "proxies from the environment, as http.DefaultTransport")
	require.NotSame(t, http.DefaultTransport, client.Transport, "a transport of its own")
	require.Equal(t, Timeouts{Attempt: 30 * time.Second, Dial: 10 * time.Second, TLSHandshake: 10 * time.Second, ResponseHeader: 20 * time.Second},
		DefaultTimeouts(), "the values the README documents")

	srv := httptest.NewServer(http.RedirectHandler("http://127.0.0.1:1/elsewhere", http.StatusFound))
	t.Cleanup(srv.Close)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, http.NoBody)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusFound, resp.StatusCode, "a redirect is returned, not followed")
}
