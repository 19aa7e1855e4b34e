package scm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestAPIErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *APIError
		want string
	}{
		{
			name: "documented error",
			err:  &APIError{Operation: "cancel-cert", StatusCode: 400, Code: "SCM.0010", Message: "not allowed", RequestID: "xyz"},
			want: "scm: cancel-cert: HTTP 400 SCM.0010: not allowed (request ID xyz)",
		},
		{
			name: "no body",
			err:  &APIError{Operation: "cancel-cert", StatusCode: 502, RequestID: "r"},
			want: "scm: cancel-cert: HTTP 502 Bad Gateway (request ID r)",
		},
		{
			name: "unknown status without request ID",
			err:  &APIError{StatusCode: 599},
			want: "scm: HTTP 599",
		},
		{
			name: "message only",
			err:  &APIError{Operation: "cancel-cert", StatusCode: 418, Message: "teapot"},
			want: "scm: cancel-cert: HTTP 418: teapot",
		},
		{
			name: "malformed 200",
			err:  &APIError{Operation: "cancel-cert", StatusCode: 200, RequestID: "r", Err: fmt.Errorf("%w: body lacks message", ErrMalformedResponse)},
			want: "scm: cancel-cert: HTTP 200: malformed response: body lacks message (request ID r)",
		},
		{
			name: "control characters from the server are escaped",
			err:  &APIError{Operation: "cancel-cert", StatusCode: 400, Code: "SCM.0005", Message: "bad\r\nFAKE LOG LINE", RequestID: "a\nb"},
			want: `scm: cancel-cert: HTTP 400 SCM.0005: bad\r\nFAKE LOG LINE (request ID a\nb)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
}

// TestAPIErrorIsPrintable feeds Error the texts a hostile server could send
// to forge or hide log content; each must come out escaped.
func TestAPIErrorIsPrintable(t *testing.T) {
	tests := []struct {
		name, message, want string
	}{
		{"terminal escape", "\x1b[2J\x1b]0;owned\x07cleared", `\x1b[2J\x1b]0;owned\x07cleared`},
		{"right-to-left override", "file \u202egpj.exe", `file \u202egpj.exe`},
		{"bidi isolates and marks", "\u2066a\u2069\u200e\u200f\u061c", `\u2066a\u2069\u200e\u200f\u061c`},
		{"line and paragraph separators", "one\u2028two\u2029three", `one\u2028two\u2029three`},
		{"C1 control (NEL)", "one\u0085two", `one\u0085two`},
		{"DEL and NUL", "a\x7fb\x00c", `a\x7fb\x00c`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"zero-width and tag characters", "a\u200bb\U000E0041", `a\u200bb\U000e0041`},
		{"plain unicode is kept", "证书类型或当前状态不支持此操作 ✓", "证书类型或当前状态不支持此操作 ✓"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &APIError{StatusCode: 400, Code: "SCM.0005", Message: tt.message, RequestID: tt.message}
			require.Equal(t, "scm: HTTP 400 SCM.0005: "+tt.want+" (request ID "+tt.want+")", e.Error())
			require.Equal(t, tt.message, e.Message, "Message keeps the text as received")
		})
	}
}

// TestAPIErrorIsBounded checks that a huge text from the server gives a
// short error string that says it was cut, while the fields keep it whole.
func TestAPIErrorIsBounded(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	tests := []struct {
		name string
		err  *APIError
		cut  string // the note that must appear
	}{
		{"1 MiB message", &APIError{StatusCode: 400, Code: "SCM.0005", Message: huge}, "... (cut, 1048576 bytes in all)"},
		{"1 MiB code", &APIError{StatusCode: 400, Code: huge}, "... (cut, 1048576 bytes in all)"},
		{"1 MiB request ID", &APIError{StatusCode: 400, RequestID: huge}, "... (cut, 1048576 bytes in all)"},
		{"1 MiB of escapes", &APIError{StatusCode: 400, Message: strings.Repeat("\u202e", 1<<18)}, "... (cut, 786432 bytes in all)"},
		{"1 MiB in Err", &APIError{StatusCode: 200, Err: fmt.Errorf("%w: %s", ErrMalformedResponse, huge)}, "(cut, 1048596 bytes in all)"},
		{"multi-byte characters are cut whole", &APIError{StatusCode: 400, Message: strings.Repeat("证", 1000)}, "... (cut, 3000 bytes in all)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.err.Error()
			require.Less(t, len(got), 400, "a few hundred bytes at most")
			require.Contains(t, got, tt.cut)
			require.True(t, utf8.ValidString(got), "no character is cut in half")
		})
	}
	e := &APIError{StatusCode: 400, Message: huge}
	require.Len(t, e.Message, 1<<20, "Message stays whole")
	require.Equal(t, "scm: HTTP 400: "+strings.Repeat("x", 256), e.Error()[:len("scm: HTTP 400: ")+256],
		"the first 256 bytes of the message are quoted")
	short := &APIError{StatusCode: 400, Message: strings.Repeat("y", 256)}
	require.NotContains(t, short.Error(), "cut", "a message of exactly the limit is not cut")
}

func TestAPIErrorClasses(t *testing.T) {
	classes := []error{ErrNotFound, ErrWrongState, ErrAuth, ErrForbidden, ErrThrottled}
	tests := []struct {
		name   string
		status int
		code   string
		want   error // nil: no class
	}{
		{name: "abnormal certificate ID", status: 400, code: "SCM.0008", want: ErrNotFound},
		{name: "incorrect certificate ID", status: 400, code: "SCM.0020", want: ErrNotFound},
		{name: "plain 404", status: 404, want: ErrNotFound},
		{name: "API not found is not a missing certificate", status: 404, code: "APIGW.0101"},
		{name: "backend not found is not a missing certificate", status: 404, code: "APIGW.0103"},
		{name: "wrong state", status: 400, code: "SCM.0010", want: ErrWrongState},
		{name: "401", status: 401, want: ErrAuth},
		{name: "gateway auth code", status: 400, code: "APIGW.0301", want: ErrAuth},
		{name: "403", status: 403, want: ErrForbidden},
		{name: "no privilege", status: 400, code: "SCM.0003", want: ErrForbidden},
		{name: "429", status: 429, want: ErrThrottled},
		{name: "throttling code", status: 500, code: "APIG.0308", want: ErrThrottled},
		{name: "other SCM code", status: 400, code: "SCM.0005"},
		{name: "server error", status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: tt.status, Code: tt.code})
			for _, class := range classes {
				require.Equal(t, errors.Is(tt.want, class), errors.Is(err, class), "errors.Is(%v)", class)
			}
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.status, apiErr.StatusCode)
		})
	}
}
