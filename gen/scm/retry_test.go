package scm

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a clock that only moves when the policy sleeps, recording
// each wait.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// fakePolicy is p with the fake clock and a jitter source returning half.
func fakePolicy(p RetryPolicy, c *fakeClock) RetryPolicy {
	p.now, p.sleep, p.random = c.Now, c.Sleep, func() float64 { return 0.5 }
	return p
}

// answer is one scripted response.
type answer struct {
	status int
	body   string
	header map[string]string
}

// scriptedServer answers the requests in turn with answers, the last one
// repeated, and counts them.
func scriptedServer(t testing.TB, answers ...answer) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		i := int(n.Add(1)) - 1
		a := answers[min(i, len(answers)-1)]
		w.Header().Set("Content-Type", "application/json")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// doWithoutResponse runs p.Do for attempts that must all fail, and fails
// the test, closing it, on any response that came back.
func doWithoutResponse(ctx context.Context, t testing.TB, p RetryPolicy, send AttemptFunc, observe func(Attempt)) (int, error) {
	t.Helper()
	resp, attempts, err := p.Do(ctx, send, observe)
	if resp != nil {
		_ = resp.Body.Close()
		t.Errorf("want no response, got HTTP %d", resp.StatusCode)
	}
	return attempts, err
}

// post returns an AttemptFunc that POSTs to url with client.
func post(client *http.Client, url string) AttemptFunc {
	return func(ctx context.Context, _ int) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, http.NoBody)
		if err != nil {
			return nil, err
		}
		return client.Do(req)
	}
}

const (
	throttledBody = `{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached","request_id":"r-429"}`
	resultBody    = `{"cert_id":"scs1481110651012","message":"success"}`
)

// TestRetryThrottledThenSuccess drives the generated client, signing with
// WithAKSK, through the policy: two throttled answers, then a result. Each
// of the three attempts reaches the server with a valid signature of its
// own, made afresh at the (fake) time it was sent.
func TestRetryThrottledThenSuccess(t *testing.T) {
	clock := newFakeClock()
	var (
		mu    sync.Mutex
		dates []string
		errs  []error
	)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = VerifySignature(r, body, testSecrets, clock.Now(), 0)
		}
		mu.Lock()
		dates, errs = append(dates, r.Header.Get(HeaderSdkDate)), append(errs, err)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1) < 3 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, throttledBody)
			return
		}
		_, _ = io.WriteString(w, resultBody)
	}))
	t.Cleanup(srv.Close)

	creds := Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK), ProjectID: "p1"}
	api, err := NewClient(srv.URL, withAKSKClock(creds, clock.Now))
	require.NoError(t, err)
	var seen []Attempt
	resp, attempts, err := fakePolicy(DefaultRetryPolicy(), clock).Do(context.Background(), //nolint:bodyclose // ParseCancelCertResult reads and closes the body
		func(ctx context.Context, _ int) (*http.Response, error) {
			return api.CancelCert(ctx, "p1", "scs1481110651012")
		}, func(a Attempt) { seen = append(seen, a) })
	require.NoError(t, err)
	require.Equal(t, 3, attempts)
	res, err := ParseCancelCertResult(resp, 0)
	require.NoError(t, err)
	require.Equal(t, "scs1481110651012", res.CertId)

	require.Equal(t, []error{nil, nil, nil}, errs, "three valid signatures")
	require.Len(t, dates, 3)
	require.NotEqual(t, dates[0], dates[1], "each attempt is signed afresh")
	require.NotEqual(t, dates[1], dates[2], "each attempt is signed afresh")
	require.Equal(t, []time.Duration{time.Second, time.Second}, clock.Sleeps(), "Retry-After: 1 honoured")

	require.Len(t, seen, 3)
	for i, a := range seen[:2] {
		require.Equal(t, i+1, a.Number)
		require.Equal(t, http.StatusTooManyRequests, a.StatusCode)
		require.Equal(t, "APIG.0308", a.Code)
		require.Equal(t, "r-429", a.RequestID)
		require.Equal(t, RetryableNotDelivered, a.Verdict)
		require.True(t, a.Retry)
	}
	require.Equal(t, http.StatusOK, seen[2].StatusCode)
	require.False(t, seen[2].Retry)
}

