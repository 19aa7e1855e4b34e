package contract_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// echoResponse builds the response a broken server might send.
func echoResponse(req *http.Request, status int, header map[string]string, body string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range header {
		h[k] = append(h[k], v) // as the server wrote it, not canonicalised
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}
}

// secretForms lists the forms of s a test checks a text for: raw, trimmed,
// with ASCII letters lower- and upper-cased, JSON-escaped, base64 (standard and URL, padded
// or not) and percent-encoded (query, path, every byte in either case).
func secretForms(s string) []string {
	forms := []string{s}
	for _, v := range []string{s, strings.TrimSpace(s)} {
		js, _ := json.Marshal(v) // a string always marshals
		forms = append(forms, v, asciiCase(v, unicode.ToLower), asciiCase(v, unicode.ToUpper), string(js[1:len(js)-1]),
			base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)),
			url.QueryEscape(v), url.PathEscape(v), percentAll(v, "%%%02X"), percentAll(v, "%%%02x"))
	}
	return forms
}

// percentAll writes every byte of s with format, "%%%02X" or "%%%02x".
func percentAll(s, format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, format, s[i])
	}
	return b.String()
}

// requireNoForm fails when text holds any form of any secret.
func requireNoForm(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			if strings.TrimSpace(f) != "" && strings.Contains(text, f) {
				t.Fatalf("a form of a secret survives (%d bytes: %q)", len(f), redactedPreview(f))
			}
		}
	}
}

// redactedPreview shows the length and the first two bytes of a form, to
// help debugging without printing the whole secret.
func redactedPreview(f string) string {
	return f[:min(2, len(f))] + "..."
}

// Secrets of the redaction tests: each holds characters that encodings
// change ('/', '+', '=', ' ', non-ASCII).
const (
	redAK       = "QTWAOYTTINDUT2QVKYUC"
	redSK       = "sk/secret+value=Z9"
	redToken    = "MIIDkg-token 0123456789"
	redSecToken = "  sts-token-abcdef  " // given with spaces, sent trimmed
	redUnicode  = "证书-token-😀-42"
	redProject  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
)

func newTestRedactor(t testing.TB) *contract.Redactor {
	t.Helper()
	red, err := contract.NewRedactor(redProject,
		contract.NamedSecret{Name: "AK", Value: scm.NewSecret(redAK)},
		contract.NamedSecret{Name: "SK", Value: scm.NewSecret(redSK)},
		contract.NamedSecret{Name: "token", Value: scm.NewSecret(redToken)},
		contract.NamedSecret{Name: "security token", Value: scm.NewSecret(redSecToken)},
		contract.NamedSecret{Name: "other token", Value: scm.NewSecret(redUnicode)},
	)
	require.NoError(t, err)
	return red
}

// record sends req through a Recorder whose server answers 400 with the
// header and body (an error echoing secrets, as a broken service might),
// and returns the names of the files written and the recording's bytes.
func record(t *testing.T, red *contract.Redactor, req *http.Request, header map[string]string, body string) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	rec := &contract.Recorder{Dir: dir, Endpoint: "https://scm.example", Redactor: red,
		Now: func() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }}
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return echoResponse(r, http.StatusBadRequest, header, body), nil
	})
	resp, err := contract.NewTransport(base, rec).RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	files := recordingFiles(t, dir)
	require.Len(t, files, 1)
	data, err := os.ReadFile(filepath.Join(dir, files[0]))
	require.NoError(t, err)
	r, err := contract.ReadRecording(filepath.Join(dir, files[0]))
	require.NoError(t, err, "the redacted recording is a valid file")
	// The decoded fields too, so that the file's own JSON escaping hides
	// nothing from the check.
	text := string(data) + "\n" + r.Request.URL + "\n" + string(r.Request.Body) + "\n" + string(r.Response.Body)
	for _, h := range []http.Header{r.Request.Headers, r.Response.Headers} {
		for k, vs := range h {
			text += "\n" + k + ": " + strings.Join(vs, ", ")
		}
	}
	return files, text
}

func cancelRequest(t testing.TB, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, rawURL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", strings.TrimSpace(redToken))
	return req
}

