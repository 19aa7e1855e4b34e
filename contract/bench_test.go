package contract_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
	"github.com/scmcontract/cancelcert/openapi"
)

// baselineCancel is what a careful caller would write by hand with
// net/http and encoding/json: build the request, sign it with scm.Sign,
// send it, read the body (bounded, and to the end so that the connection
// is reused) and decode it. It is the yardstick for CertClient.
func baselineCancel(ctx context.Context, hc *http.Client, base, project, cert string) (*scm.CancelCertResult, error) {
	u := base + "/v2/" + url.PathEscape(project) + "/scm/cert/" + url.PathEscape(cert) + "/cancel-cert"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(scm.HeaderProjectID, project)
	if err := scm.Sign(req, testAK, testSK, time.Now()); err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, scm.DefaultResponseLimit))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	var out scm.CancelCertResult
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// staticServer answers every request with the mock's 200, without
// validating or authenticating anything, so that the client's own cost
// stands out.
func staticServer(tb testing.TB) string {
	tb.Helper()
	body := []byte(`{"cert_id":"` + certID + `","message":"success"}`)
	return serve(tb, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fixedID)
		_, err := w.Write(body)
		if err != nil {
			tb.Errorf("write response: %v", err)
		}
	}))
}

// BenchmarkCancelCert compares, in one run, the signed CertClient with the
// hand-written baseline, both signing with AK/SK and sharing one HTTP
// transport, against two servers over loopback: the mock with
// authentication on (it verifies every signature and validates both
// directions against the spec), and a static handler that does nothing,
// where the client's own overhead is largest relative to the total.
// Compare with: benchstat -col /impl.
func BenchmarkCancelCert(b *testing.B) {
	servers := map[string]string{
		"mock":   contract.StartMock(b, contract.WithKeyPair(testAK, testSK)).URL,
		"static": staticServer(b),
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(transport.CloseIdleConnections)
	hc := &http.Client{Transport: transport}
	for _, server := range []string{"mock", "static"} {
		base := servers[server]
		client, err := scm.NewCertClient(base,
			scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK), ProjectID: projectID}), scm.WithHTTPClient(hc))
		require.NoError(b, err)
		calls := map[string]func(ctx context.Context) (*scm.CancelCertResult, error){
			"baseline": func(ctx context.Context) (*scm.CancelCertResult, error) {
				return baselineCancel(ctx, hc, base, projectID, certID)
			},
			"client": func(ctx context.Context) (*scm.CancelCertResult, error) {
				return client.CancelCertificate(ctx, projectID, certID)
			},
		}
		for _, impl := range []string{"baseline", "client"} {
			call := calls[impl]
			b.Run("server="+server+"/impl="+impl, func(b *testing.B) {
				ctx := context.Background()
				got, err := call(ctx)
				require.NoError(b, err)
				require.Equal(b, certID, got.CertId)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := call(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkValidate validates one recorded exchange with the Validator:
// the documented success, a documented error, and a crafted exchange with
// several problems.
func BenchmarkValidate(b *testing.B) {
	v := newValidator(b)
	for _, name := range []string{"document-200-success", "document-400-scm-0010", "invalid-200-many-problems"} {
		b.Run(name, func(b *testing.B) {
			rec, err := contract.ReadRecording(filepath.Join(recordingsDir, name+".json"))
			require.NoError(b, err)
			ex, err := rec.Exchange()
			require.NoError(b, err)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Validate(ctx, ex); (err == nil) != rec.Expect.Valid {
					b.Fatalf("want valid %v, got %v", rec.Expect.Valid, err)
				}
			}
		})
	}
}

// BenchmarkValidateWithNotes is BenchmarkValidate with the drift notes the
// Transport computes for its hooks: the cost of the notes is the
// difference between the two, in the same run.
func BenchmarkValidateWithNotes(b *testing.B) {
	v := newValidator(b)
	for _, name := range []string{"document-200-success", "document-400-scm-0010", "invalid-200-many-problems"} {
		b.Run(name, func(b *testing.B) {
			rec, err := contract.ReadRecording(filepath.Join(recordingsDir, name+".json"))
			require.NoError(b, err)
			ex, err := rec.Exchange()
			require.NoError(b, err)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.ValidateWithNotes(ctx, ex); (err == nil) != rec.Expect.Valid {
					b.Fatalf("want valid %v, got %v", rec.Expect.Valid, err)
				}
			}
		})
	}
}

// BenchmarkLoadSpec loads and checks the embedded spec, which every
// NewValidator and NewMock does once.
func BenchmarkLoadSpec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openapi.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewValidator loads the spec and builds the validator's router.
func BenchmarkNewValidator(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := contract.NewValidator(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMockServeHTTP answers one signed request in process, without
// the network: the cost the mock adds to every call.
func BenchmarkMockServeHTTP(b *testing.B) {
	m, err := contract.NewMock(contract.WithKeyPair(testAK, testSK), contract.WithLogf(b.Logf))
	require.NoError(b, err)
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "http://scm.example"+cancelPath, nil)
	b.ReportAllocs()
	for b.Loop() {
		require.NoError(b, scm.Sign(req, testAK, testSK, time.Now()))
		w := httptest.NewRecorder()
		m.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
