package contract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// fixedServer answers every request with the given status, content type and body.
func fixedServer(t *testing.T, status int, contentType, body string) string {
	t.Helper()
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Request-Id", "rid-1")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
}

func post(t *testing.T, rt http.RoundTripper, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+cancelURL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	return (&http.Client{Transport: rt}).Do(req)
}

func TestValidatingTransportPassesGoodExchanges(t *testing.T) {
	srv := fixedServer(t, 200, "application/json", okBody)
	var violations []error
	vt := contract.NewValidatingTransport(newValidator(t), nil, func(_ *contract.Exchange, err error) { violations = append(violations, err) })
	resp, err := post(t, vt, srv)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, okBody, string(body), "the caller reads the same body")
	require.Empty(t, violations)
}

func TestValidatingTransportReportsViolations(t *testing.T) {
	srv := fixedServer(t, 200, "application/json", `{"cert_id": 1}`)
	var got []error
	vt := contract.NewValidatingTransport(newValidator(t), http.DefaultTransport, func(ex *contract.Exchange, err error) {
		require.Equal(t, 200, ex.StatusCode)
		got = append(got, err)
	})
	resp, err := post(t, vt, srv)
	require.NoError(t, err, "with OnViolation set, the response still reaches the caller")
	require.NoError(t, resp.Body.Close())
	require.Len(t, got, 1)
	var ve *contract.ValidationError
	require.True(t, errors.As(got[0], &ve))
	require.True(t, ve.Has(contract.KindResponseBody, `"/message": property "message" is missing`), "%v", got[0])
	require.True(t, ve.Has(contract.KindResponseBody, `"/cert_id": value must be a string`), "%v", got[0])
}

func TestValidatingTransportReturnsViolationAsError(t *testing.T) {
	srv := fixedServer(t, 418, "text/html", "<p>teapot</p>")
	vt := contract.NewValidatingTransport(newValidator(t), nil, nil)
	_, err := post(t, vt, srv)
	require.ErrorContains(t, err, "status 418 is not documented")
	require.ErrorContains(t, err, `Content-Type "text/html"`)
}

func TestValidatingTransportBoundsBodies(t *testing.T) {
	srv := fixedServer(t, 200, "application/json", `{"cert_id": "`+strings.Repeat("a", 2000)+`", "message": "success"}`)
	vt := &contract.ValidatingTransport{Validator: newValidator(t), MaxBody: 1024}
	_, err := post(t, vt, srv)
	require.ErrorIs(t, err, contract.ErrBodyTooLarge, "a body over MaxBody is not read without end")
}

// TestValidatingTransportReportTo shows the testing.TB adapter failing a test.
func TestValidatingTransportReportTo(t *testing.T) {
	srv := fixedServer(t, 200, "application/json", `{}`)
	rec := &recordingTB{TB: t}
	vt := contract.NewValidatingTransport(newValidator(t), nil, contract.ReportTo(rec))
	resp, err := post(t, vt, srv)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Len(t, rec.errors, 1)
	require.Contains(t, rec.errors[0], `property "cert_id" is missing`)
}

// recordingTB keeps the errors a helper reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

// TestValidatingTransportBasePath checks that an endpoint with a base path,
// which CertClient supports, is validated like any other: the good answer
// passes, the bad one is reported as what it is, not as an unknown route.
func TestValidatingTransportBasePath(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		violation  string // "" when the exchange keeps the contract
	}{
		{"good answer", okBody, ""},
		{"trailing garbage", okBody + " garbage!!", "body is not valid JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /prefix/v2/{project}/scm/cert/{cert}/cancel-cert", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			})
			srv := serve(t, mux)
			var violations []string
			vt := contract.NewValidatingTransport(newValidator(t), nil, func(_ *contract.Exchange, err error) {
				violations = append(violations, err.Error())
			})
			c, err := scm.NewCertClient(srv+"/prefix", scm.WithToken("a-token-of-32-characters-or-more!"), scm.WithHTTPClient(&http.Client{Transport: vt}))
			require.NoError(t, err)
			_, err = c.CancelCertificate(context.Background(), "p1", "scs1")
			if tt.violation == "" {
				require.NoError(t, err)
				require.Empty(t, violations)
				return
			}
			require.ErrorIs(t, err, scm.ErrMalformedResponse, "the client refuses what the validator refuses")
			require.Len(t, violations, 1)
			require.Contains(t, violations[0], tt.violation)
			require.NotContains(t, violations[0], "no matching operation")
		})
	}
}
