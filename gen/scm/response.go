package scm

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// DefaultResponseLimit is the default largest response body read: 1 MiB.
const DefaultResponseLimit int64 = 1 << 20

// HeaderRequestID is the response header carrying the request ID.
const HeaderRequestID = "X-Request-Id"

// opCancelCert is the operation name in APIError.
const opCancelCert = "cancel-cert"

// ParseCancelCertResult turns a cancel-cert response into its result or
// an error, and closes the body. It reads at most limit bytes of body
// (DefaultResponseLimit when limit is zero or negative). CertClient parses
// every response with it.
//
// Unlike the generated ParseCancelCertResponse, which returns a wrapper
// whose fields are all nil, and no error, for a status the spec does not
// list, it returns either a result or an error, never neither.
//
// It never guesses. Only HTTP 200 whose Content-Type is application/json
// (see CheckContentType) and whose body is one well-formed JSON object (see
// UnmarshalJSON) holding the string members cert_id and message, named
// exactly so, is a result; other members are ignored, and cert_id is
// returned as sent (the documented example has a leading space).
//
// Everything else is an *APIError carrying the status and the request ID:
//   - a refused 200, with Err wrapping ErrMalformedResponse and saying why;
//   - any other status, with Code, Message and RequestID taken only from
//     members named exactly error_code, error_msg and request_id whose
//     values are strings, in a body that is one well-formed JSON object
//     (read whatever the Content-Type says, as the official SDK reads any
//     body as JSON). A body that is not such an object is not read: Err
//     wraps ErrBodyNotRead and says why, and Code and Message stay empty;
//   - a body over the limit, with Err wrapping ErrBodyTooLarge.
func ParseCancelCertResult(resp *http.Response, limit int64) (*CancelCertResult, error) {
	if resp == nil {
		return nil, errors.New("scm: cancel-cert: nil response")
	}
	body, readErr := readResponseBody(resp, limit)
	// The *APIError, with its copy of the body, is made only when needed:
	// a result costs no more than decoding it.
	newAPIError := func(err error) *APIError {
		return &APIError{
			Operation:   opCancelCert,
			StatusCode:  resp.StatusCode,
			RequestID:   resp.Header.Get(HeaderRequestID),
			ContentType: resp.Header.Get("Content-Type"),
			Body:        excerpt(body),
			Err:         err,
		}
	}
	if readErr != nil {
		return nil, newAPIError(readErr)
	}
	if resp.StatusCode != http.StatusOK {
		apiErr := newAPIError(nil)
		readErrorBody(apiErr, body)
		return nil, apiErr
	}
	result, err := decodeCancelCertResult(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, newAPIError(fmt.Errorf("%w: %w", ErrMalformedResponse, err))
	}
	return result, nil
}

// ParseCancelCert is the former name of ParseCancelCertResult.
//
// Deprecated: use ParseCancelCertResult, whose name tells it apart from the
// generated ParseCancelCertResponse.
func ParseCancelCert(resp *http.Response, limit int64) (*CancelCertResult, error) {
	return ParseCancelCertResult(resp, limit)
}

// decodeCancelCertResult checks the content type and the required members.
func decodeCancelCertResult(contentType string, body []byte) (*CancelCertResult, error) {
	if err := CheckContentType(contentType); err != nil {
		return nil, err
	}
	var raw struct {
		CertID  *string `json:"cert_id"`
		Message *string `json:"message"`
	}
	if err := UnmarshalJSON(body, &raw); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	var missing []string
	if raw.CertID == nil {
		missing = append(missing, "cert_id")
	}
	if raw.Message == nil {
		missing = append(missing, "message")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("body lacks %s", strings.Join(missing, " and "))
	}
	return &CancelCertResult{CertId: *raw.CertID, Message: *raw.Message}, nil
}

// readErrorBody fills Code, Message and RequestID from the exact string
// members error_code, error_msg and request_id of an error body. A body
// that is not one well-formed JSON object leaves them as they are and sets
// Err to say why it was not read; an empty body is no error body at all.
func readErrorBody(e *APIError, body []byte) {
	if len(body) == 0 {
		return
	}
	// Most error bodies hold strings where the spec says so: read them in
	// one pass, and member by member only when one does not. An absent
	// member, or null, leaves its field empty, as it should.
	var eb struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
		RequestID string `json:"request_id"`
	}
	err := UnmarshalJSON(body, &eb)
	if err != nil && !errors.Is(err, ErrMalformedJSON) {
		var members struct {
			ErrorCode jsonString `json:"error_code"`
			ErrorMsg  jsonString `json:"error_msg"`
			RequestID jsonString `json:"request_id"`
		}
		err = UnmarshalJSON(body, &members)
		eb.ErrorCode, eb.ErrorMsg, eb.RequestID = string(members.ErrorCode), string(members.ErrorMsg), string(members.RequestID)
	}
	if err == nil && !bytes.HasPrefix(bytes.TrimLeft(body, jsonSpace), []byte("{")) {
		err = errors.New("null is not a JSON object") // the only value besides an object that fits
	}
	if err != nil {
		e.Err = fmt.Errorf("%w: %w", ErrBodyNotRead, err)
		return
	}
	e.Code, e.Message = eb.ErrorCode, eb.ErrorMsg
	if eb.RequestID != "" {
		e.RequestID = eb.RequestID
	}
}

// readResponseBody reads and closes the body, refusing more than limit
// bytes (DefaultResponseLimit when limit is not positive).
func readResponseBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == nil {
		return nil, nil
	}
	defer func() { _ = resp.Body.Close() }()
	if limit <= 0 {
		limit = DefaultResponseLimit
	}
	return readLimited(resp.Body, limit)
}

// excerpt copies at most MaxBodyExcerpt bytes of body.
func excerpt(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	return append([]byte(nil), body[:min(len(body), MaxBodyExcerpt)]...)
}
