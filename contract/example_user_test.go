package contract_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// cancelApplication is the code under test, as a user of the client would
// write it: it cancels a certificate application, retries throttling and
// dropped connections up to three attempts, and reports an application that
// cannot be cancelled (SCM.0010) as such rather than as a failure.
func cancelApplication(ctx context.Context, c *scm.CertClient, projectID, certID string) (string, error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		_, err := c.CancelCertificate(ctx, projectID, certID)
		var apiErr *scm.APIError
		switch {
		case err == nil:
			return "cancelled", nil
		case errors.Is(err, scm.ErrWrongState):
			return "not cancellable now", nil
		case attempt == attempts:
			return "", err
		case errors.Is(err, scm.ErrThrottled): // 429 APIG.0308: retry
		case errors.As(err, &apiErr): // any other answer of the service: no retry
			return "", err
		case ctx.Err() != nil:
			return "", err
		default: // no answer at all, such as a dropped connection: retry
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond) // a real backoff would be longer
	}
}

// TestCancelApplicationAgainstTheMock drives cancelApplication against a
// stateful mock, with scripted throttling and a dropped connection, and
// checks through the mock's journal what it sent.
func TestCancelApplicationAgainstTheMock(t *testing.T) {
	const project = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	// start serves a fresh mock for each case: two certificates, and
	// AK/SK signatures checked with the client's key pair.
	start := func(t *testing.T) (*contract.Mock, *scm.CertClient) {
		m, err := contract.NewMock(
			contract.WithCertificate(project, "scs-under-review", contract.StatusChecking),
			contract.WithCertificate(project, "scs-issued", contract.StatusIssued),
			contract.WithKeyPair("EXAMPLEAK0123456789", "example-secret-key-0123456789"),
			contract.WithLogf(t.Logf),
		)
		require.NoError(t, err)
		srv := httptest.NewServer(m)
		t.Cleanup(srv.Close)
		creds := scm.Credentials{AK: scm.NewSecret("EXAMPLEAK0123456789"),
			SK: scm.NewSecret("example-secret-key-0123456789"), ProjectID: project}
		client, err := scm.NewCertClient(srv.URL, scm.WithAKSK(creds))
		require.NoError(t, err)
		return m, client
	}
	ctx := context.Background()

	t.Run("success moves the application to CANCELCHECKING", func(t *testing.T) {
		m, client := start(t)
		got, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.NoError(t, err)
		require.Equal(t, "cancelled", got)
		status, _ := m.Certificate(project, "scs-under-review")
		require.Equal(t, contract.StatusCancelChecking, status)

		reqs := m.Requests()
		require.Len(t, reqs, 1, "one call, no retry")
		require.True(t, reqs[0].Valid(), "the request keeps the contract: %v", reqs[0].Problems)
		require.True(t, reqs[0].SignatureVerified, "signed with the right key: %s", reqs[0].SignatureNote)
		require.Equal(t, project, reqs[0].Header.Get("X-Project-Id"), "the project ID header is sent")
		require.Equal(t, contract.Redacted, reqs[0].Header.Get("Authorization"), "the journal keeps no secret")
	})

	t.Run("SCM.0010 is reported, not retried", func(t *testing.T) {
		m, client := start(t)
		got, err := cancelApplication(ctx, client, project, "scs-issued")
		require.NoError(t, err)
		require.Equal(t, "not cancellable now", got)
		reqs := m.Requests()
		require.Len(t, reqs, 1, "SCM.0010 is final")
		require.Equal(t, http.StatusBadRequest, reqs[0].Status)
		require.Equal(t, "SCM.0010", reqs[0].ErrorCode)
	})

	t.Run("throttled twice, then cancelled", func(t *testing.T) {
		m, client := start(t)
		require.NoError(t, m.Script("scs-under-review", contract.Throttle(time.Second), contract.Throttle(time.Second)))
		got, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.NoError(t, err)
		require.Equal(t, "cancelled", got)
		reqs := m.Requests()
		require.Len(t, reqs, 3, "two retries after two 429s")
		for i, want := range []int{http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusOK} {
			require.Equal(t, want, reqs[i].Status, "request %d", reqs[i].Seq)
			require.True(t, reqs[i].SignatureVerified, "every retry is signed afresh")
		}
		require.Zero(t, m.PendingAnswers(), "every scripted answer was used")
	})

	t.Run("a dropped connection is retried", func(t *testing.T) {
		m, client := start(t)
		require.NoError(t, m.Script("scs-under-review", contract.ResetConnection()))
		got, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.NoError(t, err)
		require.Equal(t, "cancelled", got)
		reqs := m.Requests()
		require.Len(t, reqs, 2)
		require.Equal(t, contract.FaultResetConnection, reqs[0].Fault, "the first answer never came")
		require.Empty(t, reqs[1].Fault)
	})

	t.Run("throttled every time: the last error is returned", func(t *testing.T) {
		m, client := start(t)
		require.NoError(t, m.ScriptAll(contract.Throttle(0), contract.Throttle(0), contract.Throttle(0)))
		_, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.ErrorIs(t, err, scm.ErrThrottled)
		require.Len(t, m.Requests(), 3, "three attempts, no more")
		status, _ := m.Certificate(project, "scs-under-review")
		require.Equal(t, contract.StatusChecking, status, "a throttled call changes nothing")
	})
}
