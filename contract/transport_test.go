package contract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// fixedServer answers every request with the given status, content type and body.
func fixedServer(t *testing.T, status int, contentType, body string) string {
	t.Helper()
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Request-Id", "rid-1")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
}

func post(t *testing.T, rt http.RoundTripper, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+cancelURL, nil)
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
	resp, err := post(t, vt, srv)
	requireNoResponse(t, resp)
	require.ErrorContains(t, err, "status 418 is not documented")
	require.ErrorContains(t, err, `Content-Type "text/html"`)
}

func TestValidatingTransportBoundsBodies(t *testing.T) {
	srv := fixedServer(t, 200, "application/json", `{"cert_id": "`+strings.Repeat("a", 2000)+`", "message": "success"}`)
	vt := &contract.ValidatingTransport{Validator: newValidator(t), MaxResponseBody: 1024}
	resp, err := post(t, vt, srv)
	requireNoResponse(t, resp)
	require.ErrorIs(t, err, scm.ErrBodyTooLarge, "a body over MaxResponseBody is not read without end")
	require.ErrorContains(t, err, "read response body")
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

// TestTransportLeavesTheRequestAlone checks that the caller's request is
// not modified, whether its body can be read again (GetBody) or not: the
// server gets the body, and the caller's request keeps its own.
func TestTransportLeavesTheRequestAlone(t *testing.T) {
	const payload = `{"reason":"x"}`
	for _, tt := range []struct {
		name    string
		getBody bool
	}{
		{"body with GetBody", true},
		{"body without GetBody", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = string(b)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, okBody)
			}))
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+cancelURL, strings.NewReader(payload))
			require.NoError(t, err)
			if !tt.getBody {
				req.GetBody = nil
			}
			body, getBody, header := req.Body, req.GetBody, req.Header
			var seen []byte
			tr := contract.NewTransport(nil, contract.HookFunc(func(ex *contract.Exchange, _ contract.Verdict) error {
				seen = ex.RequestBody
				ex.Request.Header.Set("X-Hook", "changed") // the sent clone's header, never the caller's
				return nil
			}))
			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, payload, got, "the server gets the body")
			require.Equal(t, payload, string(seen), "the hooks see it")
			require.True(t, body == req.Body, "req.Body is the caller's own")
			require.Equal(t, getBody == nil, req.GetBody == nil, "req.GetBody is the caller's own")
			require.Empty(t, header.Get("X-Hook"), "req.Header is not shared with what was sent")
		})
	}
}

// TestTransportRefusesLargeRequestBodies checks that a request body over
// MaxRequestBody is not sent, and that the error says which body.
func TestTransportRefusesLargeRequestBodies(t *testing.T) {
	base := roundTripFunc(func(*http.Request) (*http.Response, error) { panic("nothing may be sent") })
	tr := &contract.Transport{Base: base, MaxRequestBody: 4}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://127.0.0.1:1"+cancelURL, strings.NewReader("12345"))
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	requireNoResponse(t, resp)
	require.ErrorIs(t, err, scm.ErrBodyTooLarge, "5 bytes are over a limit of 4")
	require.ErrorContains(t, err, "contract: read request body")
}

// TestTransportHooks checks that the hooks run in order, each given the
// one verdict of validation, and that a hook's error fails the call and
// stops the hooks after it.
func TestTransportHooks(t *testing.T) {
	srv := fixedServer(t, 200, "application/json", `{}`)
	var order []string
	hook := func(name string, err error) contract.Hook {
		return contract.HookFunc(func(_ *contract.Exchange, v contract.Verdict) error {
			require.True(t, v.Validated, name)
			require.ErrorContains(t, v.Err, `property "cert_id" is missing`, name)
			order = append(order, name)
			return err
		})
	}
	var violations int
	tr := contract.NewValidatingTransport(newValidator(t), nil, func(*contract.Exchange, error) { violations++ },
		hook("first", nil), hook("second", errors.New("hook failed")), hook("third", nil))
	resp, err := post(t, tr, srv)
	requireNoResponse(t, resp)
	require.ErrorContains(t, err, "contract: hook failed")
	require.Equal(t, []string{"first", "second"}, order, "in order, stopping at the first error")
	require.Equal(t, 1, violations, "validated once")

	t.Run("without a Validator, hooks are told so", func(t *testing.T) {
		var got contract.Verdict
		tr := contract.NewTransport(nil, contract.HookFunc(func(_ *contract.Exchange, v contract.Verdict) error { got = v; return nil }))
		resp, err := post(t, tr, srv)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, contract.Verdict{}, got)
	})
}

// TestRecorderTakesTheTransportsVerdict records an exchange that the
// transport's Validator, built from a document of its own, calls valid and
// the embedded spec would not route at all: the recording is marked valid,
// so the recorder used the transport's verdict rather than validating again.
func TestRecorderTakesTheTransportsVerdict(t *testing.T) {
	v := validatorFor(t, `
paths:
  /x:
    post:
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}`)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	red, err := contract.NewRedactor("77b6a44cba5143ab91d13ab9a8ff44fd")
	require.NoError(t, err)
	dir := t.TempDir()
	rec := &contract.Recorder{Dir: dir, Endpoint: srv, Redactor: red}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+"/x", nil)
	require.NoError(t, err)
	resp, err := contract.NewValidatingTransport(v, nil, nil, rec).RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	r, err := contract.ReadRecording(filepath.Join(dir, "live-200.json"))
	require.NoError(t, err)
	require.True(t, r.Expect.Valid, "the transport's verdict, not the embedded spec's: %+v", r.Expect)
}
