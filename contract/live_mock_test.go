package contract_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// runLive runs TestLive in a child process of this test binary with the
// given flags and environment, as `go test ./contract -run Live -live` would,
// and returns its output.
func runLive(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(context.Background(), exe, append([]string{"-test.run=^TestLive$", "-test.v", "-test.count=1"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const liveSecurityToken = "temporary-security-token-0123456789"

// TestLiveModeAgainstMock runs the whole live path (flags, environment,
// probe, validating transport, recorder, redaction) against the mock given
// as SCM_ENDPOINT, with authentication on, since the real service cannot be
// reached from CI.
func TestLiveModeAgainstMock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again: skipped in -short mode")
	}
	srv := contract.StartMock(t, contract.WithKeyPair(testAK, testSK), contract.WithTokens(testToken))
	aksk := map[string]string{
		"HUAWEICLOUD_SDK_AK": testAK, "HUAWEICLOUD_SDK_SK": testSK,
		"HUAWEICLOUD_SDK_PROJECT_ID": projectID, "HUAWEICLOUD_SDK_SECURITY_TOKEN": liveSecurityToken,
		"SCM_ENDPOINT": srv.URL,
	}
	secrets := []string{testAK, testSK, liveSecurityToken, testToken, projectID}

	t.Run("record with AK/SK", func(t *testing.T) {
		dir := t.TempDir()
		out, err := runLive(t, aksk, "-live", "-record", "-recordings", dir)
		require.NoError(t, err, out)
		require.Contains(t, out, "--- PASS: TestLive")
		requireNoSecrets(t, out, secrets, "test output")

		files := recordingFiles(t, dir)
		require.Equal(t, []string{"live-200.json"}, files, "the probe's one exchange")
		rec, err := contract.ReadRecording(filepath.Join(dir, files[0]))
		require.NoError(t, err)
		require.Equal(t, contract.SourceLive, rec.Provenance.Source)
		require.Equal(t, time.Now().UTC().Format(time.DateOnly), rec.Provenance.Date)
		require.Equal(t, srv.URL, rec.Provenance.Endpoint)
		require.True(t, rec.Expect.Valid, "the mock keeps the contract")
		require.Contains(t, rec.Request.URL, "/v2/"+contract.ProjectIDPlaceholder+"/scm/cert/"+contract.ProbeCertID+"/cancel-cert")
		require.Equal(t, []string{contract.Redacted}, rec.Request.Headers.Values("Authorization"))
		require.Equal(t, []string{contract.Redacted}, rec.Request.Headers.Values("X-Security-Token"))
		require.Equal(t, []string{contract.ProjectIDPlaceholder}, rec.Request.Headers.Values("X-Project-Id"))
		require.NotEmpty(t, rec.Response.Headers.Get("X-Request-Id"), "the request ID is kept")

		// Recording the same exchange again replaces the file.
		out, err = runLive(t, aksk, "-live", "-record", "-recordings", dir)
		require.NoError(t, err, out)
		require.Equal(t, files, recordingFiles(t, dir), "no duplicate, no temporary file left")
	})

	t.Run("token and a real cert ID", func(t *testing.T) {
		dir := t.TempDir()
		env := map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID,
			"SCM_ENDPOINT": srv.URL, "SCM_CERT_ID": certID}
		out, err := runLive(t, env, "-live", "-record", "-recordings", dir)
		require.NoError(t, err, out)
		require.Contains(t, out, "cancel-cert "+certID+": 200")
		requireNoSecrets(t, out, secrets, "test output")
		require.Equal(t, []string{"live-200.json"}, recordingFiles(t, dir))
	})

	t.Run("a rejected signature fails with the exchange, redacted", func(t *testing.T) {
		env := map[string]string{}
		for k, v := range aksk {
			env[k] = v
		}
		env["HUAWEICLOUD_SDK_SK"] = "a-wrong-secret-key-0123456789"
		env["SCM_CERT_ID"] = certID
		out, err := runLive(t, env, "-live")
		require.Error(t, err, "a 401 on a real cancel is a failure")
		require.Contains(t, out, "APIGW.0301")
		require.Contains(t, out, "signature mismatch")
		requireNoSecrets(t, out, append(secrets, env["HUAWEICLOUD_SDK_SK"]), "test output")
	})

	t.Run("skips without -live", func(t *testing.T) {
		out, err := runLive(t, aksk)
		require.NoError(t, err, out)
		require.Contains(t, out, "--- SKIP: TestLive")
		require.Contains(t, out, "pass -live")
	})

	t.Run("skips without credentials, saying what to set", func(t *testing.T) {
		out, err := runLive(t, map[string]string{"SCM_ENDPOINT": srv.URL}, "-live")
		require.NoError(t, err, out)
		require.Contains(t, out, "--- SKIP: TestLive")
		require.Contains(t, out, "HUAWEICLOUD_SDK_AK")
		require.Contains(t, out, "SCM_AUTH_TOKEN")
	})

	t.Run("fails on an unknown region", func(t *testing.T) {
		env := map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_REGION": "mars-north-1"}
		out, err := runLive(t, env, "-live")
		require.Error(t, err, out)
		require.Contains(t, out, "mars-north-1")
		require.Contains(t, out, "cn-north-4")
	})
}

func recordingFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func requireNoSecrets(t *testing.T, text string, secrets []string, where string) {
	t.Helper()
	for _, s := range secrets {
		require.False(t, strings.Contains(text, s), "%s holds a secret", where)
	}
}

// TestRecorderRedacts records through the Recorder with known secrets in
// every place they can travel and scans every byte written for them.
func TestRecorderRedacts(t *testing.T) {
	const pid = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	sk, tok, secTok := "sk-secret-abcdefghijkl", "iam-token-value-0123456789", "security-token-zyxwvu"
	// A server that echoes secrets back, as a broken service might.
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "rid-42")
		w.Header().Set("X-Echo", r.Header.Get("X-Auth-Token")+" "+pid)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error_code":"SCM.0020","error_msg":"no cert in project ` + pid + ` for token ` + tok + ` sk ` + sk + `"}`))
	}))
	dir := t.TempDir()
	red, err := contract.NewRedactor(pid, contract.NamedSecret{Name: "SK", Value: scm.NewSecret(sk)},
		contract.NamedSecret{Name: "token", Value: scm.NewSecret(tok)}, contract.NamedSecret{Name: "security token", Value: scm.NewSecret(secTok)})
	require.NoError(t, err)
	rec := &contract.Recorder{Dir: dir, Endpoint: srv, Redactor: red,
		Now: func() time.Time { return time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC) }}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+"/v2/"+pid+"/scm/cert/c1/cancel-cert?project="+pid, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", tok)
	req.Header.Set("X-Security-Token", secTok)
	req.Header.Set("X-Project-Id", pid)
	req.Header.Set("X-Note", "sk="+sk)
	resp, err := (&http.Client{Transport: contract.NewValidatingTransport(newValidator(t), nil, func(*contract.Exchange, error) {}, rec)}).Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	require.Equal(t, []string{"live-400"}, rec.Written())
	data, err := os.ReadFile(filepath.Join(dir, "live-400.json"))
	require.NoError(t, err)
	for _, s := range []string{pid, sk, tok, secTok} {
		require.False(t, bytes.Contains(data, []byte(s)), "the recording holds a secret")
	}
	r, err := contract.ReadRecording(filepath.Join(dir, "live-400.json"))
	require.NoError(t, err)
	require.Equal(t, "2026-11-27", r.Provenance.Date)
	require.Equal(t, "rid-42", r.Response.Headers.Get("X-Request-Id"), "the request ID is kept")
	require.Contains(t, string(r.Response.Body), "no cert in project PROJECT_ID for token REDACTED", "the body is kept, redacted")
	require.Equal(t, []string{"live-400.json"}, recordingFiles(t, dir), "no temporary file is left")
}
