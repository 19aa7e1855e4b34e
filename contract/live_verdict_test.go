package contract_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// TestLiveModeAgainstHostileServer runs the live path (make record)
// against servers that answer 200 with a body or media type the client
// refuses: the run fails, naming the problem, and the recording it writes
// is marked invalid with that problem, never valid.
func TestLiveModeAgainstHostileServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again: skipped in -short mode")
	}
	for _, tt := range []struct {
		name, contentType, body string
		kind                    contract.Kind
		problem                 string
	}{
		{"trailing garbage", "application/json", `{"cert_id":"c","message":"m"} garbage!!`,
			contract.KindResponseBody, "body is not valid JSON"},
		{"repeated member", "application/json", `{"cert_id":"c","message":"m","cert_id":"d"}`,
			contract.KindResponseBody, `duplicate object member name "cert_id"`},
		{"unterminated quoted parameter", `application/json; charset="utf-8`, `{"cert_id":"c","message":"m"}`,
			contract.KindContentType, "mime: invalid media parameter"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Header().Set("X-Request-Id", "rid-1")
				_, _ = io.WriteString(w, tt.body)
			}))
			dir := t.TempDir()
			env := map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_ENDPOINT": srv}
			out, err := runLive(t, env, "-live", "-record", "-recordings", dir)
			require.Error(t, err, "the service broke the contract: the live run must fail\n%s", out)
			require.Contains(t, out, "the service broke the contract")
			require.Contains(t, out, tt.problem)

			require.Equal(t, []string{"live-200.json"}, recordingFiles(t, dir))
			rec, err := contract.ReadRecording(filepath.Join(dir, "live-200.json"))
			require.NoError(t, err)
			require.False(t, rec.Expect.Valid, "a 200 the client refuses is not recorded as valid")
			require.Equal(t, tt.kind, rec.Expect.Kind)
			require.Contains(t, rec.Expect.Contains, tt.problem)
			require.Equal(t, tt.body, string(rec.Response.Body), "the body is kept byte for byte")
		})
	}
}

// TestRecorderWithoutValidatorStillJudges checks that a Recorder given no
// Validator marks recordings with the embedded spec's, never valid
// unchecked.
func TestRecorderWithoutValidatorStillJudges(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		valid      bool
	}{
		{"a result", `{"cert_id":"c","message":"m"}`, true},
		{"two values", `{"cert_id":"c","message":"m"}{}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))
			dir := t.TempDir()
			red, err := contract.NewRedactor("77b6a44cba5143ab91d13ab9a8ff44fd", contract.NamedSecret{Name: "token", Value: scm.NewSecret("a-token-long-enough")})
			require.NoError(t, err)
			rec := &contract.Recorder{Dir: dir, Endpoint: srv, Redactor: red}
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+cancelPath, nil)
			require.NoError(t, err)
			req.Header.Set("X-Auth-Token", "a-token-long-enough")
			resp, err := (&http.Client{Transport: contract.NewTransport(nil, rec)}).Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			r, err := contract.ReadRecording(filepath.Join(dir, "live-200.json"))
			require.NoError(t, err)
			require.Equal(t, tt.valid, r.Expect.Valid, "%+v", r.Expect)
			if !tt.valid {
				require.Equal(t, contract.KindResponseBody, r.Expect.Kind)
			}
		})
	}
}
