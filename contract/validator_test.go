package contract_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/openapi"
)

func exchange(t *testing.T, url string, reqHeader http.Header, status int, respHeader http.Header, body string) *contract.Exchange {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, nil)
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
		{contract.KindStatus, "status 599 is not documented (documented: 200, 400, 401, 403, 404, 429, 500)"},
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
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, cancelURL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	require.NoError(t, v.ValidateRequest(context.Background(), req, nil))

	err = v.ValidateRequest(context.Background(), req, []byte(`{"a":1}`))
	require.ErrorContains(t, err, "request body not allowed", "cancel-cert takes no body")
	require.Empty(t, req.Header.Get("Content-Length"), "the caller's request is not changed")
}

// TestValidatorIncompleteExchanges checks that an exchange the validator
// cannot judge gets an error saying what is missing, not a panic and not a
// verdict.
func TestValidatorIncompleteExchanges(t *testing.T) {
	v := newValidator(t)
	noURL, err := http.NewRequestWithContext(context.Background(), http.MethodPost, cancelURL, nil)
	require.NoError(t, err)
	noURL.URL = nil
	for _, tt := range []struct {
		name string
		ex   *contract.Exchange
		want string
	}{
		{"nil exchange", nil, "nil exchange"},
		{"no request", &contract.Exchange{StatusCode: 200, Header: jsonCT, Body: []byte(okBody)}, "no request"},
		{"no URL", &contract.Exchange{Request: noURL, StatusCode: 200, Header: jsonCT, Body: []byte(okBody)}, "the request has no URL"},
		{"no status", exchange(t, cancelURL, tokenHdr, 0, jsonCT, okBody), "no response status"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(context.Background(), tt.ex)
			require.ErrorIs(t, err, contract.ErrIncompleteExchange)
			require.ErrorContains(t, err, tt.want)
			var ve *contract.ValidationError
			require.False(t, errors.As(err, &ve), "an exchange that was not judged is no violation")
		})
	}
	require.ErrorIs(t, v.ValidateRequest(context.Background(), nil, nil), contract.ErrIncompleteExchange)
	require.ErrorContains(t, v.ValidateRequest(context.Background(), noURL, nil), "the request has no URL")
}

// TestValidatorBasePath checks routing whatever the base path of the
// endpoint, as the client accepts one: the path is matched as sent, then
// without its leading segments.
func TestValidatorBasePath(t *testing.T) {
	v := newValidator(t)
	for _, url := range []string{
		"https://gateway.example/prefix" + cancelURL,
		"http://127.0.0.1:8080/a/b/c" + cancelURL,
		"http://h/v2/v2/p1/scm/cert/scs1/cancel-cert",
		"http://h/prefix/v2/p1/scm/cert/a%2Fb/cancel-cert",
	} {
		t.Run(url, func(t *testing.T) {
			require.NoError(t, v.Validate(context.Background(), exchange(t, url, tokenHdr, 200, jsonCT, okBody)))
		})
	}
	for _, tt := range []struct {
		name, method, url, want string
	}{
		{"unknown path under a base path", http.MethodPost, "http://h/prefix/v2/p1/scm/cert/scs1/cancel", "no matching operation"},
		{"other method under a base path", http.MethodGet, "http://h/prefix" + cancelURL, "method not allowed"},
		{"empty cert_id under a base path", http.MethodPost, "http://h/prefix/v2/p1/scm/cert//cancel-cert", "no matching operation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ex := exchange(t, tt.url, tokenHdr, 200, jsonCT, okBody)
			ex.Request.Method = tt.method
			err := v.Validate(context.Background(), ex)
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
			require.True(t, ve.Has(contract.KindRoute, tt.want), "%v", err)
			require.Len(t, ve.Problems, 1, "the request is reported once: %v", err)
		})
	}
}