// TestRecorderRedactsEveryForm covers each way a server or proxy was seen
// to echo a secret past the old redaction: each case must leave no form of
// any secret in the recording and show REDACTED instead.
func TestRecorderRedactsEveryForm(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name   string
		url    string            // the request URL; the default cancel-cert path when empty
		header map[string]string // response headers, %s standing for echo
		body   string            // response body, %s standing for echo
		echo   string            // the form of a secret the server echoes
	}{
		{name: "JSON escape of the solidus", body: `{"error_code":"SCM.0005","error_msg":"key %s"}`, echo: `sk\/secret+value=Z9`},
		{name: `\u escapes of letters, upper-case hex`, body: `{"error_msg":"%s"}`, echo: `\u0051\u0054WA\u004FYTTINDUT2QVKY\u0055\u0043`},
		{name: `\u escapes of letters, lower-case hex`, body: `{"error_msg":"%s"}`, echo: `\u004dIIDkg-token\u00200123456789`},
		{name: `\u escapes of every character of a unicode secret, surrogate pair included`,
			body: `{"error_msg":"%s"}`, echo: `\u8bc1\u4E66\u002dtoken-\ud83d\ude00-42`},
		{name: "base64 in a header", header: map[string]string{"X-Echo": "%s"}, echo: b64([]byte(redSK))},
		{name: "base64 URL alphabet unpadded in the body", body: `{"error_msg":"%s"}`, echo: base64.RawURLEncoding.EncodeToString([]byte(redSK))},
		{name: "base64 of user:secret", header: map[string]string{"X-Basic-Echo": "Basic %s"}, echo: b64([]byte("user:" + redSK))},
		{name: "base64 made JSON-safe", body: `{"k":"%s"}`, echo: strings.ReplaceAll(b64([]byte("??"+redSK)), "/", `\/`)},
		{name: "percent-encoded in lower case", body: `{"error_msg":"%s"}`, echo: "sk%2fsecret%2bvalue%3dZ9"},
		{name: "percent-encoded in part", body: `{"error_msg":"%s"}`, echo: "%73k/secr%65t%2Bvalue=Z9"},
		{name: "percent-encoded in a query value", url: "/v2/" + redProject + "/scm/cert/c1/cancel-cert?echo=" + url.QueryEscape(redToken) + "&p=" + redProject,
			header: map[string]string{"Location": "https://scm.example/next?t=%s"}, echo: "MIIDkg%2Dtoken+0123456789"},
		{name: "percent-encoded in a JSON string in a JSON string", body: `{"inner":"{\"t\":\"%s\"}"}`, echo: "MIIDkg-token%200123456789"},
		{name: "a security token given with spaces, echoed trimmed", header: map[string]string{"X-Echo": "%s"}, echo: "sts-token-abcdef"},
		{name: "a secret in a header name", header: map[string]string{"X-Echo-%s": "1"}, echo: redAK},
		{name: "an error_code equal to the AK", body: `{"error_code":"%s","error_msg":"x"}`, echo: redAK},
		{name: "the project ID percent-encoded in the path", url: "/v2/%s/scm/cert/c1/cancel-cert", echo: "0a1b2c3d4e5f6071%38293a4b5c6d7e8f9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fill := func(s string) string { return strings.ReplaceAll(s, "%s", tt.echo) }
			path := fill(tt.url)
			if path == "" {
				path = "/v2/" + redProject + "/scm/cert/c1/cancel-cert"
			}
			header := map[string]string{}
			for k, v := range tt.header {
				header[fill(k)] = fill(v)
			}
			files, text := record(t, newTestRedactor(t), cancelRequest(t, "https://scm.example"+path), header, fill(tt.body))
			all := strings.Join(files, "\n") + "\n" + text
			requireNoForm(t, all, redAK, redSK, redToken, redSecToken, redUnicode, redProject)
			require.NotContains(t, all, tt.echo, "the echoed form is gone")
			require.NotContains(t, strings.ToLower(all), strings.ToLower(tt.echo), "in any case")
			require.Contains(t, text, contract.Redacted)
		})
	}
}

// TestRecorderOverlappingSecrets checks that of two secrets where one
// starts with the other, the longer is redacted whole: no tail is left.
func TestRecorderOverlappingSecrets(t *testing.T) {
	const short, long = "ABCDEFGH12", "ABCDEFGH12secretTAIL"
	for name, order := range map[string][]string{"short first": {short, long}, "long first": {long, short}} {
		t.Run(name, func(t *testing.T) {
			red, err := contract.NewRedactor(redProject, contract.NamedSecret{Name: "AK", Value: scm.NewSecret(order[0])},
				contract.NamedSecret{Name: "SK", Value: scm.NewSecret(order[1])})
			require.NoError(t, err)
			_, text := record(t, red, cancelRequest(t, "https://scm.example/v2/"+redProject+"/scm/cert/c1/cancel-cert"),
				map[string]string{"X-Echo": long + " " + short}, `{"error_msg":"`+long+`"}`)
			require.NotContains(t, text, "secretTAIL")
			require.NotContains(t, text, "secrettail")
			requireNoForm(t, text, short, long)
		})
	}
}

