package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

var update = flag.Bool("update", false, "rewrite the mock's recordings in testdata/recordings")

const (
	projectID = "77b6a44cba5143ab91d13ab9a8ff44fd"
	certID    = "scs1481110651012"
	fixedID   = "0123456789abcdef0123456789abcdef"
)

// mockClient returns a generated client that talks to a fresh mock through
// a validating transport reporting to t.
func mockClient(t *testing.T, opts ...contract.MockOption) (*scm.ClientWithResponses, *contract.Mock) {
	t.Helper()
	m, err := contract.NewMock(append([]contract.MockOption{contract.WithLogf(t.Logf)}, opts...)...)
	require.NoError(t, err)
	srv := serve(t, m)
	vt := contract.NewValidatingTransport(newValidator(t), http.DefaultTransport, contract.ReportTo(t))
	c, err := scm.NewClientWithResponses(srv, scm.WithHTTPClient(&http.Client{Transport: vt}))
	require.NoError(t, err)
	return c, m
}

func prefer(code int) scm.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Prefer", "code="+strconv.Itoa(code))
		return nil
	}
}

func token(tok string) scm.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", tok)
		return nil
	}
}

// TestClientAgainstMock drives the generated client through every scenario
// of the mock, with every exchange validated.
func TestClientAgainstMock(t *testing.T) {
	c, m := mockClient(t)
	require.Equal(t, []int{200, 400, 401, 403, 404, 429, 500}, m.Scenarios())
	for _, code := range m.Scenarios() {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			resp, err := c.CancelCertWithResponse(context.Background(), projectID, certID, token("a-token"), prefer(code))
			require.NoError(t, err)
			require.Equal(t, code, resp.StatusCode())
			require.NotEmpty(t, resp.HTTPResponse.Header.Get("X-Request-Id"))
			if code == http.StatusOK {
				require.NotNil(t, resp.JSON200)
				require.Equal(t, certID, resp.JSON200.CertId, "the mock answers the requested cert_id")
				require.Equal(t, "success", resp.JSON200.Message, "the message of the spec's example")
				return
			}
			eb := errorBody(t, resp)
			require.NotEmpty(t, eb.ErrorCode)
			require.NotEmpty(t, eb.ErrorMsg)
			if eb.RequestId != nil {
				require.Equal(t, resp.HTTPResponse.Header.Get("X-Request-Id"), *eb.RequestId, "the body's request_id is the header's")
			}
		})
	}
}

func errorBody(t *testing.T, resp *scm.CancelCertResponse) *scm.ErrorBody {
	t.Helper()
	for _, eb := range []*scm.ErrorBody{resp.JSON400, resp.JSON401, resp.JSON403, resp.JSON404, resp.JSON429, resp.JSON500, resp.JSONDefault} {
		if eb != nil {
			return eb
		}
	}
	t.Fatalf("status %d: no error body parsed from %q", resp.StatusCode(), resp.Body)
	return nil
}

// TestMockRejects checks that the mock answers bad requests with a
// documented error that names the problem.
func TestMockRejects(t *testing.T) {
	m, err := contract.NewMock(contract.WithLogf(t.Logf))
	require.NoError(t, err)
	srv := serve(t, m)
	path := "/v2/" + projectID + "/scm/cert/" + certID + "/cancel-cert"

	tests := []struct {
		name     string
		method   string
		path     string
		header   http.Header
		body     string
		status   int
		code     string
		contains string
	}{
		{"no credentials", http.MethodPost, path, nil, "", 401, "APIGW.0301", `"X-Auth-Token" is missing`},
		{"empty token", http.MethodPost, path, http.Header{"X-Auth-Token": {" "}}, "", 401, "APIGW.0301", `"X-Auth-Token" is missing`},
		{"a body", http.MethodPost, path, http.Header{"X-Auth-Token": {"t"}, "Content-Type": {"application/json"}}, `{}`, 400, "SCM.0005", "request body not allowed"},
		{"undocumented Prefer code", http.MethodPost, path, http.Header{"X-Auth-Token": {"t"}, "Prefer": {"code=418"}}, "", 400, "SCM.0005", "Prefer code=418 names no documented response"},
		{"Prefer code not a number", http.MethodPost, path, http.Header{"X-Auth-Token": {"t"}, "Prefer": {"code=abc"}}, "", 400, "SCM.0005", "Prefer code=abc"},
		{"wrong method", http.MethodGet, path, http.Header{"X-Auth-Token": {"t"}}, "", 404, "APIGW.0101", "does not exist"},
		{"unknown path", http.MethodPost, "/v2/" + projectID + "/scm/cert/" + certID + "/cancel", http.Header{"X-Auth-Token": {"t"}}, "", 404, "APIGW.0101", "does not exist"},
		{"body over the limit", http.MethodPost, path, http.Header{"X-Auth-Token": {"t"}}, strings.Repeat("x", 65<<10), 400, "SCM.0005", "body over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(context.Background(), tt.method, srv+tt.path, strings.NewReader(tt.body))
			require.NoError(t, err)
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			t.Cleanup(func() { _ = resp.Body.Close() })
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			require.NotEmpty(t, resp.Header.Get("X-Request-Id"))
			var eb scm.ErrorBody
			require.NoError(t, json.Unmarshal(body, &eb))
			require.Equal(t, tt.code, eb.ErrorCode)
			require.Contains(t, eb.ErrorMsg, tt.contains)
		})
	}
}