// TestValidatorWellFormedBodies checks the rules of package scm for
// bodies and media types, case by case, the same that the client applies.
func TestValidatorWellFormedBodies(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		kind        contract.Kind // "" when valid
		contains    string
	}{
		{name: "trailing garbage", status: 200, body: okBody + " garbage!!",
			kind: contract.KindResponseBody, contains: "body is not valid JSON: jsontext: invalid character 'g' after top-level value"},
		{name: "two documents", status: 200, body: okBody + okBody,
			kind: contract.KindResponseBody, contains: "invalid character '{' after top-level value"},
		{name: "NUL after the document", status: 200, body: okBody + "\x00",
			kind: contract.KindResponseBody, contains: `invalid character '\x00' after top-level value`},
		{name: "repeated member", status: 200, body: `{"cert_id":"real","message":"m","cert_id":"fake"}`,
			kind: contract.KindResponseBody, contains: `duplicate object member name "cert_id"`},
		{name: "repeated member in an error body", status: 400, body: `{"error_code":"SCM.0010","error_msg":"m","error_code":"SCM.0003"}`,
			kind: contract.KindResponseBody, contains: `duplicate object member name "error_code"`},
		{name: "invalid UTF-8", status: 200, body: "{\"cert_id\":\"\xff\",\"message\":\"m\"}",
			kind: contract.KindResponseBody, contains: "invalid UTF-8"},
		{name: "escaped lone surrogate", status: 200, body: `{"cert_id":"\udc00","message":"m"}`,
			kind: contract.KindResponseBody, contains: "invalid surrogate pair"},
		{name: "upper-case member names", status: 200, body: `{"CERT_ID":"upper","Message":"m"}`,
			kind: contract.KindResponseBody, contains: `property "cert_id" is missing`},
		{name: "long s is not s", status: 200, body: `{"cert_id":"c","meſſage":"m"}`,
			kind: contract.KindResponseBody, contains: `property "message" is missing`},
		{name: "case-folded error_code", status: 400, body: `{"ERROR_CODE":"SCM.0010","error_msg":"m"}`,
			kind: contract.KindResponseBody, contains: `property "error_code" is missing`},
		{name: "unterminated quoted parameter", status: 200, contentType: `application/json; charset="utf-8`, body: okBody,
			kind: contract.KindContentType, contains: "mime: invalid media parameter"},
		{name: "+json media type", status: 200, contentType: "application/problem+json", body: okBody,
			kind: contract.KindContentType, contains: `Content-Type "application/problem+json" is not documented`},
		{name: "parameter other than charset", status: 200, contentType: "application/json; profile=x", body: okBody,
			kind: contract.KindContentType, contains: `parameter "profile" is not defined for application/json`},
		{name: "case-folded twin beside the exact member", status: 200, body: `{"cert_id":"real","CERT_ID":"fake","message":"m"}`},
		{name: "escaped member name", status: 200, body: `{"cert\u005fid":"c","message":"m"}`},
		{name: "large number in an unknown member", status: 200, body: `{"cert_id":"c","message":"m","n":1e400}`},
		{name: "whitespace around the value", status: 200, body: " \r\n\t" + okBody + "\n"},
		{name: "media type in capitals, any charset", status: 200, contentType: `Application/JSON; Charset="ISO-8859-1"`, body: okBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			err := v.Validate(context.Background(), exchange(t, cancelURL, tokenHdr, tt.status, http.Header{"Content-Type": {ct}}, tt.body))
			if tt.kind == "" {
				require.NoError(t, err)
				return
			}
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
			require.True(t, ve.Has(tt.kind, tt.contains), "want a %s problem containing %q in:\n%v", tt.kind, tt.contains, err)
		})
	}
}

// TestValidatorClassifiesByType checks that problems are sorted by the
// step and the type of kin-openapi's errors, not by the words in them:
// kin-openapi's message for a body that breaks a schema titled "Content-Type
// header" names the title, and its message for a header named
// X-Content-Type-Options names the header; neither misleads the validator.
func TestValidatorClassifiesByType(t *testing.T) {
	v := validatorFor(t, `
paths:
  /things/{id}:
    post:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          headers:
            X-Content-Type-Options: {description: decode body, schema: {type: integer}}
          content:
            application/json:
              schema:
                title: Content-Type header
                type: object
                required: [header]
                properties: {header: {type: string}}
`)
	for _, tt := range []struct {
		name     string
		url      string
		header   http.Header
		body     string
		kind     contract.Kind
		contains string
	}{
		{"a body whose schema is titled Content-Type header", "/things/1", http.Header{"Content-Type": {"application/json"}}, `{"header": 1}`,
			contract.KindResponseBody, `at "/header": value must be a string`},
		{"a header named X-Content-Type-Options", "/things/1",
			http.Header{"Content-Type": {"application/json"}, "X-Content-Type-Options": {"nosniff"}}, `{"header": "h"}`,
			contract.KindResponseHeader, `X-Content-Type-Options`},
		{"a path parameter", "/things/one", http.Header{"Content-Type": {"application/json"}}, `{"header": "h"}`,
			contract.KindRequest, `parameter "id" in path`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(context.Background(), exchange(t, tt.url, nil, 200, tt.header, tt.body))
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
			require.True(t, ve.Has(tt.kind, tt.contains), "want a %s problem containing %q in:\n%v", tt.kind, tt.contains, err)
			require.Len(t, ve.Problems, 1, "%v", err)
		})
	}
}

