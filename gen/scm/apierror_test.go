package scm

import (
	"errors"
	"fmt"
	"testing"

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
			name: "control characters from the server are blanked",
			err:  &APIError{Operation: "cancel-cert", StatusCode: 400, Code: "SCM.0005", Message: "bad\r\nFAKE LOG LINE", RequestID: "a\nb"},
			want: "scm: cancel-cert: HTTP 400 SCM.0005: bad  FAKE LOG LINE (request ID a b)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
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
			var err error = fmt.Errorf("wrapped: %w", &APIError{StatusCode: tt.status, Code: tt.code})
			for _, class := range classes {
				require.Equal(t, class == tt.want, errors.Is(err, class), "errors.Is(%v)", class)
			}
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.status, apiErr.StatusCode)
		})
	}
}