// TestPreferHeader checks how the scenario is read from Prefer (RFC 7240).
func TestPreferHeader(t *testing.T) {
	c, _ := mockClient(t)
	tests := []struct {
		prefer string
		status int
	}{
		{"", 200},
		{"code=404", 404},
		{"respond-async, code=403", 403},
		{`code="500"; dynamic=true`, 500},
		{"dynamic=true", 200},
		{" CODE = 401 ", 401},
	}
	for _, tt := range tests {
		t.Run(tt.prefer, func(t *testing.T) {
			resp, err := c.CancelCertWithResponse(context.Background(), projectID, certID, token("t"),
				func(_ context.Context, req *http.Request) error {
					if tt.prefer != "" {
						req.Header.Set("Prefer", tt.prefer)
					}
					return nil
				})
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode(), "%s", resp.Body)
		})
	}
}

// TestMockRecordings keeps the mock's recordings in the corpus equal to what
// the mock answers now; run with -update to rewrite them after a change.
func TestMockRecordings(t *testing.T) {
	m, err := contract.NewMock(contract.WithLogf(t.Logf), contract.WithRequestIDs(func() string { return fixedID }))
	require.NoError(t, err)
	srv := serve(t, m)

	type scenario struct {
		name, description string
		header            http.Header
		expect            contract.Expectation
	}
	var scenarios []scenario
	for _, code := range m.Scenarios() {
		scenarios = append(scenarios, scenario{
			name:        fmt.Sprintf("mock-%d", code),
			description: fmt.Sprintf("The mock's answer to Prefer: code=%d.", code),
			header:      http.Header{"X-Auth-Token": {"a-token"}, "Prefer": {fmt.Sprintf("code=%d", code)}},
			expect:      contract.Expectation{Valid: true},
		})
	}
	scenarios = append(scenarios,
		scenario{"mock-401-no-credentials", "The mock's answer to a request with no credentials: the documented 401, to a request that breaks the contract.",
			http.Header{}, contract.Expectation{Reason: "the request carries neither X-Auth-Token nor Authorization", Kind: contract.KindSecurity, Contains: "is missing"}},
		scenario{"mock-400-unknown-prefer-code", "The mock's answer to a Prefer code the spec does not document.",
			http.Header{"X-Auth-Token": {"a-token"}, "Prefer": {"code=418"}}, contract.Expectation{Valid: true}},
	)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			rec := recordMock(t, srv, sc.name, sc.description, sc.header)
			rec.Expect = sc.expect
			want, err := rec.Marshal()
			require.NoError(t, err)
			path := filepath.Join(recordingsDir, sc.name+".json")
			if *update {
				require.NoError(t, contract.WriteRecording(recordingsDir, rec))
				return
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./contract -run TestMockRecordings -update")
			require.Equal(t, string(want), string(got), "%s is stale: run go test ./contract -run TestMockRecordings -update", path)
		})
	}
}

// mockAddr stands for the loopback address of the mock in recordings, whose
// real port changes from run to run.
const mockAddr = "http://127.0.0.1:8080"

