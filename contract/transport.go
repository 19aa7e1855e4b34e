package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// Transport is the package's http.RoundTripper. It sends each request
// through Base, reads both bodies once (up to MaxRequestBody and
// MaxResponseBody), and hands the exchange, in order, to validation (when
// Validator is set), then to each of Hooks: a Recorder, the caller's own.
// Wrap the transport of any client in it, in tests or in a canary:
//
//	tr := contract.NewValidatingTransport(v, http.DefaultTransport, contract.ReportTo(t), rec) // rec: a *Recorder, or any Hook
//	client, err := scm.NewCertClient(endpoint, scm.WithHTTPClient(&http.Client{Transport: tr}), scm.WithToken(tok))
//
// The caller's request is never modified: Base is sent a clone whose body
// reads the buffered bytes. The caller gets a response whose body reads the
// same bytes as the hooks saw. Each exchange is validated once, however
// many hooks look at it: they are given the verdict, with the exchange's
// drift notes (see Validator.ValidateWithNotes).
type Transport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Validator checks each exchange, first; nil means no validation (the
	// hooks are then told the exchange was not validated).
	Validator *Validator
	// OnViolation receives each exchange that Validator finds breaking the
	// contract, with the *ValidationError. When nil, RoundTrip returns the
	// violation as its error instead of the response, after the hooks ran.
	OnViolation func(ex *Exchange, err error)
	// Hooks are handed each exchange after validation, in order. An error
	// from one stops the round trip: RoundTrip returns it.
	Hooks []Hook
	// MaxRequestBody bounds the request body read; 0 or less means
	// scm.DefaultRequestLimit. A longer body is not sent: RoundTrip
	// returns an error wrapping scm.ErrBodyTooLarge.
	MaxRequestBody int64
	// MaxResponseBody bounds the response body read; 0 or less means
	// scm.DefaultResponseLimit, the client's own limit. A longer body is
	// an error wrapping scm.ErrBodyTooLarge.
	MaxResponseBody int64
}

// ValidatingTransport is the name Transport had when validating was all it
// did; NewValidatingTransport returns one.
type ValidatingTransport = Transport

// Hook is one step a Transport hands each exchange to, after validation.
type Hook interface {
	// HandleExchange is given the exchange, as sent and as answered, and
	// validation's verdict on it. The hook must not modify ex. A non-nil
	// error stops the round trip.
	HandleExchange(ex *Exchange, verdict Verdict) error
}

// HookFunc adapts a function to Hook.
type HookFunc func(ex *Exchange, verdict Verdict) error

// HandleExchange calls f.
func (f HookFunc) HandleExchange(ex *Exchange, verdict Verdict) error { return f(ex, verdict) }

// Verdict is what the Transport's validation found about one exchange.
type Verdict struct {
	// Validated reports whether a Validator judged the exchange; when
	// false, Err is nil and says nothing.
	Validated bool
	// Err is nil when the exchange keeps the contract, a *ValidationError
	// when it breaks it, or another error when it could not be judged
	// (such as ErrIncompleteExchange).
	Err error
	// Notes are the exchange's drift notes, from the same validation (see
	// Validator.ValidateWithNotes): what the response shows that the spec
	// does not document but the contract tolerates. They say nothing
	// about Err: a valid exchange can have notes. Nil when not Validated.
	Notes []Note
}

// NewValidatingTransport returns a Transport that validates every exchange
// with v, reports violations to onViolation, then hands the exchange to
// hooks; see Transport's fields.
func NewValidatingTransport(v *Validator, base http.RoundTripper, onViolation func(*Exchange, error), hooks ...Hook) *Transport {
	return &Transport{Validator: v, Base: base, OnViolation: onViolation, Hooks: hooks}
}

// NewTransport returns a Transport that hands every exchange to hooks,
// without validating it (a Recorder then validates what it records).
func NewTransport(base http.RoundTripper, hooks ...Hook) *Transport {
	return &Transport{Base: base, Hooks: hooks}
}

// ReportTo returns an OnViolation function that fails tb with the whole
// violation, so that a test keeps running and reports every bad exchange.
func ReportTo(tb testing.TB) func(*Exchange, error) {
	return func(_ *Exchange, err error) {
		tb.Helper()
		tb.Errorf("%v", err)
	}
}

// RoundTrip sends a clone of req through Base, then validates the exchange
// and hands it to the hooks. A network error is returned wrapped, so that
// callers can still test it with errors.Is.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	for _, h := range t.Hooks {
		if c, ok := h.(configChecker); ok {
			if err := c.checkConfig(); err != nil {
				if req.Body != nil {
					_ = req.Body.Close()
				}
				return nil, fmt.Errorf("contract: %w", err)
			}
		}
	}
	sent, reqBody, err := t.cloneRequest(req)
	if err != nil {
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(sent)
	if err != nil {
		return nil, fmt.Errorf("contract: send request: %w", err)
	}
	limit := t.MaxResponseBody
	if limit <= 0 {
		limit = scm.DefaultResponseLimit
	}
	body, readErr := scm.ReadLimited(resp.Body, limit)
	_ = resp.Body.Close()
	if readErr != nil {
		return nil, fmt.Errorf("contract: read response body: %w", readErr)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ex := &Exchange{Request: sent, RequestBody: reqBody, StatusCode: resp.StatusCode, Header: resp.Header, Body: body}

	var verdict Verdict
	if t.Validator != nil {
		notes, err := t.Validator.ValidateWithNotes(sent.Context(), ex)
		verdict = Verdict{Validated: true, Err: err, Notes: notes}
		if verdict.Err != nil && t.OnViolation != nil {
			t.OnViolation(ex, verdict.Err)
		}
	}
	for _, h := range t.Hooks {
		if err := h.HandleExchange(ex, verdict); err != nil {
			return nil, fmt.Errorf("contract: %w", err)
		}
	}
	if verdict.Err != nil && t.OnViolation == nil {
		return nil, verdict.Err
	}
	return resp, nil
}

// configChecker is a hook that can tell, before anything is sent, that it
// is not configured to handle an exchange.
type configChecker interface {
	checkConfig() error
}

// cloneRequest reads the body of req, at most MaxRequestBody bytes, closes
// it, and returns a clone of req whose body reads those bytes. req itself
// is left as it was (a RoundTripper must not modify it); when req has
// GetBody, the body is read from a fresh copy.
func (t *Transport) cloneRequest(req *http.Request) (*http.Request, []byte, error) {
	limit := t.MaxRequestBody
	if limit <= 0 {
		limit = scm.DefaultRequestLimit
	}
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if req.Body == nil || req.Body == http.NoBody {
		closeBody()
		return req.Clone(req.Context()), nil, nil
	}
	src := req.Body
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			closeBody()
			return nil, nil, fmt.Errorf("contract: read request body: %w", err)
		}
		defer func() { _ = rc.Close() }()
		src = rc
	}
	body, err := scm.ReadLimited(src, limit)
	closeBody()
	if err != nil {
		return nil, nil, fmt.Errorf("contract: read request body: %w", err)
	}
	sent := req.Clone(req.Context())
	sent.Body = io.NopCloser(bytes.NewReader(body))
	sent.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	sent.ContentLength = int64(len(body))
	return sent, body, nil
}
