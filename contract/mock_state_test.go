package contract_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// stateClient serves m and returns a client sending a token, with every
// exchange validated against the spec.
func stateClient(t *testing.T, m *contract.Mock, opts ...scm.CertClientOption) *scm.CertClient {
	t.Helper()
	vt := contract.NewValidatingTransport(newValidator(t), http.DefaultTransport, contract.ReportTo(t))
	opts = append([]scm.CertClientOption{scm.WithToken(testToken), scm.WithHTTPClient(&http.Client{Transport: vt})}, opts...)
	c, err := scm.NewCertClient(serve(t, m), opts...)
	require.NoError(t, err)
	return c
}

func newMock(t *testing.T, opts ...contract.MockOption) *contract.Mock {
	t.Helper()
	m, err := contract.NewMock(append([]contract.MockOption{contract.WithLogf(t.Logf)}, opts...)...)
	require.NoError(t, err)
	return m
}

// requireBadRequest checks that err is an *scm.APIError with HTTP 400 (the
// status of every refusal of the mock's state model) and code, and in the
// class.
func requireBadRequest(t *testing.T, err error, code string, class error) {
	t.Helper()
	var apiErr *scm.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	require.Equal(t, code, apiErr.Code)
	require.ErrorIs(t, err, class)
}

// TestMockStateModel cancels a certificate seeded in each SCM status, twice:
// only an application under review can be cancelled, and it moves to
// CANCELCHECKING, where a second cancel is refused with SCM.0010.
func TestMockStateModel(t *testing.T) {
	for _, status := range contract.CertificateStatuses() {
		t.Run(status, func(t *testing.T) {
			m := newMock(t, contract.WithCertificate(projectID, certID, status))
			c := stateClient(t, m)
			_, err := c.CancelCertificate(context.Background(), projectID, certID)
			if status != contract.StatusChecking && status != contract.StatusCheckingOrg {
				// Why it must fail: only CHECKING and CHECKING_ORG allow a cancel (inferred).
				requireBadRequest(t, err, "SCM.0010", scm.ErrWrongState)
				got, _ := m.Certificate(projectID, certID)
				require.Equal(t, status, got, "a refused cancel changes nothing")
				return
			}
			require.NoError(t, err)
			got, ok := m.Certificate(projectID, certID)
			require.True(t, ok)
			require.Equal(t, contract.StatusCancelChecking, got)

			// Why it must fail: the application is no longer under review.
			_, err = c.CancelCertificate(context.Background(), projectID, certID)
			requireBadRequest(t, err, "SCM.0010", scm.ErrWrongState)
		})
	}
}

// TestMockUnknownCertificates checks the answers for a certificate the
// stateful mock does not know, and for one of another project.
func TestMockUnknownCertificates(t *testing.T) {
	m := newMock(t, contract.WithCertificate(projectID, certID, contract.StatusChecking))
	c := stateClient(t, m)
	tests := []struct {
		name, project, cert, why, code string
		class                          error
	}{
		{"unknown certificate", projectID, "scs-no-such-cert", "no project has it", "SCM.0020", scm.ErrNotFound},
		{"another project's certificate", "another-project-0123456789abcdef", certID, "it belongs to another project", "SCM.0003", scm.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CancelCertificate(context.Background(), tt.project, tt.cert)
			requireBadRequest(t, err, tt.code, tt.class)
			got, _ := m.Certificate(projectID, certID)
			require.Equal(t, contract.StatusChecking, got, "the real owner's certificate is untouched")
		})
	}
}

// TestMockWithoutSeedsStaysPermissive checks that a mock given no
// certificate answers 200 for any ID, as it always has, and that Prefer
// wins over the statuses of a stateful one.
func TestMockWithoutSeedsStaysPermissive(t *testing.T) {
	c := stateClient(t, newMock(t))
	for range 2 {
		res, err := c.CancelCertificate(context.Background(), projectID, "any-id-at-all")
		require.NoError(t, err)
		require.Equal(t, "any-id-at-all", res.CertId)
	}

	gen, m := mockClient(t, contract.WithCertificate(projectID, certID, contract.StatusChecking))
	resp, err := gen.CancelCertWithResponse(context.Background(), projectID, "scs-unknown", token("a-token"), prefer(http.StatusOK))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "Prefer: code=200 wins over the unknown certificate")
	status, _ := m.Certificate(projectID, certID)
	require.Equal(t, contract.StatusChecking, status)
}