func recordMock(t *testing.T, srv, name, description string, header http.Header) *contract.Recording {
	t.Helper()
	path := "/v2/" + projectID + "/scm/cert/" + certID + "/cancel-cert"
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+path, nil)
	require.NoError(t, err)
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &contract.Recording{
		Name:        name,
		Description: description,
		Provenance: contract.Provenance{
			Source:    contract.SourceMock,
			Reference: "contract.Mock, written by go test ./contract -run TestMockRecordings -update",
			Note:      "The loopback port is shown as 8080 and the request ID is fixed, so that the file does not change between runs.",
		},
		Expect:   contract.Expectation{Valid: true},
		Request:  contract.RecordedRequest{Method: http.MethodPost, URL: mockAddr + path, Headers: contract.RedactHeaders(req.Header)},
		Response: contract.RecordedResponse{Status: resp.StatusCode, Headers: contract.RedactHeaders(resp.Header), Body: bytes.Clone(body)},
	}
}

// TestMockUncleanPaths checks that the mock answers every path with a
// documented status: a path that is not clean, an unknown one or another
// method gets the gateway's 404 APIGW.0101, never a redirect (which Go's
// ServeMux would send) or the mock's own MOCK.0500. An escaped '/' keeps a
// cert_id one segment, dots and all.
func TestMockUncleanPaths(t *testing.T) {
	srv := serve(t, mustMock(t))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const base = "/v2/" + projectID + "/scm/cert/"
	tests := []struct {
		name, method, path string
		status             int
		code               string // error_code, or "" for a result
		certID             string // the result's cert_id
	}{
		{"dot-dot segment", http.MethodPost, base + "../cancel-cert", 404, "APIGW.0101", ""},
		{"dot segment", http.MethodPost, base + "./cancel-cert", 404, "APIGW.0101", ""},
		{"escaped dot-dot segment", http.MethodPost, base + "%2E%2E/cancel-cert", 404, "APIGW.0101", ""},
		{"escaped dot segment", http.MethodPost, base + "%2e/cancel-cert", 404, "APIGW.0101", ""},
		{"doubled slash", http.MethodPost, "/v2/" + projectID + "/scm//cert/" + certID + "/cancel-cert", 404, "APIGW.0101", ""},
		{"leading doubled slash", http.MethodPost, "/" + base + certID + "/cancel-cert", 404, "APIGW.0101", ""},
		{"empty cert_id", http.MethodPost, base + "/cancel-cert", 404, "APIGW.0101", ""},
		{"trailing slash", http.MethodPost, base + certID + "/cancel-cert/", 404, "APIGW.0101", ""},
		{"base path the mock does not have", http.MethodPost, "/prefix" + base + certID + "/cancel-cert", 404, "APIGW.0101", ""},
		{"unknown path", http.MethodPost, base + certID + "/cancel", 404, "APIGW.0101", ""},
		{"lower-case method", "post", base + certID + "/cancel-cert", 404, "APIGW.0101", ""},
		{"DELETE", http.MethodDelete, base + certID + "/cancel-cert", 404, "APIGW.0101", ""},
		{"escaped slashes around dots", http.MethodPost, base + "a%2F..%2Fb/cancel-cert", 200, "", "a/../b"},
		{"dots and an escaped slash", http.MethodPost, base + "..%2F/cancel-cert", 200, "", "../"},
		{"three dots", http.MethodPost, base + ".../cancel-cert", 200, "", "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(context.Background(), tt.method, srv+tt.path, nil)
			require.NoError(t, err)
			req.Header.Set("X-Auth-Token", "t")
			resp, err := noRedirect.Do(req)
			require.NoError(t, err)
			t.Cleanup(func() { _ = resp.Body.Close() })
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			require.NotEmpty(t, resp.Header.Get("X-Request-Id"))
			if tt.code == "" {
				var res scm.CancelCertResult
				require.NoError(t, scm.UnmarshalJSON(body, &res))
				require.Equal(t, tt.certID, res.CertId)
				return
			}
			var eb scm.ErrorBody
			require.NoError(t, scm.UnmarshalJSON(body, &eb))
			require.Equal(t, tt.code, eb.ErrorCode, "%s", body)
			require.NotNil(t, eb.RequestId, "the gateway's errors carry request_id")
		})
	}
}

func mustMock(t *testing.T, opts ...contract.MockOption) *contract.Mock {
	t.Helper()
	m, err := contract.NewMock(append([]contract.MockOption{contract.WithLogf(t.Logf)}, opts...)...)
	require.NoError(t, err)
	return m
}
