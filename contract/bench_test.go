package contract_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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
//
// The client runs as configured by default (impl=client: retries on, no
// logger), with retries off (impl=client-noretry), and with a retry policy
// and a logger set but not triggered (impl=client-retry-log: no attempt
// is retried, and the logger, at level Warn, has nothing to write for a
// success), and with the logger writing every attempt
// (impl=client-retry-loginfo, to io.Discard). Compare with:
// benchstat -col /impl. The paired=... sub-benchmarks run the baseline and
// one client configuration in the same loop and report the ratio of their
// times (client/baseline), which load drifting between sub-benchmarks
// cannot skew.
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
		newClient := func(opts ...scm.CertClientOption) *scm.CertClient {
			opts = append([]scm.CertClientOption{scm.WithHTTPClient(hc),
				scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK), ProjectID: projectID})}, opts...)
			c, err := scm.NewCertClient(base, opts...)
			require.NoError(b, err)
			return c
		}
		logAt := func(level slog.Level) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
		}
		clients := map[string]*scm.CertClient{
			"client":               newClient(),
			"client-noretry":       newClient(scm.WithRetryPolicy(scm.NoRetry())),
			"client-retry-log":     newClient(scm.WithRetryPolicy(scm.DefaultRetryPolicy()), scm.WithLogger(logAt(slog.LevelWarn))),
			"client-retry-loginfo": newClient(scm.WithRetryPolicy(scm.DefaultRetryPolicy()), scm.WithLogger(logAt(slog.LevelInfo))),
		}
		calls := map[string]func(ctx context.Context) (*scm.CancelCertResult, error){
			"baseline": func(ctx context.Context) (*scm.CancelCertResult, error) {
				return baselineCancel(ctx, hc, base, projectID, certID)
			},
		}
		for name, client := range clients {
			calls[name] = func(ctx context.Context) (*scm.CancelCertResult, error) {
				return client.CancelCertificate(ctx, projectID, certID)
			}
		}
		// Paired: each iteration calls the baseline and the client, in
		// alternating order, and the ratio of their summed times is
		// reported, so that a machine whose load drifts between
		// sub-benchmarks (a shared one) skews both sides alike.
		for _, impl := range []string{"client-noretry", "client", "client-retry-log", "client-retry-loginfo"} {
			baseline, call := calls["baseline"], calls[impl]
			b.Run("server="+server+"/paired="+impl, func(b *testing.B) {
				ctx := context.Background()
				var spent [2]time.Duration // baseline, client
				i := 0
				for b.Loop() {
					for k := range 2 {
						side := (i + k) % 2
						f := baseline
						if side == 1 {
							f = call
						}
						start := time.Now()
						if _, err := f(ctx); err != nil {
							b.Fatal(err)
						}
						spent[side] += time.Since(start)
					}
					i++
				}
				b.ReportMetric(float64(spent[1])/float64(spent[0]), "client/baseline")
			})
		}
		for _, impl := range []string{"baseline", "client-noretry", "client", "client-retry-log", "client-retry-loginfo"} {
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
	benchValidate(b, v.Validate)
}

// BenchmarkValidateWithNotes is BenchmarkValidate with the drift notes the
// Transport computes for its hooks: the cost of the notes is the
// difference between the two, in the same run.
func BenchmarkValidateWithNotes(b *testing.B) {
	v := newValidator(b)
	benchValidate(b, func(ctx context.Context, ex *contract.Exchange) error {
		_, err := v.ValidateWithNotes(ctx, ex)
		return err
	})
}

// benchValidate runs validate on each recording of BenchmarkValidate,
// failing when its verdict is not the recording's.
func benchValidate(b *testing.B, validate func(context.Context, *contract.Exchange) error) {
	for _, name := range []string{"document-200-success", "document-400-scm-0010", "invalid-200-many-problems"} {
		b.Run(name, func(b *testing.B) {
			rec, err := contract.ReadRecording(filepath.Join(recordingsDir, name+".json"))
			require.NoError(b, err)
			ex, err := rec.Exchange()
			require.NoError(b, err)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := validate(ctx, ex); (err == nil) != rec.Expect.Valid {
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