// TestValidatorAnyDocument checks that every document NewValidatorFromDoc
// accepts works with any exchange: no panic, a verdict.
func TestValidatorAnyDocument(t *testing.T) {
	docs := map[string]string{
		"no default response": `
paths:
  /x:
    post:
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}`,
		"only a default response": `
paths:
  /x:
    post:
      responses:
        default: {description: any, content: {application/json: {schema: {type: object}}}}`,
		"no content": `
paths:
  /x:
    post:
      responses:
        '200': {description: ok}`,
		"content without schema": `
paths:
  /x:
    post:
      responses:
        '200': {description: ok, content: {application/json: {}}}`,
		"two media types": `
paths:
  /x:
    post:
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}, text/plain: {schema: {type: string}}}}`,
		"a JSON request body": `
paths:
  /x:
    post:
      requestBody: {required: true, content: {application/json: {schema: {type: object}}}}
      responses:
        '200': {description: ok}`,
		"an http security scheme": `
security: [{basic: []}]
components: {securitySchemes: {basic: {type: http, scheme: basic}}}
paths:
  /x:
    post:
      responses:
        '200': {description: ok}`,
	}
	exchanges := map[string]*contract.Exchange{}
	for _, status := range []int{200, 418, 599, -1} {
		for _, body := range []string{`{}`, `{} {}`, `"s"`, ""} {
			for _, ct := range []string{"application/json", "text/plain", `application/json; q="`, ""} {
				ex := exchange(t, "http://h/prefix/x", nil, status, http.Header{"Content-Type": {ct}}, body)
				ex.RequestBody = []byte(body)
				exchanges[fmt.Sprintf("%d %q %q", status, ct, body)] = ex
			}
		}
	}
	for name, src := range docs {
		t.Run(name, func(t *testing.T) {
			v := validatorFor(t, src)
			for exName, ex := range exchanges {
				err := v.Validate(context.Background(), ex)
				if err == nil {
					continue
				}
				var ve *contract.ValidationError
				require.True(t, errors.As(err, &ve), "%s: want nil or *ValidationError, got %v", exName, err)
				require.NotEmpty(t, ve.Problems, exName)
			}
		})
	}
	t.Run("no default response, undocumented status", func(t *testing.T) {
		v := validatorFor(t, docs["no default response"])
		err := v.Validate(context.Background(), exchange(t, "/x", nil, 418, jsonCT, `{}`))
		var ve *contract.ValidationError
		require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
		require.True(t, ve.Has(contract.KindStatus, "status 418 is not documented (documented: 200)"), "%v", err)
		require.Len(t, ve.Problems, 1, "with nothing documented for 418, nothing more is checked: %v", err)
	})
}

// TestNewValidatorFromDocKeepsTheDocument checks that the document given
// is not changed: its servers stay.
func TestNewValidatorFromDocKeepsTheDocument(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	servers := len(doc.Servers)
	require.NotZero(t, servers)
	_, err = contract.NewValidatorFromDoc(doc)
	require.NoError(t, err)
	require.Len(t, doc.Servers, servers)

	_, err = contract.NewValidatorFromDoc(nil)
	require.ErrorContains(t, err, "the document has no paths")
}

// validatorFor builds a Validator from an OpenAPI 3.0 document given as
// YAML, without its header.
func validatorFor(t *testing.T, paths string) *contract.Validator {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n" + strings.TrimPrefix(paths, "\n")))
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	v, err := contract.NewValidatorFromDoc(doc)
	require.NoError(t, err)
	return v
}
