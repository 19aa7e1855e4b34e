package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// TestJournalRecordsRequests sends a signed request, one signed with a
// wrong key, one with a token and one that breaks the contract, and checks
// what the journal keeps of each, secrets left out.
func TestJournalRecordsRequests(t *testing.T) {
	m := newMock(t, contract.WithKeyPair(testAK, testSK), contract.WithTokens(testToken),
		contract.WithCertificate(projectID, certID, contract.StatusChecking))
	srv := serve(t, m)
	signed, err := scm.NewCertClient(srv, scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK), ProjectID: projectID}))
	require.NoError(t, err)
	wrongKey, err := scm.NewCertClient(srv, scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret("not-the-secret-key-0123456789")}))
	require.NoError(t, err)
	withToken, err := scm.NewCertClient(srv, scm.WithToken(testToken))
	require.NoError(t, err)

	_, err = signed.CancelCertificate(context.Background(), projectID, certID)
	require.NoError(t, err)
	_, err = wrongKey.CancelCertificate(context.Background(), projectID, certID)
	require.ErrorIs(t, err, scm.ErrAuth)
	_, err = withToken.CancelCertificate(context.Background(), projectID, "scs-unknown")
	require.ErrorIs(t, err, scm.ErrNotFound)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
		srv+"/v2/"+projectID+"/scm/cert/"+certID+"/cancel-cert?debug=1", http.NoBody)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	reqs := m.Requests()
	require.Len(t, reqs, 4)
	for i, r := range reqs {
		require.Equal(t, i+1, r.Seq)
		require.Equal(t, http.MethodPost, r.Method)
		require.NotEmpty(t, r.RequestID)
		for _, secret := range []string{testSK, testToken, "not-the-secret-key-0123456789"} {
			require.NotContains(t, fmt.Sprint(r), secret, "request %d keeps no secret", r.Seq)
		}
	}

	ok := reqs[0]
	require.True(t, ok.Valid())
	require.True(t, ok.Signed)
	require.True(t, ok.SignatureVerified, ok.SignatureNote)
	require.Equal(t, "/v2/"+projectID+"/scm/cert/"+certID+"/cancel-cert", ok.Path)
	require.Equal(t, projectID, ok.ProjectID)
	require.Equal(t, certID, ok.CertID)
	require.Equal(t, projectID, ok.Header.Get("X-Project-Id"))
	require.Equal(t, contract.Redacted, ok.Header.Get("Authorization"))
	require.NotEmpty(t, ok.Header.Get("X-Sdk-Date"))
	require.Equal(t, http.StatusOK, ok.Status)
	require.Empty(t, ok.ErrorCode)

	bad := reqs[1]
	require.True(t, bad.Valid(), "the request's form keeps the contract; its signature is wrong")
	require.True(t, bad.Signed)
	require.False(t, bad.SignatureVerified)
	require.Contains(t, bad.SignatureNote, "signature mismatch")
	require.Equal(t, http.StatusUnauthorized, bad.Status)
	require.Equal(t, "APIGW.0301", bad.ErrorCode)
	require.Empty(t, bad.CertID, "it never reached the operation")

	tok := reqs[2]
	require.False(t, tok.Signed)
	require.Empty(t, tok.SignatureNote)
	require.Equal(t, contract.Redacted, tok.Header.Get("X-Auth-Token"))
	require.Equal(t, "SCM.0020", tok.ErrorCode)

	broken := reqs[3]
	require.False(t, broken.Valid(), "no credentials and an undocumented query")
	require.Equal(t, "debug=1", broken.Query)
	kinds := map[contract.Kind]bool{}
	for _, p := range broken.Problems {
		kinds[p.Kind] = true
	}
	require.True(t, kinds[contract.KindSecurity], "%v", broken.Problems)
	require.Equal(t, http.StatusUnauthorized, broken.Status)
}

