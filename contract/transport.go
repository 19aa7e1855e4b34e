package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// DefaultMaxBody bounds how much of a body ValidatingTransport reads to
// validate it.
const DefaultMaxBody = 8 << 20

// ValidatingTransport is an http.RoundTripper that validates every exchange
// passing through it against the spec. Wrap the transport of any client in
// it, in tests or in a canary:
//
//	vt := contract.NewValidatingTransport(v, http.DefaultTransport, contract.ReportTo(t))
//	client, err := scm.NewClientWithResponses(url, scm.WithHTTPClient(&http.Client{Transport: vt}))
//
// NOTE that it reads both bodies into memory (up to MaxBody each) and hands
// the caller a response whose body reads the same bytes.
type ValidatingTransport struct {
	// Validator checks each exchange. Required.
	Validator *Validator
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// OnViolation receives each exchange that breaks the contract, with the
	// *ValidationError. When nil, RoundTrip returns the violation as its
	// error instead of the response.
	OnViolation func(ex *Exchange, err error)
	// MaxBody bounds each body read; 0 means DefaultMaxBody. A longer body
	// is a violation.
	MaxBody int64
}

// NewValidatingTransport returns a ValidatingTransport; see its fields.
func NewValidatingTransport(v *Validator, base http.RoundTripper, onViolation func(*Exchange, error)) *ValidatingTransport {
	return &ValidatingTransport{Validator: v, Base: base, OnViolation: onViolation}
}

// ReportTo returns an OnViolation function that fails tb with the whole
// violation, so that a test keeps running and reports every bad exchange.
func ReportTo(tb testing.TB) func(*Exchange, error) {
	return func(ex *Exchange, err error) {
		tb.Helper()
		tb.Errorf("%v", err)
	}
}

// RoundTrip sends req through Base and validates the exchange.
func (t *ValidatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Validator == nil {
		return nil, errors.New("validating transport: no Validator")
	}
	resp, ex, err := bufferedRoundTrip(t.Base, req, t.MaxBody)
	if err != nil {
		return nil, fmt.Errorf("validating transport: %w", err)
	}
	if verr := t.Validator.Validate(req.Context(), ex); verr != nil {
		if t.OnViolation == nil {
			return nil, verr
		}
		t.OnViolation(ex, verr)
	}
	return resp, nil
}

// bufferedRoundTrip sends req through base (http.DefaultTransport when nil)
// and reads both bodies, up to limit each (DefaultMaxBody when 0 or less),
// into an Exchange. The request's body stays readable for sending and the
// response's body reads the same bytes for the caller. A network error is
// returned as it is, so that callers can still test it with errors.Is.
func bufferedRoundTrip(base http.RoundTripper, req *http.Request, limit int64) (*http.Response, *Exchange, error) {
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	if base == nil {
		base = http.DefaultTransport
	}
	reqBody, err := readRequestBody(req, limit)
	if err != nil {
		return nil, nil, err
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	body, readErr := readLimited(resp.Body, limit)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		return nil, nil, fmt.Errorf("read response body: %w", readErr)
	}
	return resp, &Exchange{Request: req, RequestBody: reqBody, StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// readRequestBody returns the request's body and leaves it readable for
// sending.
func readRequestBody(req *http.Request, limit int64) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		defer rc.Close()
		return readLimited(rc, limit)
	}
	body, err := readLimited(req.Body, limit)
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return body, nil
}

// ErrBodyTooLarge is returned when a body is longer than the limit.
var ErrBodyTooLarge = errors.New("body too large")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, limit)
	}
	return b, nil
}
