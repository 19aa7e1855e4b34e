package contract_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
)

// TestLiveProbeAgainstStatefulMock runs the live path's default probe
// against a mock that knows certificates, as the real service does: the
// probe ID names none, so the answer is the documented error for an
// unknown certificate, 400 SCM.0020, and it keeps the contract.
func TestLiveProbeAgainstStatefulMock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again: skipped in -short mode")
	}
	m := newMock(t, contract.WithTokens(testToken), contract.WithCertificate(projectID, certID, contract.StatusChecking))
	srv := serve(t, m)
	dir := t.TempDir()
	env := map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_ENDPOINT": srv}
	out, err := runLive(t, env, "-live", "-record", "-recordings", dir)
	require.NoError(t, err, out)
	require.Contains(t, out, "--- PASS: TestLive")
	require.Contains(t, out, "probe answered as expected with an error")
	require.Contains(t, out, "HTTP 400 SCM.0020: Incorrect certificate ID.")

	require.Equal(t, []string{"live-400.json"}, recordingFiles(t, dir))
	rec, err := contract.ReadRecording(filepath.Join(dir, "live-400.json"))
	require.NoError(t, err)
	require.True(t, rec.Expect.Valid, "the mock's answer keeps the contract")

	reqs := m.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, contract.ProbeCertID, reqs[0].CertID)
	require.Equal(t, "SCM.0020", reqs[0].ErrorCode)
	status, _ := m.Certificate(projectID, certID)
	require.Equal(t, contract.StatusChecking, status, "the probe cancels nothing")
}
