package scm

import (
	"bytes"
	"context"
	"io"
	"log/slog"
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

// The IDs and token of the CertClient tests, searched for in log output.
const (
	ccProjectID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	ccCertID    = "scs1481110651012"
	ccToken     = "sts-token-never-logged"
)

// signedRequest is what a verifying server saw of one request.
type signedRequest struct {
	date, userAgent, ak string
	verifyErr           error
}

// scriptedVerifyingServer answers the requests in turn with answers (the last one
// repeated), after checking each one's signature at the time now gives
// with the SKs of secrets, and records them.
func scriptedVerifyingServer(t testing.TB, now func() time.Time, secrets func(string) (string, bool),
	answers ...answer) (string, func() []signedRequest) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []signedRequest
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = VerifySignature(r, body, secrets, now(), 0)
		}
		ak := r.Header.Get("Authorization")
		if _, rest, ok := strings.Cut(ak, "Access="); ok {
			ak, _, _ = strings.Cut(rest, ",")
		}
		mu.Lock()
		seen = append(seen, signedRequest{date: r.Header.Get(HeaderSdkDate), userAgent: r.Header.Get("User-Agent"), ak: ak, verifyErr: err})
		a := answers[min(len(seen)-1, len(answers)-1)]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []signedRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]signedRequest(nil), seen...)
	}
}

// fakeClockClient returns a CertClient for base that signs with the test
// key pair and the security token, and retries by policy, both on clock.
func fakeClockClient(t testing.TB, base string, clock *fakeClock, policy RetryPolicy, opts ...CertClientOption) *CertClient {
	t.Helper()
	creds := Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK), SecurityToken: NewSecret(ccToken), ProjectID: ccProjectID}
	opts = append([]CertClientOption{withAKSKClock(creds, clock.Now), WithRetryPolicy(fakePolicy(policy, clock))}, opts...)
	c, err := NewCertClient(base, opts...)
	require.NoError(t, err)
	return c
}

var (
	answerThrottled = answer{status: http.StatusTooManyRequests, body: throttledBody, header: map[string]string{"Retry-After": "1"}}
	answerOK        = answer{status: http.StatusOK, body: resultBody}
	answerWrong     = answer{status: http.StatusBadRequest,
		body: `{"error_code":"SCM.0010","error_msg":"The certificate cannot be cancelled in its status","request_id":"r-400"}`}
)

// TestCertClientRetriesThrottling: two 429 APIG.0308 answers, then a
// result. CertClient retries by default, honours Retry-After, and signs
// each of the three attempts afresh: three distinct X-Sdk-Date values,
// each signature valid at the time it was sent.
func TestCertClientRetriesThrottling(t *testing.T) {
	clock := newFakeClock()
	base, seen := scriptedVerifyingServer(t, clock.Now, testSecrets, answerThrottled, answerThrottled, answerOK)
	c := fakeClockClient(t, base, clock, DefaultRetryPolicy())

	got, err := c.CancelCertificate(context.Background(), ccProjectID, ccCertID)
	require.NoError(t, err)
	require.Equal(t, &CancelCertResult{CertId: ccCertID, Message: "success"}, got)

	reqs := seen()
	require.Len(t, reqs, 3, "succeeds on the third attempt")
	dates := map[string]bool{}
	for i, r := range reqs {
		require.NoError(t, r.verifyErr, "attempt %d carries a valid signature", i+1)
		dates[r.date] = true
	}
	require.Len(t, dates, 3, "each attempt is signed afresh, with its own X-Sdk-Date")
	require.Equal(t, []time.Duration{time.Second, time.Second}, clock.Sleeps(), "Retry-After: 1 honoured")
}

