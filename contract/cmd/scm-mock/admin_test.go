package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/gen/scm"
)

const (
	testProject = "77b6a44cba5143ab91d13ab9a8ff44fd"
	certsYAML   = `
- {project_id: 77b6a44cba5143ab91d13ab9a8ff44fd, cert_id: scs-review, status: CHECKING}
- project_id: 77b6a44cba5143ab91d13ab9a8ff44fd
  cert_id: scs-issued
  status: ISSUED
`
	scriptYAML = `
- cert_id: scs-review
  answers:
    - {status: 429, retry_after: 2s}
    - {fault: reset-connection}
- answers:
    - {status: 500, code: APIGW.0705, message: scripted}
`
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// call sends a request to the mock's base URL and returns status, headers
// and body.
func call(t *testing.T, method, url, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { require.NoError(t, resp.Body.Close()) }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(data)
}

func cancelURL(base, cert string) string {
	return base + "/v2/" + testProject + "/scm/cert/" + cert + "/cancel-cert"
}

// TestCertsScriptAndAdmin runs the command with -certs and -script and
// drives it as a test outside Go would, through the admin API.
func TestCertsScriptAndAdmin(t *testing.T) {
	base := "http://" + startMock(t, "-certs", writeFile(t, "certs.yaml", certsYAML), "-script", writeFile(t, "script.yaml", scriptYAML))

	// The script for scs-review: a 429 with Retry-After, then a reset.
	status, h, body := call(t, http.MethodPost, cancelURL(base, "scs-review"), "")
	require.Equal(t, http.StatusTooManyRequests, status, body)
	require.Equal(t, "2", h.Get("Retry-After"))
	require.Contains(t, body, "APIG.0308")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, cancelURL(base, "scs-review"), http.NoBody)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	// Why it must fail: the script resets the connection.
	require.Error(t, err, "the connection is reset")
	// The script for any request without one of its own.
	status, _, body = call(t, http.MethodPost, cancelURL(base, "scs-issued"), "")
	require.Equal(t, http.StatusInternalServerError, status)
	require.Contains(t, body, `"error_msg":"scripted"`)
	// Then the statuses: cancelled once, refused after.
	status, _, body = call(t, http.MethodPost, cancelURL(base, "scs-review"), "")
	require.Equal(t, http.StatusOK, status, body)
	status, _, body = call(t, http.MethodPost, cancelURL(base, "scs-review"), "")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "SCM.0010")
	status, _, body = call(t, http.MethodPost, cancelURL(base, "scs-unknown"), "")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "SCM.0020")

	// The journal.
	status, h, body = call(t, http.MethodGet, base+"/__mock/requests", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "application/json", h.Get("Content-Type"))
	var journal []requestView
	require.NoError(t, json.Unmarshal([]byte(body), &journal))
	require.Len(t, journal, 6)
	require.Equal(t, "reset-connection", journal[1].Fault)
	require.Equal(t, "scs-review", journal[1].CertID)
	require.Equal(t, "500 APIGW.0705", journal[2].Scripted)
	require.Equal(t, []string{"REDACTED"}, journal[0].Header["X-Auth-Token"])
	require.Equal(t, "SCM.0020", journal[5].ErrorCode)
	for i, r := range journal {
		require.Equal(t, i+1, r.Seq)
		require.True(t, r.Valid)
	}

	// Certificates at run time, then a reset back to -certs.
	status, _, body = call(t, http.MethodPost, base+"/__mock/certificates",
		`[{"project_id": "`+testProject+`", "cert_id": "scs-new", "status": "CHECKING_ORG"}]`)
	require.Equal(t, http.StatusNoContent, status, body)
	status, _, body = call(t, http.MethodGet, base+"/__mock/certificates", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"scs-new"`)
	require.Contains(t, body, `"CANCELCHECKING"`)

	status, _, _ = call(t, http.MethodPost, base+"/__mock/reset", "")
	require.Equal(t, http.StatusNoContent, status)
	_, _, body = call(t, http.MethodGet, base+"/__mock/certificates", "")
	require.NotContains(t, body, "scs-new")
	require.NotContains(t, body, "CANCELCHECKING")
	_, _, body = call(t, http.MethodGet, base+"/__mock/requests", "")
	require.JSONEq(t, "[]", body)

	// A script at run time.
	status, _, body = call(t, http.MethodPost, base+"/__mock/script", `[{"cert_id": "scs-review", "answers": [{"status": 403}]}]`)
	require.Equal(t, http.StatusNoContent, status, body)
	status, _, _ = call(t, http.MethodPost, cancelURL(base, "scs-review"), "")
	require.Equal(t, http.StatusForbidden, status)
}

// TestAdminRefuses checks that the admin API refuses bad bodies, saying
// why, and changes nothing then.
func TestAdminRefuses(t *testing.T) {
	base := "http://" + startMock(t, "-certs", writeFile(t, "certs.yaml", certsYAML))
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"unknown status", "POST", "certificates", `[{project_id: p, cert_id: c, status: GONE}]`, 400, `unknown status \"GONE\"`},
		{"missing cert_id", "POST", "certificates", `[{project_id: p, status: PAID}]`, 400, "project_id and cert_id are required"},
		{"unknown field", "POST", "certificates", `[{project_id: p, cert_id: c, status: PAID, owner: me}]`, 400, "field owner not found"},
		{"not a list", "POST", "certificates", `{project_id: p}`, 400, "cannot unmarshal"},
		{"undocumented status", "POST", "script", `[{answers: [{status: 200}, {status: 418}]}]`, 400,
			"answer 2 (418): status 418 is not documented"},
		{"retry_after on a 500", "POST", "script", `[{answers: [{status: 500, retry_after: 1s}]}]`, 400, "retry_after goes with status 429"},
		{"unknown fault", "POST", "script", `[{answers: [{fault: explode}]}]`, 400, `unknown fault \"explode\"`},
		{"fault with a status", "POST", "script", `[{answers: [{fault: reset-connection, status: 200}]}]`, 400, "a fault takes no status"},
		{"no answers", "POST", "script", `[{cert_id: c}]`, 400, "no answers"},
		{"empty body", "POST", "script", ``, 400, "empty document"},
		{"unknown endpoint", "GET", "nothing", ``, 404, "no admin endpoint GET /__mock/nothing"},
		{"wrong method", "DELETE", "requests", ``, 404, "no admin endpoint DELETE /__mock/requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, tt.method, base+"/__mock/"+tt.path, tt.body)
			require.Equal(t, tt.status, status, body)
			require.Contains(t, body, tt.want)
		})
	}
	// Nothing was queued or changed: the statuses answer.
	status, _, body := call(t, http.MethodPost, cancelURL(base, "scs-review"), "")
	require.Equal(t, http.StatusOK, status, body)
	_, _, body = call(t, http.MethodGet, base+"/__mock/certificates", "")
	require.NotContains(t, body, `"c"`)
}

