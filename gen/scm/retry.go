package scm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults of RetryPolicy, used for its fields left at zero.
const (
	// DefaultMaxAttempts is how many attempts a call makes at most, the
	// first one included.
	DefaultMaxAttempts = 4
	// DefaultMaxElapsed caps the time from the first attempt to the start
	// of the last: no wait is begun that would end later.
	DefaultMaxElapsed = 60 * time.Second
	// DefaultBaseDelay is the backoff before the second attempt, at most;
	// it doubles for each further attempt.
	DefaultBaseDelay = 200 * time.Millisecond
	// DefaultMaxDelay caps the backoff between two attempts (a
	// Retry-After header may ask for more; see RetryPolicy).
	DefaultMaxDelay = 10 * time.Second
)

// RetryPolicy says when a call is sent again, and how long to wait first.
//
// # What is retried, and why
//
// Cancelling a certificate application changes state at SCM, so a request
// is sent again only when it cannot have reached SCM, or when the API
// gateway in front of SCM refused it before forwarding it:
//
//   - throttling: HTTP 429 or the gateway's code APIG.0308, whatever the
//     status. The gateway throttles before it forwards, so SCM never saw
//     the request.
//   - HTTP 503 whose body carries a gateway code (APIGW.* or APIG.*): the
//     gateway wrote that answer itself, and it answers 503 when it will
//     not forward (overload protection, no backend available). Inferred,
//     not documented: the facts file lists no 503 code.
//   - failures before the request was written: dial errors (connection
//     refused, no route, DNS), TLS handshake failures other than a
//     certificate that does not verify, and any transport error raised
//     before net/http reported the request written (httptrace's
//     WroteRequest), since a request not fully sent cannot be acted on.
//
// Never retried, because the answer came from SCM or says something a
// second attempt will not change:
//
//   - any answer carrying an SCM code (SCM.*), whatever its status, and
//     every 2xx, 3xx and 4xx but 429 (a 401 APIGW.0301 in particular:
//     after more than 5 failed signatures in a row the gateway locks the
//     key for 5 minutes), and HTTP 500 and 501 (APIGW.0705 included);
//   - a certificate that does not verify (retrying cannot fix it);
//   - the caller's context being cancelled or past its deadline.
//
// Retried only when RetryPossiblyDelivered is set, because SCM may have
// acted on the request: HTTP 502 and 504 (with a gateway code or none:
// the gateway forwarded the request and got a bad answer or none), HTTP
// 503 without a gateway code (it may come from SCM or a proxy behind the
// gateway), and a connection lost after the request was written. For
// cancel-cert a second delivery is mostly harmless (it meets an
// application already cancelled, and SCM answers SCM.0010), which is why
// a caller may opt in; the default never sends twice what may have
// arrived once.
//
// # How long to wait
//
// Before attempt n+1 the policy waits a random time in [0, min(MaxDelay,
// BaseDelay·2^(n-1))) ("full jitter", which spreads clients that failed
// together), or, when the answer carries Retry-After (seconds or an HTTP
// date), exactly what it asks, even beyond MaxDelay. No wait begins that
// would end past the context's deadline or past MaxElapsed after the
// first attempt began: the call then stops with the last answer.
//
// The zero RetryPolicy uses the defaults (DefaultMaxAttempts and the
// others); NoRetry returns one that makes a single attempt.
type RetryPolicy struct {
	// MaxAttempts caps the attempts, the first included; 1 turns retries
	// off. DefaultMaxAttempts when zero or negative.
	MaxAttempts int
	// MaxElapsed caps the time from the start of the first attempt to the
	// end of the last wait. DefaultMaxElapsed when zero or negative.
	MaxElapsed time.Duration
	// BaseDelay is the backoff cap before the second attempt.
	// DefaultBaseDelay when zero or negative.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. DefaultMaxDelay when zero or negative.
	MaxDelay time.Duration
	// RetryPossiblyDelivered also retries what may have reached SCM (see
	// above). Off by default.
	RetryPossiblyDelivered bool

	// now, sleep and random replace the clock, the wait and the jitter's
	// source in tests; nil means time.Now, a timer and math/rand/v2.
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	random func() float64 // in [0, 1)
}

