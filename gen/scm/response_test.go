package scm

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error {
	b.closed = true
	return nil
}

// response builds a response whose body records its closing.
func response(status int, contentType, requestID string, body io.Reader) (*http.Response, *trackedBody) {
	tb := &trackedBody{Reader: body}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if requestID != "" {
		h.Set(HeaderRequestID, requestID)
	}
	return &http.Response{StatusCode: status, Header: h, Body: tb}, tb
}

func TestParseCancelCertResults(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    CancelCertResult
	}{
		{name: "documented example", contentType: "application/json", body: `{ "cert_id": " scs1481110651012", "message": "success" }`,
			want: CancelCertResult{CertId: " scs1481110651012", Message: "success"}},
		{name: "charset", contentType: "application/json;charset=UTF-8", body: `{"cert_id":"c","message":"m"}`,
			want: CancelCertResult{CertId: "c", Message: "m"}},
		{name: "unknown members", contentType: "application/json", body: `{"cert_id":"c","message":"","extra":1e400,"x":{"y":[null]}}`,
			want: CancelCertResult{CertId: "c"}},
		{name: "case-folded twins are other members", contentType: "application/json",
			body: `{"cert_id":"real","CERT_ID":"fake","Message":"fake","message":"m"}`,
			want: CancelCertResult{CertId: "real", Message: "m"}},
		{name: "media type case and any charset", contentType: `Application/JSON; Charset="ISO-8859-1"`, body: `{"cert_id":"c","message":"m"}`,
			want: CancelCertResult{CertId: "c", Message: "m"}},
		{name: "whitespace around the value", contentType: "application/json", body: " \t\r\n{\"cert_id\":\"c\",\"message\":\"m\"}\n ",
			want: CancelCertResult{CertId: "c", Message: "m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := response(http.StatusOK, tt.contentType, "r", strings.NewReader(tt.body)) //nolint:bodyclose // ParseCancelCertResult closes it; body.closed checks that
			got, err := ParseCancelCertResult(resp, 0)
			require.NoError(t, err)
			require.Equal(t, &tt.want, got)
			require.True(t, body.closed)
		})
	}
}

