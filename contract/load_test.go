package contract_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// noLeaks makes the test fail if it leaves a goroutine behind. Call it
// first, so that its cleanup runs last, after the servers and transports
// the test started are closed. Goroutines running when it is called are
// ignored.
func noLeaks(tb testing.TB) {
	tb.Helper()
	before := goleak.IgnoreCurrent()
	tb.Cleanup(func() { goleak.VerifyNone(tb, before) })
}

type preferKey struct{}

// withPrefer asks the mock, through the context, for the scenario code.
func withPrefer(ctx context.Context, code int) context.Context {
	return context.WithValue(ctx, preferKey{}, code)
}

// preferFromContext sets "Prefer: code=NNN" from the context, if any.
func preferFromContext(ctx context.Context, req *http.Request) error {
	if code, ok := ctx.Value(preferKey{}).(int); ok {
		req.Header.Set("Prefer", "code="+strconv.Itoa(code))
	}
	return nil
}

// failures keeps the number of failures and the first few of them.
type failures struct {
	n     atomic.Int64
	mu    sync.Mutex
	first []string
}

func (f *failures) add(format string, args ...any) {
	if f.n.Add(1) > 5 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.first = append(f.first, fmt.Sprintf(format, args...))
}

// countingTransport counts the requests it passes on.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

// TestLoadSignedClientAgainstMock runs the signed CertClient against the
// mock, with authentication on, from many goroutines at once, mixing every
// scenario, with every exchange validated against the spec. Every call
// must get the answer its scenario asked for, no exchange may break the
// contract, and no goroutine may be left behind. The client retries, as it
// does by default, with waits of at most a millisecond so that the test
// measures load rather than backoff: the 429 scenario, asked for on every
// attempt, is sent twice, and every other scenario once. Run it with
// -race.
func TestLoadSignedClientAgainstMock(t *testing.T) {
	noLeaks(t)
	workers, calls := 16, 500
	if testing.Short() {
		calls = 50
	}
	srv := contract.StartMock(t, contract.WithKeyPair(testAK, testSK))
	transport := &http.Transport{MaxIdleConnsPerHost: workers}
	t.Cleanup(transport.CloseIdleConnections)
	var violations failures
	vt := contract.NewValidatingTransport(newValidator(t), transport, func(_ *contract.Exchange, err error) {
		violations.add("%v", err)
	})
	sent := &countingTransport{next: vt}
	client, err := scm.NewCertClient(srv.URL,
		scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK), ProjectID: projectID}),
		scm.WithRequestEditorFn(preferFromContext),
		scm.WithHTTPClient(&http.Client{Transport: sent}),
		scm.WithRetryPolicy(scm.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	require.NoError(t, err)
	scenarios := []int{200, 400, 401, 403, 404, 429, 500}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		failed failures
		wg     sync.WaitGroup
		counts [7]atomic.Int64
	)
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				k := (w + i) % len(scenarios)
				want := scenarios[k]
				cert := fmt.Sprintf("scs-%d-%d", w, i)
				got, err := client.CancelCertificate(withPrefer(ctx, want), projectID, cert)
				if msg := checkAnswer(want, cert, got, err); msg != "" {
					failed.add("worker %d call %d: %s", w, i, msg)
					continue
				}
				counts[k].Add(1)
			}
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "the calls finished within the deadline")
	require.Zero(t, failed.n.Load(), "failed calls, the first ones: %v", failed.first)
	require.Zero(t, violations.n.Load(), "contract violations, the first ones: %v", violations.first)
	var want [7]int64
	for w := range workers {
		for i := range calls {
			want[(w+i)%len(scenarios)]++
		}
	}
	wantSent := int64(workers * calls)
	for k, code := range scenarios {
		require.Equal(t, want[k], counts[k].Load(), "right answers with status %d", code)
		if code == http.StatusTooManyRequests {
			wantSent += want[k] // each throttled call is retried once
		}
	}
	require.Equal(t, wantSent, sent.n.Load(), "requests sent: one per call, two per throttled call")
}

// checkAnswer returns what is wrong with the answer to a call that asked
// for the scenario want, or "" when it is right.
func checkAnswer(want int, cert string, got *scm.CancelCertResult, err error) string {
	if want == http.StatusOK {
		switch {
		case err != nil:
			return "want a result, got " + err.Error()
		case got.CertId != cert || got.Message != "success":
			return fmt.Sprintf("want cert_id %q and message success, got %+v", cert, got)
		}
		return ""
	}
	var apiErr *scm.APIError
	switch {
	case !errors.As(err, &apiErr):
		return fmt.Sprintf("want an *APIError with status %d, got %v", want, err)
	case apiErr.StatusCode != want:
		return fmt.Sprintf("want status %d, got %v", want, err)
	case apiErr.Code == "" || apiErr.RequestID == "":
		return fmt.Sprintf("want an error code and a request ID, got %v", err)
	}
	return ""
}