// TestRecorderCredentialHeaders checks that every header whose name marks
// a credential reads REDACTED, whatever its value, and that URL userinfo
// is dropped from the request URL and from URLs the server echoes.
func TestRecorderCredentialHeaders(t *testing.T) {
	const password = "hunter2-password"
	req := cancelRequest(t, "https://alice:"+password+"@scm.example/v2/"+redProject+"/scm/cert/c1/cancel-cert")
	for _, h := range []string{"Proxy-Authorization", "Authorization", "X-Api-Key", "X-Custom-Token", "X-Amz-Security-Token",
		"X-Session-Id", "Cookie", "X-Client-Secret", "X-Signature"} {
		req.Header.Set(h, "value-of-"+h)
	}
	_, text := record(t, newTestRedactor(t), req,
		map[string]string{"Set-Cookie": "sid=abcdef123456", "WWW-Authenticate": `Basic realm="x"`,
			"Location": "https://bob:" + password + "@scm.example/x", "X-Json-Url": `{"u":"https:\/\/bob:` + password + `@h\/"}`}, "")
	require.NotContains(t, text, "value-of-", "no credential header value is recorded")
	require.NotContains(t, text, "abcdef123456")
	require.NotContains(t, text, password, "URL userinfo is dropped")
	require.NotContains(t, text, "alice")
	require.NotContains(t, text, "bob:")
	require.Contains(t, text, "https://scm.example/x", "the rest of the URL is kept")
}

// TestRecordingNameCarriesNoContent checks that the file name comes from
// the status only: an error_code the server chose (here the AK) never
// names a file.
func TestRecordingNameCarriesNoContent(t *testing.T) {
	files, _ := record(t, newTestRedactor(t), cancelRequest(t, "https://scm.example/v2/"+redProject+"/scm/cert/c1/cancel-cert"),
		nil, `{"error_code":"`+redAK+`","error_msg":"x"}`)
	require.Equal(t, []string{"live-400.json"}, files)
}

// TestRedactorRefusesShortSecrets checks that a value too short to redact
// safely is refused before anything is sent, with an error that names
// which value it is and does not show it.
func TestRedactorRefusesShortSecrets(t *testing.T) {
	base := map[string]string{"SCM_ENDPOINT": "http://127.0.0.1:9", "HUAWEICLOUD_SDK_PROJECT_ID": redProject}
	tests := []struct {
		name  string
		env   map[string]string
		which string
	}{
		{"AK", map[string]string{"HUAWEICLOUD_SDK_AK": "AK1", "HUAWEICLOUD_SDK_SK": redSK}, "the AK"},
		{"SK", map[string]string{"HUAWEICLOUD_SDK_AK": redAK, "HUAWEICLOUD_SDK_SK": "sk1"}, "the SK"},
		{"security token", map[string]string{"HUAWEICLOUD_SDK_AK": redAK, "HUAWEICLOUD_SDK_SK": redSK, "HUAWEICLOUD_SDK_SECURITY_TOKEN": " st1 "}, "the security token"},
		{"token", map[string]string{"SCM_AUTH_TOKEN": "tok1"}, "the token"},
		{"project ID", map[string]string{"SCM_AUTH_TOKEN": redToken, "HUAWEICLOUD_SDK_PROJECT_ID": "p1"}, "the project ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for _, m := range []map[string]string{base, tt.env} {
				for k, v := range m {
					env[k] = v
				}
			}
			cfg, err := contract.LiveConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			require.NoError(t, err)
			_, err = cfg.Redactor()
			require.ErrorContains(t, err, tt.which+" is too short to redact safely")
			for _, v := range tt.env {
				if len(strings.TrimSpace(v)) < 6 {
					require.NotContains(t, err.Error(), strings.TrimSpace(v), "the error does not show the value")
				}
			}
		})
	}
	_, err := contract.NewRedactor("", contract.NamedSecret{Name: "SK", Value: scm.NewSecret("DACTED")})
	require.ErrorContains(t, err, "the SK is part of the placeholder", "redacting it would never end")
}

// TestRecorderNeedsARedactor checks that a Recorder without a Redactor
// refuses to record rather than write unredacted exchanges.
func TestRecorderNeedsARedactor(t *testing.T) {
	rec := &contract.Recorder{Dir: t.TempDir(), Endpoint: "http://h"}
	base := roundTripFunc(func(*http.Request) (*http.Response, error) { panic("nothing may be sent") })
	resp, err := contract.NewTransport(base, rec).RoundTrip(cancelRequest(t, "http://127.0.0.1:1/"))
	requireNoResponse(t, resp)
	require.ErrorContains(t, err, "Redactor are required")
}