// TestCertClientErrorsTellAttempts checks the error of a call that sent
// something: it tells how many attempts were made, and errors.As and
// errors.Is still find the *APIError and its class through it.
func TestCertClientErrorsTellAttempts(t *testing.T) {
	tests := []struct {
		name         string
		why          string
		policy       RetryPolicy
		answers      []answer
		wantAttempts int
		wantStatus   int
		wantIs       error
		wantErr      string
	}{
		{name: "SCM.0010 is sent once", why: "an answer from SCM is final: retrying could cancel twice",
			policy: DefaultRetryPolicy(), answers: []answer{answerWrong}, wantAttempts: 1,
			wantStatus: http.StatusBadRequest, wantIs: ErrWrongState,
			wantErr: "scm: cancel-cert: HTTP 400 SCM.0010: The certificate cannot be cancelled in its status"},
		{name: "throttled up to the attempt cap", why: "the policy's cap of 3 attempts ends the call with the last answer",
			policy: RetryPolicy{MaxAttempts: 3}, answers: []answer{answerThrottled}, wantAttempts: 3,
			wantStatus: http.StatusTooManyRequests, wantIs: ErrThrottled,
			wantErr: "HTTP 429 APIG.0308: The throttling threshold has been reached (request ID r-429) (3 attempts; stopped: attempt cap of 3 reached)"},
		{name: "NoRetry turns retries off", why: "one attempt only, even for throttling",
			policy: NoRetry(), answers: []answer{answerThrottled, answerOK}, wantAttempts: 1,
			wantStatus: http.StatusTooManyRequests, wantIs: ErrThrottled, wantErr: "scm: cancel-cert: HTTP 429 APIG.0308"},
		{name: "throttled, then SCM.0010", why: "the retry meets SCM's answer, which is final",
			policy: DefaultRetryPolicy(), answers: []answer{answerThrottled, answerWrong}, wantAttempts: 2,
			wantStatus: http.StatusBadRequest, wantIs: ErrWrongState, wantErr: "(2 attempts; stopped: an answer from SCM)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			base, seen := scriptedVerifyingServer(t, clock.Now, testSecrets, tt.answers...)
			_, err := fakeClockClient(t, base, clock, tt.policy).CancelCertificate(context.Background(), ccProjectID, ccCertID)
			require.Error(t, err, "must fail: %s", tt.why)
			require.Len(t, seen(), tt.wantAttempts, "requests the server received: %s", tt.why)

			var attemptsErr *AttemptsError
			require.ErrorAs(t, err, &attemptsErr)
			require.Equal(t, tt.wantAttempts, attemptsErr.Attempts, tt.why)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, "the *APIError is found through the wrapper")
			require.Equal(t, tt.wantStatus, apiErr.StatusCode)
			require.ErrorIs(t, err, tt.wantIs, "the class is found through the wrapper")
			require.ErrorContains(t, err, tt.wantErr, tt.why)
		})
	}
}

// TestCertClientRetriesDialFailures: nothing listens on the port, so no
// request can have been written; the call is retried up to the cap, and
// the error says so.
func TestCertClientRetriesDialFailures(t *testing.T) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // the port is now closed: connection refused

	clock := newFakeClock()
	_, err = fakeClockClient(t, "http://"+addr, clock, RetryPolicy{MaxAttempts: 3}).
		CancelCertificate(context.Background(), ccProjectID, ccCertID)
	var attemptsErr *AttemptsError
	require.ErrorAs(t, err, &attemptsErr, "must fail: nothing listens")
	require.Equal(t, 3, attemptsErr.Attempts, "a failure to connect is retried up to the cap")
	require.ErrorContains(t, err, "connection refused")
	require.ErrorContains(t, err, "(3 attempts; stopped: attempt cap of 3 reached)")
	require.Len(t, clock.Sleeps(), 2, "a wait between attempts")
}

// TestCertClientDoesNotRetryUnpreparedRequests: when the credentials
// cannot be had, nothing is sent, and nothing is retried.
func TestCertClientDoesNotRetryUnpreparedRequests(t *testing.T) {
	clock := newFakeClock()
	base, seen := scriptedVerifyingServer(t, clock.Now, testSecrets, answerOK)
	var calls atomic.Int32
	provider := providerFunc(func(context.Context) (Credentials, time.Time, error) {
		calls.Add(1)
		return Credentials{}, time.Time{}, &lackError{source: "test", detail: "nothing here"}
	})
	c, err := NewCertClient(base, WithCredentialsProvider(provider), WithRetryPolicy(fakePolicy(DefaultRetryPolicy(), clock)))
	require.NoError(t, err)
	_, err = c.CancelCertificate(context.Background(), ccProjectID, ccCertID)
	require.ErrorIs(t, err, ErrNoCredentials, "must fail: the provider has no credentials")
	require.ErrorContains(t, err, "scm: cancel-cert: scm: get credentials: scm: no credentials from test: nothing here")
	require.Empty(t, seen(), "nothing was sent")
	require.EqualValues(t, 1, calls.Load(), "not retried: the provider would lack them again")
	require.Empty(t, clock.Sleeps())
}