// TestRetryByAnswer checks, answer by answer, how many times the policy
// (4 attempts at most) sends the request: once for every answer from SCM
// or final refusal, up to the cap for what the gateway refused before
// forwarding, and up to the cap for what may have been delivered only when
// the caller opts in.
func TestRetryByAnswer(t *testing.T) {
	gatewayBody := func(code string) string {
		return `{"error_code":"` + code + `","error_msg":"m","request_id":"r"}`
	}
	scmBody := func(code string) string { return `{"error_code":"` + code + `","error_msg":"m"}` }
	tests := []struct {
		name         string
		answer       answer
		optIn        bool
		wantAttempts int
	}{
		{"200 result: a success is final", answer{status: 200, body: resultBody}, false, 1},
		{"400 SCM.0010: SCM's answer is sent once", answer{status: 400, body: scmBody("SCM.0010")}, false, 1},
		{"400 SCM.0010 even with opt-in: SCM answered", answer{status: 400, body: scmBody("SCM.0010")}, true, 1},
		{"401 APIGW.0301: a retry cannot fix the signature and may lock the key", answer{status: 401, body: gatewayBody("APIGW.0301")}, false, 1},
		{"404 APIGW.0101: the API does not exist, permanently", answer{status: 404, body: gatewayBody("APIGW.0101")}, false, 1},
		{"500 APIGW.0705: not a transient refusal", answer{status: 500, body: gatewayBody("APIGW.0705")}, false, 1},
		{"429 APIG.0308: throttled before forwarding", answer{status: 429, body: throttledBody}, false, 4},
		{"429 with an HTML body: throttled all the same", answer{status: 429, body: "<html>busy</html>"}, false, 4},
		{"APIG.0308 under another status: throttled", answer{status: 400, body: throttledBody}, false, 4},
		{"429 carrying an SCM code: SCM's own answer", answer{status: 429, body: scmBody("SCM.0005")}, false, 1},
		{"503 with a gateway code: refused before forwarding", answer{status: 503, body: gatewayBody("APIGW.9999")}, false, 4},
		{"503 with an SCM code: SCM's own answer", answer{status: 503, body: scmBody("SCM.0005")}, true, 1},
		{"503 without a code: may come from behind the gateway", answer{status: 503, body: "unavailable"}, false, 1},
		{"503 without a code, opted in", answer{status: 503, body: "unavailable"}, true, 4},
		{"502 gateway code: forwarded, bad answer", answer{status: 502, body: gatewayBody("APIGW.9999")}, false, 1},
		{"502 opted in", answer{status: 502, body: gatewayBody("APIGW.9999")}, true, 4},
		{"504: forwarded, no answer in time", answer{status: 504, body: ""}, false, 1},
		{"504 opted in", answer{status: 504, body: ""}, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, count := scriptedServer(t, tt.answer)
			p := fakePolicy(RetryPolicy{RetryPossiblyDelivered: tt.optIn}, newFakeClock())
			resp, attempts, err := p.Do(context.Background(), post(http.DefaultClient, url), nil)
			require.NoError(t, err)
			require.Equal(t, tt.wantAttempts, attempts)
			require.EqualValues(t, tt.wantAttempts, count.Load(), "requests the server received")
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, tt.answer.body, string(body), "the last body reads whole after the policy looked at it")
		})
	}
}

// TestRetryDialFailure sends to a port nothing listens on: the connection
// is refused before anything is written, so every attempt is made, and
// the error says how many.
func TestRetryDialFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // the port is now closed: connections are refused

	clock := newFakeClock()
	var verdicts []Retryability
	attempts, err := doWithoutResponse(context.Background(), t, fakePolicy(RetryPolicy{MaxAttempts: 3}, clock),
		post(http.DefaultClient, url), func(a Attempt) { verdicts = append(verdicts, a.Verdict) })
	require.Equal(t, 3, attempts)
	var ae *AttemptsError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 3, ae.Attempts)
	require.Contains(t, ae.Stop, "attempt cap of 3 reached")
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr, "the dial error is kept")
	require.Equal(t, "dial", opErr.Op)
	require.ErrorContains(t, err, "(3 attempts; stopped: attempt cap of 3 reached)")
	require.Equal(t, []Retryability{RetryableNotDelivered, RetryableNotDelivered, RetryableNotDelivered}, verdicts)
	require.Len(t, clock.Sleeps(), 2, "a wait between attempts, none after the last")
}

