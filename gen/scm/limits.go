package scm

import (
	"errors"
	"fmt"
	"io"
)

// DefaultRequestLimit is the default largest request body read, in bytes:
// 64 KiB. Cancel-cert sends no body, so anything near it is a mistake.
const DefaultRequestLimit int64 = 64 << 10

// ErrBodyTooLarge is wrapped by every error of ReadLimited about a body,
// request or response, longer than its limit.
// An *APIError whose response body was over the client's limit wraps it.
var ErrBodyTooLarge = errors.New("body too large")

// ErrResponseTooLarge is the former name of ErrBodyTooLarge, for a response
// body over the limit.
//
// Deprecated: use ErrBodyTooLarge, the one sentinel for both directions.
var ErrResponseTooLarge = ErrBodyTooLarge

// ReadLimited reads r to its end, but no more than limit bytes, which must
// be positive (apply DefaultRequestLimit or DefaultResponseLimit first). A
// longer body gives its first limit bytes and an error wrapping
// ErrBodyTooLarge. It does not close r.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	body, err := readLimited(r, limit)
	if err != nil {
		return body, fmt.Errorf("scm: %w", err)
	}
	return body, nil
}

// readLimited is ReadLimited for the package's own callers, whose errors
// carry the "scm: " prefix already.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("read body: limit %d is not positive", limit)
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return body, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return body[:limit], fmt.Errorf("read body: %w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	return body, nil
}
