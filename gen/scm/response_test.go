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
		{name: "+json and unknown fields", contentType: "application/problem+json", body: `{"cert_id":"c","message":"","extra":1}`,
			want: CancelCertResult{CertId: "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := response(http.StatusOK, tt.contentType, "r", strings.NewReader(tt.body))
			got, err := ParseCancelCert(resp, 0)
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
		{name: "undocumented 418 empty", status: 418, rid: "r", want: APIError{RequestID: "r"},
			wantMsg: "scm: cancel-cert: HTTP 418 I'm a teapot (request ID r)"},
		{name: "429 text", status: 429, contentType: "text/plain", rid: "r", body: "slow down",
			want: APIError{RequestID: "r"}, wantIs: ErrThrottled},
		{name: "502 HTML", status: 502, contentType: "text/html", rid: "r", body: "<html>bad gateway</html>",
			want: APIError{RequestID: "r"}, wantMsg: "scm: cancel-cert: HTTP 502 Bad Gateway (request ID r)"},
		{name: "500 broken JSON", status: 500, contentType: "application/json", body: `{"error_code":`,
			want: APIError{}},
		{name: "204 is not a result", status: 204, rid: "r", want: APIError{RequestID: "r"}},
		{name: "200 HTML", status: 200, contentType: "text/html", rid: "r", body: "<html/>",
			want: APIError{RequestID: "r"}, wantIs: ErrMalformedResponse,
			wantMsg: `scm: cancel-cert: HTTP 200: malformed response: content type "text/html" is not JSON (request ID r)`},
		{name: "200 no content type", status: 200, body: `{"cert_id":"c","message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "malformed response: no content type"},
		{name: "200 bad content type", status: 200, contentType: "application/json; =", body: `{}`,
			wantIs: ErrMalformedResponse, wantMsg: "mime: invalid media parameter"},
		{name: "200 broken JSON", status: 200, contentType: "application/json", rid: "r", body: `{"cert_id":`,
			want: APIError{RequestID: "r"}, wantIs: ErrMalformedResponse, wantMsg: "malformed response: decode body: unexpected end of JSON input"},
		{name: "200 trailing data", status: 200, contentType: "application/json", body: `{"cert_id":"c","message":"m"} x`,
			wantIs: ErrMalformedResponse, wantMsg: "decode body: invalid character 'x' after top-level value"},
		{name: "200 empty", status: 200, contentType: "application/json",
			wantIs: ErrMalformedResponse, wantMsg: "decode body"},
		{name: "200 lacks both fields", status: 200, contentType: "application/json", body: `{"cert_id":null}`,
			wantIs: ErrMalformedResponse, wantMsg: "body lacks cert_id and message"},
		{name: "200 wrong type", status: 200, contentType: "application/json", body: `{"cert_id":1,"message":"m"}`,
			wantIs: ErrMalformedResponse, wantMsg: "cannot unmarshal number"},
		{name: "200 over the limit", status: 200, contentType: "application/json", rid: "r",
			body: `{"cert_id":"c","message":"m"}`, limit: 10,
			want: APIError{RequestID: "r"}, wantIs: ErrResponseTooLarge, wantMsg: "response body too large: more than 10 bytes"},
		{name: "400 over the limit keeps status", status: 400, contentType: "application/json", rid: "r",
			body: `{"error_code":"SCM.0010","error_msg":"` + strings.Repeat("x", 100) + `"}`, limit: 50,
			want: APIError{RequestID: "r"}, wantIs: ErrResponseTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := response(tt.status, tt.contentType, tt.rid, strings.NewReader(tt.body))
			got, err := ParseCancelCert(resp, tt.limit)
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
	resp, _ := response(http.StatusBadGateway, "text/html", "", strings.NewReader(long))
	_, err := ParseCancelCert(resp, 0)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Len(t, apiErr.Body, MaxBodyExcerpt)
	require.NotContains(t, err.Error(), "eeee", "the body excerpt is not part of the message")

	exact := `{"cert_id":"c","message":"m"}`
	resp, _ = response(http.StatusOK, "application/json", "", strings.NewReader(exact))
	got, err := ParseCancelCert(resp, int64(len(exact)))
	require.NoError(t, err, "a body of exactly the limit is read")
	require.Equal(t, "c", got.CertId)

	resp, _ = response(http.StatusOK, "application/json", "", strings.NewReader(strings.Repeat(" ", int(DefaultResponseLimit))+exact))
	_, err = ParseCancelCert(resp, 0)
	require.ErrorIs(t, err, ErrResponseTooLarge, "the default limit is 1 MiB")
}

func TestParseCancelCertReadFailure(t *testing.T) {
	resp, body := response(http.StatusOK, "application/json", "r", errReader{})
	_, err := ParseCancelCert(resp, 0)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.ErrorIs(t, err, errBroken)
	require.Equal(t, "r", apiErr.RequestID)
	require.EqualError(t, err, "scm: cancel-cert: HTTP 200: read body: broken reader (request ID r)")
	require.True(t, body.closed)

	_, err = ParseCancelCert(nil, 0)
	require.ErrorContains(t, err, "nil response")

	_, err = ParseCancelCert(&http.Response{StatusCode: http.StatusOK, Header: http.Header{}}, 0)
	require.ErrorIs(t, err, ErrMalformedResponse, "a nil body is an empty one")
}
