package scm

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBodyExcerpt is how many bytes of a response body an APIError keeps.
const MaxBodyExcerpt = 512

// Classes of API errors, for errors.Is. An *APIError matches them through
// its Is method, by HTTP status and error code; see each for the rule.
var (
	// ErrNotFound matches the certificate ID not being accepted: the SCM
	// codes SCM.0008 (abnormal certificate ID) and SCM.0020 (incorrect
	// certificate ID), and an HTTP 404 that does not carry the gateway's
	// APIGW.0101 or APIGW.0103. Those two mean the API itself was not
	// found (a wrong endpoint or path), so they do not match: treating a
	// misconfigured client as "certificate already gone" would hide it.
	ErrNotFound = errors.New("certificate not found")
	// ErrWrongState matches SCM.0010: the certificate's type or current
	// status does not allow the operation.
	ErrWrongState = errors.New("certificate type or status does not allow the operation")
	// ErrAuth matches HTTP 401 and APIGW.0301: the gateway refused the
	// token or the AK/SK signature.
	ErrAuth = errors.New("authentication refused")
	// ErrForbidden matches HTTP 403 and SCM.0003: the caller may not act
	// on the certificate.
	ErrForbidden = errors.New("permission denied")
	// ErrThrottled matches HTTP 429 and APIG.0308: the throttling
	// threshold was reached; retry later.
	ErrThrottled = errors.New("throttled")
	// ErrMalformedResponse is wrapped by APIError.Err when a 200 response
	// is not a valid result: its content type is not application/json, its
	// body is not well-formed JSON, or a required member is missing or not
	// a string. See ParseCancelCertResult.
	ErrMalformedResponse = errors.New("malformed response")
	// ErrBodyNotRead is wrapped by APIError.Err when the body of an error
	// response is not one well-formed JSON object (an HTML page from a
	// proxy, broken or repeated JSON, invalid UTF-8): it was not read, so
	// Code and Message are empty, and Err says why.
	ErrBodyNotRead = errors.New("error body not read")
)

// APIError is the error for every response that does not yield a result:
// any status other than 200, documented or not (418, 429, 502 ...), with a
// JSON, HTML or empty body; and a 200 whose body is not a valid result (Err
// then wraps ErrMalformedResponse). The status and request ID are kept in
// every case. Network failures, which have no response, are not APIErrors.
//
// Use errors.As to get it, and errors.Is with ErrNotFound, ErrWrongState,
// ErrAuth, ErrForbidden, ErrThrottled, ErrMalformedResponse, ErrBodyNotRead
// or ErrBodyTooLarge to classify it without matching strings.
type APIError struct {
	// Operation is the short name of the operation, such as "cancel-cert".
	Operation string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Code is the body's error_code, such as SCM.0010 or APIGW.0301,
	// exactly as sent: only a member named exactly error_code whose value
	// is a string, in a well-formed JSON object, counts. Empty otherwise.
	Code string
	// Message is the body's error_msg, under the same rule as Code.
	Message string
	// RequestID is the body's request_id (under the same rule), else the
	// X-Request-Id header; quote it to Huawei Cloud support.
	RequestID string
	// ContentType is the Content-Type header of the response.
	ContentType string
	// Body holds the first MaxBodyExcerpt bytes of the response body.
	Body []byte
	// Err is why a 200 response was refused (wrapping
	// ErrMalformedResponse), why the body could not be read (a network
	// failure, ErrBodyTooLarge), or why an error response's body was
	// not read as an error body (wrapping ErrBodyNotRead). It is nil for an
	// error response whose body was read, or that had none.
	Err error
}

// Limits of what Error quotes of the texts a server chose, in bytes after
// escaping; the fields keep them whole.
const (
	maxQuotedMessage = 256 // Message, and the text of Err
	maxQuotedField   = 64  // Code and RequestID
)

// Error returns, for example,
// "scm: cancel-cert: HTTP 400 SCM.0010: <message> (request ID xyz)".
// Without a code or message it names the status, and it appends Err.
//
// It is safe to log: it quotes at most 256 bytes of the message (and of
// Err's text) and 64 of the code and request ID, ending a longer text with
// "... (cut, N bytes in all)", and it escapes the characters that could
// forge or hide log content: control characters (CR, LF, ESC ...), bidi
// and other format characters (U+202E, U+2066 ...), the line and paragraph
// separators U+2028 and U+2029, and invalid UTF-8, written as \n, \x1b,
// \u202e and the like. Message holds the whole text as received.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("scm: ")
	if e.Operation != "" {
		b.WriteString(printable(e.Operation, maxQuotedField) + ": ")
	}
	b.WriteString("HTTP " + strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" " + printable(e.Code, maxQuotedField))
	}
	if e.Message != "" {
		b.WriteString(": " + printable(e.Message, maxQuotedMessage))
	}
	if e.Code == "" && e.Message == "" && e.Err == nil {
		if text := http.StatusText(e.StatusCode); text != "" {
			b.WriteString(" " + text)
		}
	}
	if e.Err != nil {
		b.WriteString(": " + printable(e.Err.Error(), maxQuotedMessage))
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + printable(e.RequestID, maxQuotedField) + ")")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *APIError) Unwrap() error { return e.Err }

// Is reports whether e belongs to the class target, one of ErrNotFound,
// ErrWrongState, ErrAuth, ErrForbidden and ErrThrottled; see each for the
// rule.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Code == "SCM.0008" || e.Code == "SCM.0020" ||
			e.StatusCode == http.StatusNotFound && e.Code != "APIGW.0101" && e.Code != "APIGW.0103"
	case ErrWrongState:
		return e.Code == "SCM.0010"
	case ErrAuth:
		return e.StatusCode == http.StatusUnauthorized || e.Code == "APIGW.0301"
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden || e.Code == "SCM.0003"
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests || e.Code == "APIG.0308"
	}
	return false
}

// printable escapes the characters of s that could forge or hide log
// content (see needsEscape) and cuts the result to at most limit bytes,
// plus a note saying that it was cut and how long s is.
func printable(s string, limit int) string {
	if len(s) <= limit && !strings.ContainsFunc(s, needsEscape) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		esc := s[i : i+size]
		switch {
		case r == utf8.RuneError && size == 1:
			esc = fmt.Sprintf(`\x%02x`, s[i])
		case needsEscape(r):
			esc = escapeRune(r)
		}
		if b.Len()+len(esc) > limit {
			fmt.Fprintf(&b, "... (cut, %d bytes in all)", len(s))
			break
		}
		b.WriteString(esc)
		i += size
	}
	return b.String()
}

// needsEscape reports whether r may not reach a log line as it is: a
// control character (C0, DEL, C1), a format character (the bidi controls
// U+061C, U+200E, U+200F, U+202A-U+202E and U+2066-U+2069, zero-width
// characters, tags ...), or a line or paragraph separator.
func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// escapeRune writes r as Go would in a quoted string.
func escapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	switch {
	case r < 0x80:
		return fmt.Sprintf(`\x%02x`, r)
	case r < 0x10000:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}