func TestParseCancelCertErrors(t *testing.T) {
	tests := []struct {
		name             string
		status           int
		contentType, rid string
		body             string
		limit            int64
		want             APIError // Body and ContentType are not compared
		wantIs           error
		wantMsg          string
	}{
		{name: "documented 400", status: 400, contentType: "application/json", rid: "hdr",
			body:    `{"error_code":"SCM.0010","error_msg":"not allowed"}`,
			want:    APIError{Code: "SCM.0010", Message: "not allowed", RequestID: "hdr"},
			wantIs:  ErrWrongState,
			wantMsg: "scm: cancel-cert: HTTP 400 SCM.0010: not allowed (request ID hdr)"},
		{name: "gateway body request ID wins", status: 401, contentType: "application/json", rid: "hdr",
			body: `{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail","request_id":"body"}`,
			want: APIError{Code: "APIGW.0301", Message: "verify aksk signature fail", RequestID: "body"}, wantIs: ErrAuth},
		{name: "JSON error body under a text content type", status: 404, contentType: "text/plain", rid: "r",
			body: `{"error_code":"SCM.0020","error_msg":"Incorrect certificate ID"}`,
			want: APIError{Code: "SCM.0020", Message: "Incorrect certificate ID", RequestID: "r"}, wantIs: ErrNotFound},
		{name: "error code kept exactly as sent", status: 400, contentType: "application/json",
			body: `{"error_code":" SCM.0010 ","error_msg":"m"}`, want: APIError{Code: " SCM.0010 ", Message: "m"}},
		{name: "case-folded error_code is not error_code", status: 400, contentType: "application/json",
			body: `{"ERROR_CODE":"SCM.0010","Error_Msg":"m","REQUEST_ID":"x"}`, want: APIError{}},
		{name: "error_code that is not a string", status: 400, contentType: "application/json",
			body: `{"error_code":10,"error_msg":"m","request_id":["x"]}`, want: APIError{Message: "m"}},
		{name: "error body with a repeated member is not read", status: 400, contentType: "application/json", rid: "r",
			body: `{"error_code":"SCM.0010","error_msg":"m","error_code":"SCM.0003"}`, want: APIError{RequestID: "r"},
			wantIs: ErrBodyNotRead, wantMsg: `HTTP 400: error body not read: not valid JSON: jsontext: duplicate object member name "error_code"`},
		{name: "error body with trailing data is not read", status: 401, contentType: "application/json",
			body: `{"error_code":"APIGW.0301","error_msg":"m"} {}`, want: APIError{}, wantIs: ErrBodyNotRead, wantMsg: "after top-level value"},
		{name: "error body that is not an object is not read", status: 400, contentType: "application/json",
			body: `["SCM.0010"]`, want: APIError{}, wantIs: ErrBodyNotRead, wantMsg: "unmarshal JSON array into Go struct"},
		{name: "null error body is not read", status: 500, contentType: "application/json", body: " null",
			want: APIError{}, wantIs: ErrBodyNotRead, wantMsg: "HTTP 500: error body not read: null is not a JSON object"},
		{name: "error body with invalid UTF-8 is not read", status: 400, contentType: "application/json",
			body: "{\"error_code\":\"SCM.0010\",\"error_msg\":\"\xff\"}", want: APIError{}, wantIs: ErrBodyNotRead, wantMsg: "invalid UTF-8"},
		{name: "undocumented 418 empty", status: 418, rid: "r", want: APIError{RequestID: "r"},
			wantMsg: "scm: cancel-cert: HTTP 418 I'm a teapot (request ID r)"},
		{name: "429 text", status: 429, contentType: "text/plain", rid: "r", body: "slow down",
			want: APIError{RequestID: "r"}, wantIs: ErrThrottled},
		{name: "502 HTML", status: 502, contentType: "text/html", rid: "r", body: "<html>bad gateway</html>",
			want: APIError{RequestID: "r"}, wantIs: ErrBodyNotRead,
			wantMsg: "scm: cancel-cert: HTTP 502: error body not read: not valid JSON: jsontext: invalid character '<' at start of value (request ID r)"},
		{name: "500 broken JSON", status: 500, contentType: "application/json", body: `{"error_code":`,
			want: APIError{}},
		{name: "204 is not a result", status: 204, rid: "r", want: APIError{RequestID: "r"}},
		{name: "200 HTML", status: 200, contentType: "text/html", rid: "r", body: "<html/>",
			want: APIError{RequestID: "r"}, wantIs: ErrMalformedResponse,
			wantMsg: `scm: cancel-cert: HTTP 200: malformed response: content type "text/html" is not application/json (request ID r)`},
		{name: "200 +json", status: 200, contentType: "application/problem+json", body: `{"cert_id":"c","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: `content type "application/problem+json" is not application/json`},
		{name: "200 unterminated quoted parameter", status: 200, contentType: `application/json; charset="utf-8`, body: `{"cert_id":"c","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: `content type "application/json; charset=\"utf-8": mime: invalid media parameter`},
		{name: "200 parameter other than charset", status: 200, contentType: `application/json; version=2`, body: `{"cert_id":"c","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: `parameter "version" is not defined for application/json`},
		{name: "200 no content type", status: 200, body: `{"cert_id":"c","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "malformed response: no content type"},
		{name: "200 bad content type", status: 200, contentType: "application/json; =", body: `{}`,
			wantIs: ErrMalformedResponse, wantMsg: "mime: invalid media parameter"},
		{name: "200 broken JSON", status: 200, contentType: "application/json", rid: "r", body: `{"cert_id":`,
			want: APIError{RequestID: "r"}, wantIs: ErrMalformedResponse, wantMsg: "malformed response: decode body: not valid JSON: jsontext: unexpected EOF"},
		{name: "200 trailing data", status: 200, contentType: "application/json", body: `{"cert_id":"c","message":"m"} garbage!!`,
			wantIs: ErrMalformedResponse, wantMsg: "decode body: not valid JSON: jsontext: invalid character 'g' after top-level value"},
		{name: "200 two documents", status: 200, contentType: "application/json", body: `{"cert_id":"c","message":"m"}{"cert_id":"c","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "invalid character '{' after top-level value"},
		{name: "200 NUL after the document", status: 200, contentType: "application/json", body: "{\"cert_id\":\"c\",\"message\":\"m\"}\x00",
			wantIs: ErrMalformedResponse, wantMsg: `invalid character '\x00' after top-level value`},
		{name: "200 repeated member", status: 200, contentType: "application/json", body: `{"cert_id":"c","message":"m","cert_id":"d"}`,
			wantIs: ErrMalformedResponse, wantMsg: `duplicate object member name "cert_id"`},
		{name: "200 repeated member deep down", status: 200, contentType: "application/json", body: `{"cert_id":1,"message":"m","x":{"a":1,"a":2}}`,
			wantIs: ErrMalformedResponse, wantMsg: `not valid JSON: jsontext: duplicate object member name "a" within "/x"`},
		{name: "200 invalid UTF-8", status: 200, contentType: "application/json", body: "{\"cert_id\":\"c\xff\",\"message\":\"m\"}",
			wantIs: ErrMalformedResponse, wantMsg: "not valid JSON: jsontext: invalid UTF-8"},
		{name: "200 lone surrogate", status: 200, contentType: "application/json", body: `{"cert_id":"\ud800","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "not valid JSON: jsontext: invalid surrogate pair"},
		{name: "200 byte order mark", status: 200, contentType: "application/json", body: "\ufeff{\"cert_id\":\"c\",\"message\":\"m\"}",
			wantIs: ErrMalformedResponse, wantMsg: "not valid JSON: jsontext: invalid character"},
		{name: "200 upper-case names", status: 200, contentType: "application/json", body: `{"CERT_ID":"upper","Message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "body lacks cert_id and message"},
		{name: "200 long s is not s", status: 200, contentType: "application/json", body: `{"cert_id":"c","meſſage":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "body lacks message"},
		{name: "200 null", status: 200, contentType: "application/json", body: `null`,
			wantIs: ErrMalformedResponse, wantMsg: "body lacks cert_id and message"},
		{name: "200 empty", status: 200, contentType: "application/json",
			wantIs: ErrMalformedResponse, wantMsg: "decode body: not valid JSON: body is empty"},
		{name: "200 whitespace only", status: 200, contentType: "application/json", body: " \r\n",
			wantIs: ErrMalformedResponse, wantMsg: "decode body: not valid JSON: body is empty"},
		{name: "200 lacks both fields", status: 200, contentType: "application/json", body: `{"cert_id":null}`,
			wantIs: ErrMalformedResponse, wantMsg: "body lacks cert_id and message"},
		{name: "200 wrong type", status: 200, contentType: "application/json", body: `{"cert_id":1,"message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: `unmarshal JSON number into Go string within "/cert_id"`},
		{name: "200 over the limit", status: 200, contentType: "application/json", rid: "r",
			body: `{"cert_id":"c","message":"m"}`, limit: 10,
			want: APIError{RequestID: "r"}, wantIs: ErrBodyTooLarge, wantMsg: "read body: body too large: more than 10 bytes"},
		{name: "400 over the limit keeps status", status: 400, contentType: "application/json", rid: "r",
			body: `{"error_code":"SCM.0010","error_msg":"` + strings.Repeat("x", 100) + `"}`, limit: 50,
			want: APIError{RequestID: "r"}, wantIs: ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := response(tt.status, tt.contentType, tt.rid, strings.NewReader(tt.body)) //nolint:bodyclose // ParseCancelCertResult closes it; body.closed checks that
			got, err := ParseCancelCertResult(resp, tt.limit)
			require.Nil(t, got)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, "cancel-cert", apiErr.Operation)
			require.Equal(t, tt.status, apiErr.StatusCode)
			require.Equal(t, tt.want.Code, apiErr.Code)
			require.Equal(t, tt.want.Message, apiErr.Message)
			require.Equal(t, tt.want.RequestID, apiErr.RequestID)
			require.Equal(t, tt.contentType, apiErr.ContentType)
			require.True(t, strings.HasPrefix(tt.body, string(apiErr.Body)), "Body is a prefix of the body")
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			if tt.wantMsg != "" {
				require.ErrorContains(t, err, tt.wantMsg)
			}
			require.True(t, body.closed)
		})
	}
}

func TestParseCancelCertBodyExcerptAndLimit(t *testing.T) {
	long := strings.Repeat("e", 2000)
	resp, _ := response(http.StatusBadGateway, "text/html", "", strings.NewReader(long)) //nolint:bodyclose // ParseCancelCertResult closes it
	_, err := ParseCancelCertResult(resp, 0)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Len(t, apiErr.Body, MaxBodyExcerpt)
	require.NotContains(t, err.Error(), "eeee", "the body excerpt is not part of the message")

	exact := `{"cert_id":"c","message":"m"}`
	resp, _ = response(http.StatusOK, "application/json", "", strings.NewReader(exact)) //nolint:bodyclose // ParseCancelCertResult closes it
	got, err := ParseCancelCertResult(resp, int64(len(exact)))
	require.NoError(t, err, "a body of exactly the limit is read")
	require.Equal(t, "c", got.CertId)

	resp, _ = response(http.StatusOK, "application/json", "", strings.NewReader(strings.Repeat(" ", int(DefaultResponseLimit))+exact)) //nolint:bodyclose // ParseCancelCertResult closes it
	_, err = ParseCancelCertResult(resp, 0)
	require.ErrorIs(t, err, ErrBodyTooLarge, "the default limit is 1 MiB")
}

func TestParseCancelCertReadFailure(t *testing.T) {
	resp, body := response(http.StatusOK, "application/json", "r", errReader{}) //nolint:bodyclose // ParseCancelCertResult closes it
	_, err := ParseCancelCertResult(resp, 0)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.ErrorIs(t, err, errBroken)
	require.Equal(t, "r", apiErr.RequestID)
	require.EqualError(t, err, "scm: cancel-cert: HTTP 200: read body: broken reader (request ID r)")
	require.True(t, body.closed)

	_, err = ParseCancelCertResult(nil, 0)
	require.ErrorContains(t, err, "nil response")

	_, err = ParseCancelCertResult(&http.Response{StatusCode: http.StatusOK, Header: http.Header{}}, 0)
	require.ErrorIs(t, err, ErrMalformedResponse, "a nil body is an empty one")
}

// TestParseCancelCertAlias checks that the deprecated name still parses
// as ParseCancelCertResult does, so that callers of the old name keep
// working.
func TestParseCancelCertAlias(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
	}{
		{name: "result", status: http.StatusOK, body: `{"cert_id":"c","message":"success"}`},
		{name: "documented error", status: http.StatusBadRequest, body: `{"error_code":"SCM.0010","error_msg":"not allowed"}`},
		{name: "undocumented status", status: http.StatusTeapot, body: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, _ := response(tt.status, "application/json", "", strings.NewReader(tt.body)) //nolint:bodyclose // ParseCancelCertResult closes it
			gotOld, errOld := ParseCancelCert(old, 0)
			cur, _ := response(tt.status, "application/json", "", strings.NewReader(tt.body)) //nolint:bodyclose // ParseCancelCertResult closes it
			gotNew, errNew := ParseCancelCertResult(cur, 0)
			require.Equal(t, gotNew, gotOld)
			require.Equal(t, errNew, errOld)
			require.True(t, (gotOld == nil) != (errOld == nil), "a result or an error, never both or neither")
		})
	}
}