// DefaultRetryPolicy returns the policy a client uses unless told
// otherwise: DefaultMaxAttempts attempts within DefaultMaxElapsed, full
// jitter from DefaultBaseDelay up to DefaultMaxDelay, nothing retried that
// may have been delivered.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: DefaultMaxAttempts,
		MaxElapsed:  DefaultMaxElapsed,
		BaseDelay:   DefaultBaseDelay,
		MaxDelay:    DefaultMaxDelay,
	}
}

// NoRetry returns a policy that makes one attempt only.
func NoRetry() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

// Retryability is the verdict of ClassifyAttempt on one attempt.
type Retryability int

// The verdicts of ClassifyAttempt.
const (
	// NotRetryable: the answer is final (a success, an answer from SCM, a
	// refusal a second attempt would meet again, or a cancelled context).
	NotRetryable Retryability = iota
	// RetryableNotDelivered: the request cannot have reached SCM; sending
	// it again is safe.
	RetryableNotDelivered
	// RetryablePossiblyDelivered: the request may have reached SCM; it is
	// sent again only when RetryPolicy.RetryPossiblyDelivered is set.
	RetryablePossiblyDelivered
)

// String names the verdict.
func (r Retryability) String() string {
	switch r {
	case NotRetryable:
		return "not retryable"
	case RetryableNotDelivered:
		return "retryable, not delivered"
	case RetryablePossiblyDelivered:
		return "retryable, possibly delivered"
	}
	return "Retryability(" + strconv.Itoa(int(r)) + ")"
}

// Outcome is what one attempt produced, as ClassifyAttempt needs it.
type Outcome struct {
	// StatusCode is the response's status; 0 when Err is set.
	StatusCode int
	// Code is the response body's error_code (see APIError.Code), empty
	// when there is none.
	Code string
	// Err is the transport error; nil when a response arrived.
	Err error
	// RequestWritten reports whether net/http reported the whole request
	// written (httptrace.ClientTrace.WroteRequest without an error).
	RequestWritten bool
}

// ClassifyAttempt decides whether the attempt may be sent again, by the
// rules RetryPolicy documents, and says why in a few words.
func ClassifyAttempt(o Outcome) (Retryability, string) {
	if o.Err != nil {
		return classifyTransportError(o.Err, o.RequestWritten)
	}
	gateway := strings.HasPrefix(o.Code, "APIGW.") || strings.HasPrefix(o.Code, "APIG.")
	switch {
	case strings.HasPrefix(o.Code, "SCM."):
		return NotRetryable, "an answer from SCM"
	case o.StatusCode == http.StatusTooManyRequests || o.Code == "APIG.0308":
		return RetryableNotDelivered, "throttled by the gateway"
	case o.StatusCode == http.StatusServiceUnavailable && gateway:
		return RetryableNotDelivered, "refused by the gateway before forwarding"
	case o.StatusCode == http.StatusBadGateway || o.StatusCode == http.StatusGatewayTimeout ||
		o.StatusCode == http.StatusServiceUnavailable:
		return RetryablePossiblyDelivered, "HTTP " + strconv.Itoa(o.StatusCode) + ": the request may have reached SCM"
	}
	return NotRetryable, "a final answer"
}

// classifyTransportError tells a failure before the request was written
// from one after.
func classifyTransportError(err error, written bool) (Retryability, string) {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var opErr *net.OpError
	var notSent *notSentError
	switch {
	case errors.As(err, &notSent):
		return NotRetryable, "the request could not be prepared"
	case errors.Is(err, context.Canceled):
		return NotRetryable, "cancelled"
	case errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostErr):
		return NotRetryable, "the server's certificate does not verify"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return RetryableNotDelivered, "could not connect"
	case !written:
		return RetryableNotDelivered, "failed before the request was written"
	}
	return RetryablePossiblyDelivered, "failed after the request was written"
}

// notSentError marks the error of an attempt that failed before its
// request was handed to the transport (credentials that cannot be had, a
// signature refused): nothing was sent, and sending again would fail the
// same way, so it is not retried.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }

func (e *notSentError) Unwrap() error { return e.err }