// TestRetryTLSHandshakeFailure: a server that closes every connection
// during the TLS handshake never got the request, so it is retried; a
// certificate that does not verify is not.
func TestRetryTLSHandshakeFailure(t *testing.T) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = conn.Close()
		}
	}()
	attempts, err := doWithoutResponse(context.Background(), t, fakePolicy(RetryPolicy{MaxAttempts: 3}, newFakeClock()),
		post(&http.Client{}, "https://"+ln.Addr().String()+"/x"), nil)
	require.Error(t, err)
	require.Equal(t, 3, attempts, "a handshake cut short is retried")
	require.EqualValues(t, 3, accepted.Load())

	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	attempts, err = doWithoutResponse(context.Background(), t, fakePolicy(RetryPolicy{MaxAttempts: 3}, newFakeClock()),
		post(&http.Client{}, tlsSrv.URL), nil) // the test server's certificate is not trusted
	require.ErrorContains(t, err, "certificate")
	require.Equal(t, 1, attempts, "a certificate that does not verify is not retried")
}

// TestRetryConnectionLostAfterWrite: the server reads the whole request and
// drops the connection without answering. SCM may have acted on it, so it
// is sent once, unless the caller opts in.
func TestRetryConnectionLostAfterWrite(t *testing.T) {
	tests := []struct {
		name         string
		optIn        bool
		wantAttempts int
	}{
		{"default: sent once", false, 1},
		{"opted in: sent up to the cap", true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var received atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				received.Add(1)
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			}))
			t.Cleanup(srv.Close)
			var verdicts []Retryability
			p := fakePolicy(RetryPolicy{MaxAttempts: 3, RetryPossiblyDelivered: tt.optIn}, newFakeClock())
			attempts, err := doWithoutResponse(context.Background(), t, p, post(&http.Client{}, srv.URL),
				func(a Attempt) { verdicts = append(verdicts, a.Verdict) })
			require.Error(t, err)
			require.Equal(t, tt.wantAttempts, attempts)
			require.EqualValues(t, tt.wantAttempts, received.Load())
			require.Equal(t, RetryablePossiblyDelivered, verdicts[0])
			if !tt.optIn {
				var ae *AttemptsError
				require.ErrorAs(t, err, &ae)
				require.Contains(t, ae.Stop, "not retried unless RetryPossiblyDelivered is set")
			}
		})
	}
}

// TestRetryAfter checks the wait chosen after a throttled answer.
func TestRetryAfter(t *testing.T) {
	clockStart := newFakeClock().Now()
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"HTTP date", clockStart.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{"HTTP date in the past: no wait", clockStart.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"more than MaxDelay: honoured all the same", "20", 20 * time.Second},
		// Unreadable: full jitter over BaseDelay (200ms), with the fake
		// source's 0.5.
		{"absent: backoff", "", 100 * time.Millisecond},
		{"negative: backoff", "-1", 100 * time.Millisecond},
		{"fraction: backoff", "1.5", 100 * time.Millisecond},
		{"garbage: backoff", "soon", 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := map[string]string{}
			if tt.retryAfter != "" {
				header["Retry-After"] = tt.retryAfter
			}
			url, _ := scriptedServer(t, answer{status: 429, body: throttledBody, header: header}, answer{status: 200, body: resultBody})
			clock := newFakeClock()
			resp, attempts, err := fakePolicy(DefaultRetryPolicy(), clock).Do(context.Background(), post(http.DefaultClient, url), nil)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, 2, attempts)
			require.Equal(t, []time.Duration{tt.want}, clock.Sleeps())
		})
	}
}

// TestRetryBackoffFullJitter: the wait is the jitter source's fraction of
// min(MaxDelay, BaseDelay·2^(n-1)).
func TestRetryBackoffFullJitter(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	p.random = func() float64 { return 0.999 }
	for n, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 80: time.Second} {
		require.Equal(t, time.Duration(0.999*float64(ceiling)), p.backoff(n), "attempt %d", n)
	}
	p.random = func() float64 { return 0 }
	require.Equal(t, time.Duration(0), p.backoff(3), "full jitter goes down to zero")
}

