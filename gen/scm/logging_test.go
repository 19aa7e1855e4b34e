package scm

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	logProjectID = "77b6a44cba5143ab91d13ab9a8ff44fd"
	logCertID    = "scs1481110651012"
	logToken     = "temporary-security-token-value"
)

// TestLogAttemptNeverShowsSecrets runs signed calls through the retry
// policy with every attempt logged, in text and JSON, and searches the
// output for the project ID, the certificate ID, the path and every
// secret. The server echoes the project and certificate IDs in its error
// message and request ID, as a careless proxy might.
func TestLogAttemptNeverShowsSecrets(t *testing.T) {
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
		"json": func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := scriptedAnswers(t,
				answer{status: 429, body: `{"error_code":"APIG.0308","error_msg":"throttled for ` + logProjectID + `","request_id":"rid-` + logCertID + `"}`,
					header: map[string]string{"Retry-After": "0"}},
				answer{status: 400, body: `{"error_code":"SCM.0010","error_msg":"cert ` + logCertID + ` of ` + logProjectID + `"}`,
					header: map[string]string{HeaderRequestID: "req-1"}})
			creds := Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK), SecurityToken: NewSecret(logToken), ProjectID: logProjectID}
			api, err := NewClient(srv, WithAKSK(creds))
			require.NoError(t, err)
			var out bytes.Buffer
			logger := slog.New(newHandler(&out))
			resp, attempts, err := fakePolicy(DefaultRetryPolicy(), newFakeClock()).Do(context.Background(),
				func(ctx context.Context, _ int) (*http.Response, error) {
					return api.CancelCert(ctx, logProjectID, logCertID)
				},
				func(a Attempt) { LogAttempt(context.Background(), logger, "cancel-cert", a, logProjectID, logCertID) })
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, 2, attempts)

			text := out.String()
			require.Equal(t, 2, strings.Count(text, "scm: attempt"), "one record per attempt:\n%s", text)
			for _, want := range []string{"cancel-cert", "APIG.0308", "SCM.0010", "429", "400", "req-1", "rid-REDACTED"} {
				require.Contains(t, text, want)
			}
			for _, secret := range []string{logProjectID, logCertID, testAK, testSK, logToken, "/v2/", "cancel-cert/", "Signature"} {
				require.NotContains(t, text, secret)
			}
		})
	}
}

// scriptedAnswers is scriptedServer without the counter.
func scriptedAnswers(t testing.TB, answers ...answer) string {
	t.Helper()
	url, _ := scriptedServer(t, answers...)
	return url
}

// TestLogAttemptRecord checks the attributes and level of single records.
func TestLogAttemptRecord(t *testing.T) {
	transportErr := &url.Error{Op: "Post", URL: "https://scm.example/v2/" + logProjectID + "/scm/cert/" + logCertID + "/cancel-cert",
		Err: errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: connection reset by peer")}
	tests := []struct {
		name    string
		a       Attempt
		level   string
		want    []string
		notWant []string
	}{
		{"success at Info", Attempt{Number: 1, StatusCode: 200, RequestID: "r1", Duration: 3 * time.Millisecond, Reason: "a final answer"},
			"level=INFO", []string{"operation=cancel-cert", "attempt=1", "status=200", "request_id=r1", "duration=3ms", "retry=false"}, []string{"delay=", "error="}},
		{"throttled at Warn, with the delay", Attempt{Number: 2, StatusCode: 429, Code: "APIG.0308", Retry: true, Delay: time.Second},
			"level=WARN", []string{"attempt=2", "error_code=APIG.0308", "retry=true", "delay=1s"}, nil},
		{"transport error without its URL", Attempt{Number: 1, Err: transportErr},
			"level=WARN", []string{"connection reset by peer"}, []string{logProjectID, logCertID, "scm.example", "Post"}},
		{"a code forging a log line is escaped", Attempt{Number: 1, StatusCode: 400, Code: "X\nlevel=INFO msg=forged"},
			"level=WARN", []string{`X\\nlevel=INFO`}, []string{"\nlevel=INFO msg=forged"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			LogAttempt(context.Background(), slog.New(slog.NewTextHandler(&out, nil)), "cancel-cert", tt.a, logProjectID, logCertID)
			text := out.String()
			require.Equal(t, 1, strings.Count(text, "\n"), "one record: %s", text)
			require.Contains(t, text, tt.level)
			for _, w := range tt.want {
				require.Contains(t, text, w)
			}
			for _, w := range tt.notWant {
				require.NotContains(t, text, w)
			}
		})
	}
	LogAttempt(context.Background(), nil, "cancel-cert", Attempt{}) // a nil logger writes nothing, and does not panic
}

func TestUserAgent(t *testing.T) {
	ua, err := UserAgent("")
	require.NoError(t, err)
	require.Regexp(t, `^cancelcert/[^ ()]+ \(Go\)$`, ua)
	withSuffix, err := UserAgent("billing-bot/2.1")
	require.NoError(t, err)
	require.Equal(t, ua+" billing-bot/2.1", withSuffix)
	_, err = UserAgent("bot\r\nX-Injected: 1")
	require.ErrorContains(t, err, "suffix contains a control character")
}

func TestUserAgentVersion(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "devel"},
		{"main module from a working tree", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, "devel"},
		{"main module at a tag", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.2.3"}}, "v1.2.3"},
		{"a dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: "golang.org/x/text", Version: "v0.1.0"}, {Path: modulePath, Version: "v0.4.0"}}}, "v0.4.0"},
		{"a replaced dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v0.4.0", Replace: &debug.Module{Path: "../fork", Version: "v0.4.1"}}}}, "v0.4.1"},
		{"not in the program", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "v9.9.9"}}, "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, versionFrom(tt.info, tt.info != nil))
		})
	}
}