// AttemptFunc sends attempt number attempt (1 for the first) and returns
// the response or the transport error, as http.Client.Do does. It must
// build and sign a new request each time (a fresh X-Sdk-Date), and send it
// with ctx, which carries the trace that tells whether it was written.
type AttemptFunc func(ctx context.Context, attempt int) (*http.Response, error)

// Attempt describes one attempt, for logging (see LogAttempt).
type Attempt struct {
	// Number is 1 for the first attempt.
	Number int
	// StatusCode is the response's status; 0 when Err is set.
	StatusCode int
	// Code is the error body's error_code; empty for a success or none.
	Code string
	// RequestID is the body's request_id, else the X-Request-Id header.
	RequestID string
	// Err is the transport error, if any.
	Err error
	// Duration is how long the attempt took until its headers arrived.
	Duration time.Duration
	// Verdict is ClassifyAttempt's verdict.
	Verdict Retryability
	// Reason is the verdict in words.
	Reason string
	// Retry reports whether another attempt follows, after Delay.
	Retry bool
	// Delay is the wait before the next attempt; zero when Retry is unset.
	Delay time.Duration
	// Stop says why no attempt follows; empty when Retry is set.
	Stop string
}

// AttemptsError is the error of a call, saying how many attempts were
// made and why no further one was. Err is the last attempt's error (an
// *APIError, a transport error, or the context's error); errors.As and
// errors.Is see through it.
type AttemptsError struct {
	// Attempts is how many attempts were sent.
	Attempts int
	// Stop says why no further attempt was made.
	Stop string
	// Err is the last error.
	Err error
}

// Error returns Err's text, followed, when more than one attempt was
// made, by their number and why the call stopped.
func (e *AttemptsError) Error() string {
	if e.Attempts <= 1 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s (%d attempts; stopped: %s)", e.Err.Error(), e.Attempts, e.Stop)
}

// Unwrap returns Err.
func (e *AttemptsError) Unwrap() error { return e.Err }

// retryPeekLimit is how much of an error body Do reads to find its code.
const retryPeekLimit = 64 << 10

// Do runs send until an attempt is final or the policy stops it, calling
// observe (when not nil) once per attempt with what it produced and what
// follows. It returns the last response, with its body unread and open,
// and how many attempts were made; or, when the last attempt failed in
// transport, or the context ended during a wait, an *AttemptsError.
//
// A caller that turns the response into an error should wrap it in an
// *AttemptsError with the count, so that the error tells it.
func (p RetryPolicy) Do(ctx context.Context, send AttemptFunc, observe func(Attempt)) (*http.Response, int, error) {
	p = p.withDefaults()
	start := p.now()
	for n := 1; ; n++ {
		var wrote writeTrace
		began := p.now()
		resp, err := send(httptrace.WithClientTrace(ctx, wrote.trace()), n)
		a := Attempt{Number: n, Duration: p.now().Sub(began), Err: err}
		out := Outcome{Err: err, RequestWritten: wrote.written.Load()}
		var retryAfter string
		if err == nil {
			a.StatusCode, out.StatusCode = resp.StatusCode, resp.StatusCode
			a.RequestID = resp.Header.Get(HeaderRequestID)
			if resp.StatusCode >= http.StatusBadRequest {
				code, requestID := peekErrorBody(resp)
				a.Code, out.Code = code, code
				if requestID != "" {
					a.RequestID = requestID
				}
			}
			retryAfter = resp.Header.Get("Retry-After")
		}
		a.Verdict, a.Reason = ClassifyAttempt(out)
		a.Stop = p.stopReason(ctx, a)
		a.Retry = a.Stop == ""
		if a.Retry {
			a.Delay = p.delay(n, retryAfter)
			a.Stop = p.checkWait(ctx, start, a.Delay)
			a.Retry = a.Stop == ""
			if !a.Retry {
				a.Delay = 0
			}
		}
		if observe != nil {
			observe(a)
		}
		if !a.Retry {
			if err != nil {
				return nil, n, &AttemptsError{Attempts: n, Stop: a.Stop, Err: err}
			}
			return resp, n, nil
		}
		if resp != nil {
			discard(resp)
		}
		if err := p.sleep(ctx, a.Delay); err != nil {
			return nil, n, &AttemptsError{Attempts: n, Stop: "context ended while waiting", Err: err}
		}
	}
}