// providerFunc makes a function a CredentialsProvider.
type providerFunc func(context.Context) (Credentials, time.Time, error)

func (f providerFunc) Retrieve(ctx context.Context) (Credentials, time.Time, error) { return f(ctx) }

// TestCertClientDefaultTimeoutCutsStall: the server reads the request and
// never answers; the call has no deadline, and the default HTTP client's
// timeouts (made short here with WithTimeouts) cut it. The request was
// written, so it may have been delivered: it is not retried.
func TestCertClientDefaultTimeoutCutsStall(t *testing.T) {
	tests := []struct {
		name     string
		timeouts Timeouts
		wantErr  string
	}{
		{name: "attempt timeout", timeouts: Timeouts{Attempt: 150 * time.Millisecond},
			wantErr: "Client.Timeout exceeded while awaiting headers"},
		{name: "response header timeout", timeouts: Timeouts{ResponseHeader: 150 * time.Millisecond},
			wantErr: "timeout awaiting response headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			var requests atomic.Int32
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				requests.Add(1)
				<-release // stall until the test ends
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(release) })
			c, err := NewCertClient(srv.URL, WithToken(testToken), WithTimeouts(tt.timeouts))
			require.NoError(t, err)

			start := time.Now()
			_, err = c.CancelCertificate(context.Background(), ccProjectID, ccCertID)
			elapsed := time.Since(start)
			require.Error(t, err, "must fail: the server never answers")
			require.ErrorContains(t, err, tt.wantErr, "the timeout cut the stall")
			require.Less(t, elapsed, 5*time.Second, "cut by the short timeout, not waited for")
			var attemptsErr *AttemptsError
			require.ErrorAs(t, err, &attemptsErr)
			require.Equal(t, 1, attemptsErr.Attempts, "a request written may have been delivered: not retried")
			require.EqualValues(t, 1, requests.Load())
		})
	}
}