// TestAdminOnlyOnLoopbackByDefault checks -admin: auto serves the admin
// API on a loopback address and not on others; on and off force it.
func TestAdminOnlyOnLoopbackByDefault(t *testing.T) {
	tests := []struct {
		mode string
		addr net.Addr
		want bool
	}{
		{"auto", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, true},
		{"auto", &net.TCPAddr{IP: net.IPv6loopback}, true},
		{"auto", &net.TCPAddr{IP: net.IPv4zero}, false},
		{"auto", &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1)}, false},
		{"off", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, false},
		{"on", &net.TCPAddr{IP: net.IPv4zero}, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.addr.String(), func(t *testing.T) {
			got, err := adminEnabled(tt.mode, tt.addr)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := adminEnabled("yes", nil)
	require.ErrorContains(t, err, `-admin must be auto, on or off, not "yes"`)

	// With -admin off, /__mock/ is just a path the gateway does not know.
	base := "http://" + startMock(t, "-admin", "off")
	status, _, body := call(t, http.MethodGet, base+"/__mock/requests", "")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "APIGW.0101")
}

// TestRunBadFiles checks that a bad -certs or -script file stops the
// command before it serves, naming the file and the problem.
func TestRunBadFiles(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing certs file", []string{"-certs", filepath.Join(t.TempDir(), "none.yaml")}, "no such file"},
		{"bad status", []string{"-certs", writeFile(t, "c.yaml", "- {project_id: p, cert_id: c, status: NEW}")}, `certificate 1 (c): unknown status "NEW"`},
		{"two documents", []string{"-certs", writeFile(t, "c.yaml", "[]\n---\n[]")}, "more than one document"},
		{"bad script", []string{"-script", writeFile(t, "s.yaml", "- answers: [{status: 200, code: SCM.0010}]")}, "a 200 carries no error code"},
		{"bad admin mode", []string{"-admin", "maybe"}, "-admin must be auto, on or off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...), noEnv, &stdout, io.Discard)
			require.ErrorContains(t, err, tt.want)
			require.Empty(t, stdout.String(), "nothing is served")
		})
	}
}

// TestScriptedThrottleReachesTheClient checks that a client of package scm
// sees a scripted 429 as scm.ErrThrottled when it makes one attempt, and,
// with its default retries, waits the Retry-After the script set and gets
// the mock's usual answer on the second attempt.
func TestScriptedThrottleReachesTheClient(t *testing.T) {
	tests := []struct {
		name    string
		opts    []scm.CertClientOption
		wantErr error
		minWait time.Duration
	}{
		{name: "no retry", opts: []scm.CertClientOption{scm.WithRetryPolicy(scm.NoRetry())}, wantErr: scm.ErrThrottled},
		{name: "default retries", minWait: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "http://" + startMock(t, "-script", writeFile(t, "s.yaml", "- answers: [{status: 429, retry_after: 1s}]"))
			c, err := scm.NewCertClient(base, append([]scm.CertClientOption{scm.WithToken("a-token")}, tt.opts...)...)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, err = c.CancelCertificate(ctx, testProject, "any")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr, "the one attempt was throttled")
				return
			}
			require.NoError(t, err, "the second attempt takes the mock's usual answer")
			require.GreaterOrEqual(t, time.Since(start), tt.minWait, "Retry-After: 1 was honoured")
		})
	}
}