// stopReason says why no attempt may follow a, before any wait is chosen;
// empty when one may.
func (p RetryPolicy) stopReason(ctx context.Context, a Attempt) string {
	switch {
	case a.Verdict == NotRetryable:
		return a.Reason
	case a.Verdict == RetryablePossiblyDelivered && !p.RetryPossiblyDelivered:
		return a.Reason + " (not retried unless RetryPossiblyDelivered is set)"
	case a.Number >= p.MaxAttempts:
		return "attempt cap of " + strconv.Itoa(p.MaxAttempts) + " reached"
	case ctx.Err() != nil:
		return "context ended"
	}
	return ""
}

// checkWait says why the wait d may not begin: it would end past
// MaxElapsed or the context's deadline. Empty when it may.
func (p RetryPolicy) checkWait(ctx context.Context, start time.Time, d time.Duration) string {
	now := p.now()
	if now.Add(d).Sub(start) > p.MaxElapsed {
		return "waiting " + d.String() + " would pass the total time cap of " + p.MaxElapsed.String()
	}
	if deadline, ok := ctx.Deadline(); ok && !now.Add(d).Before(deadline) {
		return "waiting " + d.String() + " would pass the context's deadline"
	}
	return ""
}

// delay is the wait before attempt n+1: what Retry-After asks when it
// parses, else full jitter over the exponential backoff.
func (p RetryPolicy) delay(n int, retryAfter string) time.Duration {
	if d, ok := ParseRetryAfter(retryAfter, p.now()); ok {
		return d
	}
	return p.backoff(n)
}

// backoff returns a random duration in [0, min(MaxDelay, BaseDelay·2^(n-1))).
func (p RetryPolicy) backoff(n int) time.Duration {
	ceiling := p.MaxDelay
	if shift := n - 1; shift < 62 && p.BaseDelay <= p.MaxDelay>>shift {
		ceiling = p.BaseDelay << shift
	}
	return time.Duration(p.random() * float64(ceiling))
}

// ParseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number
// of seconds, or an HTTP date, turned into the time from now until then
// (0 for a date in the past). It reports false for an empty or unreadable
// value.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if value[0] >= '0' && value[0] <= '9' {
		secs, err := strconv.ParseUint(value, 10, 32) // digits only, at most 136 years
		if err != nil {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// withDefaults fills the fields left at zero.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = DefaultMaxElapsed
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.sleep == nil {
		p.sleep = sleepContext
	}
	if p.random == nil {
		p.random = rand.Float64 // jitter needs no unpredictability
	}
	return p
}

// sleepContext waits d, or until ctx ends, and then returns its error.
func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeTrace records whether net/http wrote the whole request. It is
// atomic because net/http's HTTP/1 transport writes the request, and calls
// WroteRequest, on a goroutine of its own.
type writeTrace struct {
	written atomic.Bool
}

// trace returns the hooks that fill w.
func (w *writeTrace) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				w.written.Store(true)
			}
		},
	}
}

// peekErrorBody reads up to retryPeekLimit bytes of the body to find its
// error_code and request_id, by the rules of APIError, and puts them back
// in front of the rest so that the body reads as it was.
func peekErrorBody(resp *http.Response) (code, requestID string) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return "", ""
	}
	orig := resp.Body
	prefix, err := io.ReadAll(io.LimitReader(orig, retryPeekLimit))
	rest := io.Reader(orig)
	if err != nil {
		rest = failingReader{err}
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(prefix), rest), orig}
	if len(prefix) == retryPeekLimit || err != nil {
		return "", "" // not the whole body: no error_code can be trusted
	}
	var e APIError
	readErrorBody(&e, prefix)
	return e.Code, e.RequestID
}

// failingReader returns its error on every read.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// discard drains a little of a response that will not be used, so that
// its connection can be reused, and closes it.
func discard(resp *http.Response) {
	if resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, retryPeekLimit))
	_ = resp.Body.Close()
}
