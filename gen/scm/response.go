package scm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// DefaultResponseLimit is the default largest response body read: 1 MiB.
const DefaultResponseLimit int64 = 1 << 20

// HeaderRequestID is the response header carrying the request ID.
const HeaderRequestID = "X-Request-Id"

// opCancelCert is the operation name in APIError.
const opCancelCert = "cancel-cert"

// ParseCancelCert turns a cancel-cert response into its result or an
// error, and closes the body. It reads at most limit bytes of body
// (DefaultResponseLimit when limit is zero or negative).
//
// Only HTTP 200 with a JSON content type and a JSON object holding the
// string fields cert_id and message is a result; unknown fields are
// ignored, and cert_id is returned as sent (the documented example has a
// leading space). Everything else is an *APIError carrying the status and
// the request ID: for other statuses with Code, Message and RequestID
// from the error body when it is JSON, whatever the content type says;
// for a bad 200 with Err wrapping ErrMalformedResponse; for a body over
// the limit with Err wrapping ErrResponseTooLarge.
func ParseCancelCert(resp *http.Response, limit int64) (*CancelCertResult, error) {
	if resp == nil {
		return nil, errors.New("scm: cancel-cert: nil response")
	}
	body, readErr := readLimited(resp, limit)
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
		fillFromErrorBody(apiErr, body)
		return nil, apiErr
	}
	result, err := decodeCancelCertResult(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, newAPIError(fmt.Errorf("%w: %w", ErrMalformedResponse, err))
	}
	return result, nil
}

// decodeCancelCertResult checks the content type and the required fields.
func decodeCancelCertResult(contentType string, body []byte) (*CancelCertResult, error) {
	if err := checkJSONContentType(contentType); err != nil {
		return nil, err
	}
	var raw struct {
		CertID  *string `json:"cert_id"`
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
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

// checkJSONContentType accepts application/json and any +json type.
func checkJSONContentType(contentType string) error {
	switch contentType {
	case "":
		return errors.New("no content type")
	case "application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8":
		return nil // the usual ones, accepted without parsing
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		return fmt.Errorf("content type %q is not JSON", contentType)
	}
	return nil
}

// fillFromErrorBody copies error_code, error_msg and request_id from a
// JSON error body; any other body leaves e as it is.
func fillFromErrorBody(e *APIError, body []byte) {
	var eb ErrorBody
	if json.Unmarshal(body, &eb) != nil {
		return
	}
	e.Code = strings.TrimSpace(eb.ErrorCode)
	e.Message = eb.ErrorMsg
	if eb.RequestId != nil && *eb.RequestId != "" {
		e.RequestID = *eb.RequestId
	}
}

// readLimited reads and closes the body, refusing more than limit bytes.
func readLimited(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == nil {
		return nil, nil
	}
	defer func() { _ = resp.Body.Close() }()
	if limit <= 0 {
		limit = DefaultResponseLimit
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return body, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return body, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
	}
	return body, nil
}

// excerpt copies at most MaxBodyExcerpt bytes of body.
func excerpt(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	return append([]byte(nil), body[:min(len(body), MaxBodyExcerpt)]...)
}
