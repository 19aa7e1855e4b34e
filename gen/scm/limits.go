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
var ErrBodyTooLarge = errors.New("body too large")

// ReadLimited reads r to its end, but no more than limit bytes, which must
// be positive (apply DefaultRequestLimit or DefaultResponseLimit first). A
// longer body gives its first limit bytes and an error wrapping
// ErrBodyTooLarge. It does not close r.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("scm: read body: limit %d is not positive", limit)
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return body, fmt.Errorf("scm: read body: %w", err)
	}
	if int64(len(body)) > limit {
		return body[:limit], fmt.Errorf("scm: read body: %w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	return body, nil
}