// TestJournalSignatureNotes checks why a signature was not verified.
func TestJournalSignatureNotes(t *testing.T) {
	creds := scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK)}
	tests := []struct {
		name      string
		opts      []contract.MockOption
		alsoToken bool
		wantErr   error
		want      string
	}{
		{"no key pair: accepted unverified", nil, false, nil, "the mock has no key pair"},
		// Why it must fail: the mock accepts tokens only.
		{"tokens only: refused", []contract.MockOption{contract.WithTokens(testToken)}, false, scm.ErrAuth, "the mock has no key pair"},
		{"a token sent too", []contract.MockOption{contract.WithKeyPair(testAK, testSK), contract.WithTokens(testToken)}, true, nil,
			"authenticated by its X-Auth-Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t, tt.opts...)
			opts := []scm.CertClientOption{scm.WithAKSK(creds)}
			if tt.alsoToken {
				opts = append(opts, scm.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
					req.Header.Set("X-Auth-Token", testToken)
					return nil
				}))
			}
			c, err := scm.NewCertClient(serve(t, m), opts...)
			require.NoError(t, err)
			_, err = c.CancelCertificate(context.Background(), projectID, certID)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			reqs := m.Requests()
			require.Len(t, reqs, 1)
			require.True(t, reqs[0].Signed)
			require.False(t, reqs[0].SignatureVerified)
			require.Contains(t, reqs[0].SignatureNote, tt.want)
		})
	}
}

// TestJournalConcurrent sends from many goroutines while others read the
// journal (run it with -race): every request is kept once, in order.
func TestJournalConcurrent(t *testing.T) {
	const callers, calls = 8, 25
	m := newMock(t)
	c, err := scm.NewCertClient(serve(t, m), scm.WithToken(testToken))
	require.NoError(t, err)
	var wg sync.WaitGroup
	done := make(chan struct{})
	reader := sync.WaitGroup{}
	reader.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			reqs := m.Requests()
			for i := 1; i < len(reqs); i++ {
				if reqs[i-1].Seq >= reqs[i].Seq {
					t.Errorf("journal out of order: %d before %d", reqs[i-1].Seq, reqs[i].Seq)
					return
				}
			}
		}
	})
	for w := range callers {
		wg.Go(func() {
			for i := range calls {
				if _, err := c.CancelCertificate(context.Background(), projectID, fmt.Sprintf("c-%d-%d", w, i)); err != nil {
					t.Errorf("call: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	reader.Wait()
	reqs := m.Requests()
	require.Len(t, reqs, callers*calls)
	seen := map[string]bool{}
	for i, r := range reqs {
		require.Equal(t, i+1, r.Seq)
		require.False(t, seen[r.CertID], "%s twice", r.CertID)
		seen[r.CertID] = true
	}
}

// TestJournalResetAndLimit checks that Reset empties the journal and drops
// the scripts, and that the journal keeps the latest requests only.
func TestJournalResetAndLimit(t *testing.T) {
	m := newMock(t, contract.WithJournalLimit(3))
	c, err := scm.NewCertClient(serve(t, m), scm.WithToken(testToken))
	require.NoError(t, err)
	for i := range 5 {
		_, err := c.CancelCertificate(context.Background(), projectID, fmt.Sprint("c", i))
		require.NoError(t, err)
	}
	reqs := m.Requests()
	require.Len(t, reqs, 3)
	require.Equal(t, []int{3, 4, 5}, []int{reqs[0].Seq, reqs[1].Seq, reqs[2].Seq}, "the latest three")

	require.NoError(t, m.ScriptAll(contract.Respond(500, "")))
	m.Reset()
	require.Empty(t, m.Requests())
	require.Zero(t, m.PendingAnswers())
	_, err = c.CancelCertificate(context.Background(), projectID, certID)
	require.NoError(t, err, "the script was dropped")
	require.Equal(t, 1, m.Requests()[0].Seq, "numbering starts again")

	_, err = contract.NewMock(contract.WithJournalLimit(0))
	require.ErrorContains(t, err, "contract: WithJournalLimit: the limit must be at least 1")
}