// TestRetryRespectsDeadline: no wait begins that would end past the
// context's deadline; the call returns the last answer at once.
func TestRetryRespectsDeadline(t *testing.T) {
	url, count := scriptedServer(t, answer{status: 429, body: throttledBody, header: map[string]string{"Retry-After": "30"}})
	var slept []time.Duration
	p := DefaultRetryPolicy()
	p.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil } // the real clock
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last Attempt
	resp, attempts, err := p.Do(ctx, post(http.DefaultClient, url), func(a Attempt) { last = a })
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the last answer is returned")
	require.Equal(t, 1, attempts)
	require.EqualValues(t, 1, count.Load())
	require.Empty(t, slept, "waiting 30 s would pass the deadline 10 s away")
	require.Contains(t, last.Stop, "would pass the context's deadline")
}

// TestRetryTotalTimeCap: MaxElapsed stops the call once the next wait
// would end past it.
func TestRetryTotalTimeCap(t *testing.T) {
	url, count := scriptedServer(t, answer{status: 429, body: throttledBody, header: map[string]string{"Retry-After": "1"}})
	clock := newFakeClock()
	p := fakePolicy(RetryPolicy{MaxAttempts: 10, MaxElapsed: 2 * time.Second}, clock)
	var last Attempt
	resp, attempts, err := p.Do(context.Background(), post(http.DefaultClient, url), func(a Attempt) { last = a })
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 3, attempts, "at 0 s, 1 s and 2 s; a third wait would end at 3 s")
	require.EqualValues(t, 3, count.Load())
	require.Contains(t, last.Stop, "total time cap of 2s")
}

// TestRetryContextCancelledWhileWaiting: a wait cut short by the context
// ends the call with the context's error and the count.
func TestRetryContextCancelledWhileWaiting(t *testing.T) {
	url, count := scriptedServer(t, answer{status: 429, body: throttledBody})
	ctx, cancel := context.WithCancel(context.Background())
	p := DefaultRetryPolicy()
	p.sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return sleepContext(ctx, time.Hour) }
	attempts, err := doWithoutResponse(ctx, t, p, post(http.DefaultClient, url), nil)
	require.ErrorIs(t, err, context.Canceled)
	var ae *AttemptsError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 1, attempts)
	require.Equal(t, 1, ae.Attempts)
	require.EqualValues(t, 1, count.Load())
}

// TestNoRetry makes one attempt, even when throttled.
func TestNoRetry(t *testing.T) {
	url, count := scriptedServer(t, answer{status: 429, body: throttledBody})
	resp, attempts, err := fakePolicy(NoRetry(), newFakeClock()).Do(context.Background(), post(http.DefaultClient, url), nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 1, attempts)
	require.EqualValues(t, 1, count.Load())
}

// TestClassifyTransportErrors covers what the servers above cannot show
// alone.
func TestClassifyTransportErrors(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		name    string
		o       Outcome
		want    Retryability
		because string
	}{
		{"dial error even if a trace said written", Outcome{Err: dial, RequestWritten: true}, RetryableNotDelivered, "could not connect"},
		{"read error after the write", Outcome{Err: io.ErrUnexpectedEOF, RequestWritten: true}, RetryablePossiblyDelivered, "after the request was written"},
		{"error before the write", Outcome{Err: io.ErrUnexpectedEOF}, RetryableNotDelivered, "before the request was written"},
		{"cancelled", Outcome{Err: context.Canceled}, NotRetryable, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := ClassifyAttempt(tt.o)
			require.Equal(t, tt.want, got)
			require.Contains(t, reason, tt.because)
		})
	}
}

// TestParseRetryAfter reads both forms RFC 9110 allows, and nothing else.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{"Mon, 06 May 2024 07:08:19 GMT", 10 * time.Second, true},
		{"Monday, 06-May-24 07:08:19 GMT", 10 * time.Second, true}, // RFC 850, which http.ParseTime reads too
		{"Mon, 06 May 2024 07:00:00 GMT", 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"1e3", 0, false},
		{"99999999999", 0, false},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.value), func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.value, now)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
