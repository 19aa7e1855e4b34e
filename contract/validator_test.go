package contract_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
)

func exchange(t *testing.T, url string, reqHeader http.Header, status int, respHeader http.Header, body string) *contract.Exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	require.NoError(t, err)
	req.Header = reqHeader
	return &contract.Exchange{Request: req, StatusCode: status, Header: respHeader, Body: []byte(body)}
}

var (
	okBody    = `{"cert_id": "scs1", "message": "success"}`
	jsonCT    = http.Header{"Content-Type": {"application/json"}}
	tokenHdr  = http.Header{"X-Auth-Token": {"t"}}
	cancelURL = "/v2/p1/scm/cert/scs1/cancel-cert"
)

// TestValidatorAnyHost checks that routing ignores scheme and host: the
// documented endpoints, a loopback mock, any recording's host, or a bare path.
func TestValidatorAnyHost(t *testing.T) {
	v := newValidator(t)
	for _, base := range []string{
		"https://scm.cn-north-4.myhuaweicloud.com",
		"https://scm.eu-west-101.myhuaweicloud.eu",
		"http://127.0.0.1:40123",
		"http://[::1]:8080",
		"https://example.org",
	} {
		t.Run(base, func(t *testing.T) {
			ex := exchange(t, base+cancelURL, tokenHdr, 200, jsonCT, okBody)
			require.NoError(t, v.Validate(context.Background(), ex))
		})
	}
}

// TestValidatorCredentials checks that either scheme satisfies the
// operation's security, and that neither does not.
func TestValidatorCredentials(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name   string
		header http.Header
		ok     bool
	}{
		{"token", http.Header{"X-Auth-Token": {"t"}}, true},
		{"AK/SK", http.Header{"Authorization": {"SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=00"}, "X-Sdk-Date": {"20191115T033655Z"}}, true},
		{"both", http.Header{"X-Auth-Token": {"t"}, "Authorization": {"x"}}, true},
		{"neither", http.Header{"X-Other": {"t"}}, false},
		{"blank token", http.Header{"X-Auth-Token": {"  "}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(context.Background(), exchange(t, cancelURL, tt.header, 200, jsonCT, okBody))
			if tt.ok {
				require.NoError(t, err)
				return
			}
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
			require.True(t, ve.Has(contract.KindSecurity, `"X-Auth-Token" is missing`), "%v", err)
			require.True(t, ve.Has(contract.KindSecurity, `"Authorization" is missing`), "%v", err)
		})
	}
}

// TestValidatorReportsEveryProblem checks that problems of the request, the
// status, the content type and the body are all reported together.
func TestValidatorReportsEveryProblem(t *testing.T) {
	v := newValidator(t)
	ex := exchange(t, cancelURL, http.Header{}, 599, http.Header{"Content-Type": {"text/plain"}}, `{"error_msg": 5}`)
	err := v.Validate(context.Background(), ex)
	var ve *contract.ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
	for _, want := range []struct {
		kind     contract.Kind
		contains string
	}{
		{contract.KindSecurity, "no accepted credentials"},
		{contract.KindStatus, "status 599 is not documented (documented: 200, 400, 401, 403, 404, 500)"},
		{contract.KindContentType, `"text/plain"`},
		{contract.KindResponseBody, `"/error_code": property "error_code" is missing`},
		{contract.KindResponseBody, `"/error_msg": value must be a string`},
	} {
		require.True(t, ve.Has(want.kind, want.contains), "want %s problem %q in:\n%v", want.kind, want.contains, err)
	}
	require.Len(t, ve.Problems, 5, "%v", err)
	require.Equal(t, 599, ve.Status)
	require.ErrorContains(t, err, "5 problem(s)")
}

// TestValidatorToleratesNewProperties checks that the validator holds the
// service to what the contract promises, not to what it may add tomorrow.
func TestValidatorToleratesNewProperties(t *testing.T) {
	v := newValidator(t)
	for _, tt := range []struct {
		status int
		body   string
	}{
		{200, `{"cert_id": "scs1", "message": "success", "order_id": "CS123", "extra": {"a": [1, 2]}}`},
		{400, `{"error_code": "SCM.0010", "error_msg": "x", "encoded_authorization_message": "..."}`},
	} {
		require.NoError(t, v.Validate(context.Background(), exchange(t, cancelURL, tokenHdr, tt.status, jsonCT, tt.body)))
	}
	// A JSON media type with parameters is the same media type.
	ct := http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
	require.NoError(t, v.Validate(context.Background(), exchange(t, cancelURL, tokenHdr, 200, ct, okBody)))
}

// TestValidatorEscapedPath checks that a cert_id holding reserved characters,
// sent as one escaped path segment, still routes to the operation.
func TestValidatorEscapedPath(t *testing.T) {
	v := newValidator(t)
	for _, path := range []string{
		"/v2/p1/scm/cert/a%2Fb/cancel-cert",
		"/v2/p1/scm/cert/a%3Fb%23c/cancel-cert",
		"/v2/p1/scm/cert/%E8%AF%81%E4%B9%A6/cancel-cert",
		"/v2/p1/scm/cert/100%25/cancel-cert",
	} {
		t.Run(path, func(t *testing.T) {
			require.NoError(t, v.Validate(context.Background(), exchange(t, "http://h"+path, tokenHdr, 200, jsonCT, okBody)))
		})
	}
}

// TestValidateRequestAlone checks the request-only entry point the mock uses.
func TestValidateRequestAlone(t *testing.T) {
	v := newValidator(t)
	req, err := http.NewRequest(http.MethodPost, cancelURL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	require.NoError(t, v.ValidateRequest(context.Background(), req, nil))

	err = v.ValidateRequest(context.Background(), req, []byte(`{"a":1}`))
	require.ErrorContains(t, err, "request body not allowed", "cancel-cert takes no body")
	require.Empty(t, req.Header.Get("Content-Length"), "the caller's request is not changed")
}