// TestCertClientRefreshesCredentials, meant for -race: calls run
// concurrently, round after round, while a clock moves the temporary
// credentials of a CachedProvider past their refresh time. Each round
// takes one refresh, and every request is signed, validly, with the
// credentials current when it was sent.
func TestCertClientRefreshesCredentials(t *testing.T) {
	clock := newAtomicClock()
	src := &generations{now: clock.Now, lifetime: 10 * time.Minute}
	cache := NewCachedProvider(src, 5*time.Minute)
	cache.now = clock.Now
	secrets := func(ak string) (string, bool) { return "secret-of-" + ak, strings.HasPrefix(ak, "AKGEN") }
	base, seen := scriptedVerifyingServer(t, clock.Now, secrets, answerOK)
	c, err := NewCertClient(base, withCredentialsProviderClock(cache, clock.Now))
	require.NoError(t, err)

	const rounds, callers = 3, 8
	for round := 1; round <= rounds; round++ {
		var wg sync.WaitGroup
		errs := make([]error, callers)
		for i := range callers {
			wg.Go(func() {
				_, errs[i] = c.CancelCertificate(context.Background(), ccProjectID, ccCertID)
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.EqualValues(t, round, src.calls.Load(), "one refresh per round, shared by %d callers", callers)
		clock.Advance(6 * time.Minute) // past the refresh time, before the expiry
	}
	reqs := seen()
	require.Len(t, reqs, rounds*callers)
	perAK := map[string]int{}
	for _, r := range reqs {
		require.NoError(t, r.verifyErr, "signed with current credentials")
		perAK[r.ak]++
	}
	require.Equal(t, map[string]int{"AKGEN1": callers, "AKGEN2": callers, "AKGEN3": callers}, perAK)
}

// TestCertClientUserAgent: every request carries the client's User-Agent,
// with the suffix given; a suffix that cannot be sent is refused.
func TestCertClientUserAgent(t *testing.T) {
	clock := newFakeClock()
	base, seen := scriptedVerifyingServer(t, clock.Now, testSecrets, answerThrottled, answerOK)
	c := fakeClockClient(t, base, clock, DefaultRetryPolicy(), WithUserAgent("cert-rotator/2.1"))
	_, err := c.CancelCertificate(context.Background(), ccProjectID, ccCertID)
	require.NoError(t, err)
	want, err := UserAgent("cert-rotator/2.1")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(want, "cancelcert/") && strings.HasSuffix(want, " (Go) cert-rotator/2.1"), want)
	reqs := seen()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		require.Equal(t, want, r.userAgent, "every attempt carries it")
		require.NoError(t, r.verifyErr, "the User-Agent leaves the signature valid")
	}

	_, err = NewCertClient(base, WithUserAgent("evil\r\nX-Injected: 1"))
	require.ErrorContains(t, err, "scm: with user agent: scm: user agent: suffix contains a control character",
		"a header value cannot hold CR or LF")
}

// TestCertClientLogsEachAttempt: a logger set with WithLogger receives one
// record per attempt, and the project ID, certificate ID, path and every
// secret appear nowhere in its output, text or JSON.
func TestCertClientLogsEachAttempt(t *testing.T) {
	handlers := map[string]func(io.Writer) slog.Handler{
		"text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
		"json": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	}
	for name, newHandler := range handlers {
		t.Run(name, func(t *testing.T) {
			clock := newFakeClock()
			base, _ := scriptedVerifyingServer(t, clock.Now, testSecrets, answerThrottled, answerWrong)
			var out bytes.Buffer
			c := fakeClockClient(t, base, clock, DefaultRetryPolicy(), WithLogger(slog.New(newHandler(&out))))
			_, err := c.CancelCertificate(context.Background(), ccProjectID, ccCertID)
			require.ErrorIs(t, err, ErrWrongState, "must fail: the second answer is SCM.0010")

			text := out.String()
			lines := strings.Split(strings.TrimSpace(text), "\n")
			require.Len(t, lines, 2, "one record per attempt: %s", text)
			for i, want := range [][]string{{"cancel-cert", "429", "APIG.0308", "r-429"}, {"cancel-cert", "400", "SCM.0010", "r-400"}} {
				for _, w := range want {
					require.Contains(t, lines[i], w, "record %d", i+1)
				}
			}
			for _, secret := range []string{ccProjectID, ccCertID, testAK, testSK, ccToken, "/v2/", "Signature", "127.0.0.1"} {
				require.NotContains(t, text, secret, "the log must not hold %q", secret)
			}
		})
	}
}

// TestCertClientTimeoutsBesideHTTPClient: WithTimeouts would set nothing on
// a client given with WithHTTPClient, so NewCertClient refuses the pair.
func TestCertClientTimeoutsBesideHTTPClient(t *testing.T) {
	_, err := NewCertClient("https://scm.example", WithToken(testToken), WithHTTPClient(&http.Client{}),
		WithTimeouts(Timeouts{Attempt: time.Second}))
	require.ErrorContains(t, err, "WithTimeouts has no effect beside WithHTTPClient")

	_, err = NewCertClient("https://scm.example", WithToken(testToken), WithTimeouts(Timeouts{Attempt: time.Second}))
	require.NoError(t, err, "alone, WithTimeouts sets the default client's timeouts")
}

// TestCertClientDefaultHTTPClient: without WithHTTPClient the client sends
// through NewHTTPClient's client, with its timeouts.
func TestCertClientDefaultHTTPClient(t *testing.T) {
	c, err := NewCertClient("https://scm.example", WithToken(testToken), WithTimeouts(Timeouts{Attempt: 7 * time.Second}))
	require.NoError(t, err)
	api, ok := c.api.(*Client)
	require.True(t, ok)
	hc, ok := api.Client.(*http.Client)
	require.True(t, ok, "an *http.Client")
	require.Equal(t, 7*time.Second, hc.Timeout, "WithTimeouts' attempt timeout")
	tr, ok := hc.Transport.(*http.Transport)
	require.True(t, ok)
	require.Equal(t, DefaultResponseHeaderTimeout, tr.ResponseHeaderTimeout, "defaults for the fields left at zero")
	require.NotNil(t, hc.CheckRedirect, "no redirect followed")

	c, err = NewCertClient("https://scm.example", WithToken(testToken))
	require.NoError(t, err)
	hc, ok = c.api.(*Client).Client.(*http.Client)
	require.True(t, ok)
	require.Equal(t, DefaultAttemptTimeout, hc.Timeout, "a timeout by default")
	require.Equal(t, DefaultRetryPolicy().MaxAttempts, c.retry.MaxAttempts, "retries on by default")
	require.ErrorIs(t, hc.CheckRedirect(nil, nil), http.ErrUseLastResponse, "a 3xx is returned, not followed")
}
