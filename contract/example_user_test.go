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
// write it: it cancels a certificate application and reports an application
// that cannot be cancelled (SCM.0010) as such rather than as a failure. It
// has no retry loop of its own: the client retries what is safe to retry,
// by the policy it was built with.
func cancelApplication(ctx context.Context, c *scm.CertClient, projectID, certID string) (string, error) {
	_, err := c.CancelCertificate(ctx, projectID, certID)
	switch {
	case err == nil:
		return "cancelled", nil
	case errors.Is(err, scm.ErrWrongState):
		return "not cancellable now", nil
	}
	return "", err
}

// TestCancelApplicationAgainstTheMock drives cancelApplication against a
// stateful mock, with scripted throttling and a dropped connection, and
// checks through the mock's journal what the client sent.
func TestCancelApplicationAgainstTheMock(t *testing.T) {
	const project, otherProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "f9e8d7c6b5a4938271605f4e3d2c1b0a"
	// The client's policy: 3 attempts, short waits so that the test is
	// quick (the defaults are 4 attempts, waits from 200 ms up to 10 s).
	// A Retry-After from the server is honoured whatever the policy says.
	policy := scm.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}
	// start serves a fresh mock for each case: two certificates, and
	// AK/SK signatures checked with the client's key pair.
	start := func(t *testing.T, policy scm.RetryPolicy) (*contract.Mock, *scm.CertClient) {
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
		client, err := scm.NewCertClient(srv.URL, scm.WithAKSK(creds), scm.WithRetryPolicy(policy))
		require.NoError(t, err)
		return m, client
	}
	ctx := context.Background()

	t.Run("success moves the application to CANCELCHECKING", func(t *testing.T) {
		m, client := start(t, policy)
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
		m, client := start(t, policy)
		got, err := cancelApplication(ctx, client, project, "scs-issued")
		require.NoError(t, err)
		require.Equal(t, "not cancellable now", got)
		reqs := m.Requests()
		require.Len(t, reqs, 1, "SCM.0010 is an answer from SCM: the client never sends it again")
		require.Equal(t, http.StatusBadRequest, reqs[0].Status)
		require.Equal(t, "SCM.0010", reqs[0].ErrorCode)
	})

	t.Run("a certificate of another project is an error, not retried", func(t *testing.T) {
		m, client := start(t, policy)
		_, err := cancelApplication(ctx, client, otherProject, "scs-under-review")
		require.ErrorIs(t, err, scm.ErrForbidden, "SCM.0003: the tenant cannot cancel another's certificate")
		require.Len(t, m.Requests(), 1)
		status, _ := m.Certificate(project, "scs-under-review")
		require.Equal(t, contract.StatusChecking, status, "a refused call changes nothing")
	})

	t.Run("throttled twice, then cancelled", func(t *testing.T) {
		m, client := start(t, policy)
		require.NoError(t, m.Script("scs-under-review", contract.Throttle(0), contract.Throttle(0)))
		got, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.NoError(t, err)
		require.Equal(t, "cancelled", got)
		reqs := m.Requests()
		require.Len(t, reqs, 3, "the client retried twice after two 429s")
		for i, want := range []int{http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusOK} {
			require.Equal(t, want, reqs[i].Status, "request %d", reqs[i].Seq)
			require.True(t, reqs[i].SignatureVerified, "every retry is signed afresh")
		}
		require.Zero(t, m.PendingAnswers(), "every scripted answer was used")
	})

	t.Run("throttled every time: the last error is returned", func(t *testing.T) {
		m, client := start(t, policy)
		require.NoError(t, m.ScriptAll(contract.Throttle(0), contract.Throttle(0), contract.Throttle(0)))
		_, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.ErrorIs(t, err, scm.ErrThrottled)
		var attemptsErr *scm.AttemptsError
		require.ErrorAs(t, err, &attemptsErr)
		require.Equal(t, 3, attemptsErr.Attempts, "the error tells how many attempts were made")
		require.Len(t, m.Requests(), 3, "three attempts, no more")
		status, _ := m.Certificate(project, "scs-under-review")
		require.Equal(t, contract.StatusChecking, status, "a throttled call changes nothing")
	})

	t.Run("a dropped connection is not retried by default", func(t *testing.T) {
		m, client := start(t, policy)
		require.NoError(t, m.Script("scs-under-review", contract.ResetConnection()))
		_, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.Error(t, err, "the request was written: SCM may have acted on it, so it is not sent again")
		var apiErr *scm.APIError
		require.False(t, errors.As(err, &apiErr), "no answer came: %v", err)
		reqs := m.Requests()
		require.Len(t, reqs, 1)
		require.Equal(t, contract.FaultResetConnection, reqs[0].Fault, "the answer never came")
	})

	t.Run("a dropped connection is retried when the caller opts in", func(t *testing.T) {
		optIn := policy
		optIn.RetryPossiblyDelivered = true // a second cancel is harmless: at worst SCM.0010
		m, client := start(t, optIn)
		require.NoError(t, m.Script("scs-under-review", contract.ResetConnection()))
		got, err := cancelApplication(ctx, client, project, "scs-under-review")
		require.NoError(t, err)
		require.Equal(t, "cancelled", got)
		reqs := m.Requests()
		require.Len(t, reqs, 2)
		require.Equal(t, contract.FaultResetConnection, reqs[0].Fault, "the first answer never came")
		require.Empty(t, reqs[1].Fault)
	})
}