// TestRedactorFind checks that Find names the secret a text holds in any
// form, and nothing in a clean text.
func TestRedactorFind(t *testing.T) {
	red := newTestRedactor(t)
	require.Equal(t, "SK", red.Find([]byte("x "+base64.URLEncoding.EncodeToString([]byte(redSK))+" y")))
	require.Equal(t, "project ID", red.Find([]byte(`{"p":"`+strings.ToUpper(redProject)+`"}`)))
	require.Equal(t, "security token", red.Find([]byte(`sts%2Dtoken-abcdef`)))
	require.Empty(t, red.Find([]byte(`{"error_code":"SCM.0020","error_msg":"REDACTED PROJECT_ID"}`)))
}

// TestRedactorDescribe checks the failure message of a live run: no
// secret, no credential header, no userinfo.
func TestRedactorDescribe(t *testing.T) {
	red := newTestRedactor(t)
	req := cancelRequest(t, "https://u:hunter2-password@scm.example/v2/"+redProject+"/scm/cert/c1/cancel-cert?t="+url.QueryEscape(redSK))
	req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u:hunter2-password")))
	out := red.Describe(&contract.Exchange{Request: req, StatusCode: 401,
		Header: http.Header{"X-Echo": {strings.ToLower(redAK)}}, Body: []byte(`{"error_msg":"` + base64.StdEncoding.EncodeToString([]byte(redToken)) + `"}`)})
	requireNoForm(t, out, redAK, redSK, redToken, redProject, "hunter2-password")
	require.Contains(t, out, "POST https://scm.example/v2/PROJECT_ID/scm/cert/c1/cancel-cert?t=REDACTED")
	require.True(t, bytes.Contains([]byte(out), []byte("Proxy-Authorization: REDACTED")))
}

// TestRedactorStrayEscapes checks that an escape character just before a
// secret (a '%' or '\' of the text around it) does not change how the
// secret's own escapes are read: the Redactor reads from every place a
// secret could start rather than decoding the whole text one way.
func TestRedactorStrayEscapes(t *testing.T) {
	const hexLead = "d27bf0cc/9a8b" // starts with hex digits, holds a '/'
	red, err := contract.NewRedactor("", contract.NamedSecret{Name: "SK", Value: scm.NewSecret(hexLead)},
		contract.NamedSecret{Name: "AK", Value: scm.NewSecret(redAK)})
	require.NoError(t, err)
	for name, text := range map[string]string{
		"'%' before a JSON-escaped secret":    `100%d27bf0cc\/9a8b`,
		"'%' before a percent-encoded secret": `%%64%32%37bf0cc%2F9a8b`,
		`'\' before a \u-escaped secret`:      `\\\u0051TWAOYTTINDUT2QVKYUC`,
	} {
		t.Run(name, func(t *testing.T) {
			out := red.Redact(text)
			require.Contains(t, out, contract.Redacted)
			require.NotContains(t, strings.ToLower(out), "bf0cc")
			require.NotContains(t, out, "TWAOYTT")
		})
	}
}

// TestRedactorBoundedWork checks that a text built to make the Redactor
// work hard (a long run of backslashes, which reads many ways) is still
// redacted: past its work budget, the Redactor removes the rest of the
// text rather than let a secret through.
func TestRedactorBoundedWork(t *testing.T) {
	red := newTestRedactor(t)
	text := strings.Repeat(`\`, 1<<18) + "sk%2Fsecret+value=Z9"
	out := red.Redact(text)
	require.NotContains(t, out, "secret")
	require.True(t, strings.HasSuffix(out, contract.Redacted))
	require.Less(t, len(out), len(text))
}

// TestRecorderRefusesWhatItCannotScan checks that a recording whose body
// is too costly to scan for secrets (a long run of escaped backslashes) is
// not written, rather than written unchecked.
func TestRecorderRefusesWhatItCannotScan(t *testing.T) {
	dir := t.TempDir()
	body := `{"error_msg":"` + strings.Repeat(`\\`, 1<<16) + `"}`
	rec := &contract.Recorder{Dir: dir, Endpoint: "https://scm.example", Redactor: newTestRedactor(t)}
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) { return echoResponse(r, 400, nil, body), nil })
	resp, err := contract.NewTransport(base, rec).RoundTrip(cancelRequest(t, "https://scm.example/v2/"+redProject+"/scm/cert/c1/cancel-cert"))
	requireNoResponse(t, resp)
	require.ErrorContains(t, err, "too costly to scan for secrets")
	require.Empty(t, recordingFiles(t, dir), "nothing is written")
}