func TestWithCertificateRefuses(t *testing.T) {
	tests := []struct {
		name, project, cert, status, want string
	}{
		{"unknown status", projectID, certID, "CANCELLED", `unknown certificate status "CANCELLED"`},
		{"lower-case status", projectID, certID, "checking", `unknown certificate status "checking"`},
		{"empty project", "", certID, contract.StatusChecking, "empty project ID or certificate ID"},
		{"empty certificate", projectID, "", contract.StatusChecking, "empty project ID or certificate ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := contract.NewMock(contract.WithCertificate(tt.project, tt.cert, tt.status))
			require.ErrorContains(t, err, "contract: WithCertificate: "+tt.want)
			m := newMock(t)
			require.ErrorContains(t, m.SetCertificate(tt.project, tt.cert, tt.status), tt.want)
			require.Empty(t, m.Certificates(), "nothing is added")
		})
	}
}

// TestMockSetCertificateAndReset moves a certificate on by hand, as the
// service does from CANCELCHECKING to PAID, and checks that Reset returns
// to the seeds.
func TestMockSetCertificateAndReset(t *testing.T) {
	m := newMock(t, contract.WithCertificate(projectID, certID, contract.StatusChecking))
	c := stateClient(t, m)
	_, err := c.CancelCertificate(context.Background(), projectID, certID)
	require.NoError(t, err)
	require.NoError(t, m.SetCertificate(projectID, certID, contract.StatusPaid))
	require.NoError(t, m.SetCertificate(projectID, "scs-added", contract.StatusCheckingOrg))
	require.Equal(t, []contract.Certificate{
		{ProjectID: projectID, CertID: "scs-added", Status: contract.StatusCheckingOrg},
		{ProjectID: projectID, CertID: certID, Status: contract.StatusPaid},
	}, m.Certificates(), "sorted by project, then certificate ID")

	m.Reset()
	require.Equal(t, []contract.Certificate{{ProjectID: projectID, CertID: certID, Status: contract.StatusChecking}}, m.Certificates())
	_, err = c.CancelCertificate(context.Background(), projectID, "scs-added")
	requireBadRequest(t, err, "SCM.0020", scm.ErrNotFound)
}

// TestMockStateConcurrent cancels the same applications from many
// goroutines at once (run it with -race): each is cancelled exactly once,
// every other call gets SCM.0010.
func TestMockStateConcurrent(t *testing.T) {
	const certs, callers = 8, 16
	var opts []contract.MockOption
	for i := range certs {
		opts = append(opts, contract.WithCertificate(projectID, fmt.Sprintf("scs-%d", i), contract.StatusChecking))
	}
	m := newMock(t, opts...)
	c := stateClient(t, m)
	var (
		mu        sync.Mutex
		successes = map[string]int{}
		refusals  int
		wg        sync.WaitGroup
	)
	for w := range callers {
		wg.Go(func() {
			for i := range certs {
				cert := fmt.Sprintf("scs-%d", (w+i)%certs)
				_, err := c.CancelCertificate(context.Background(), projectID, cert)
				mu.Lock()
				switch {
				case err == nil:
					successes[cert]++
				case errorIsWrongState(err):
					refusals++
				default:
					t.Errorf("cancel %s: %v", cert, err)
				}
				mu.Unlock()
				m.Certificates() // read while others write
			}
		})
	}
	wg.Wait()
	require.Len(t, successes, certs)
	for cert, n := range successes {
		require.Equal(t, 1, n, "%s cancelled once", cert)
	}
	require.Equal(t, certs*callers-certs, refusals)
	require.Len(t, m.Requests(), certs*callers)
}

func errorIsWrongState(err error) bool { return errors.Is(err, scm.ErrWrongState) }
