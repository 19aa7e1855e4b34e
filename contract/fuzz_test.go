package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

const cancelPath = "/v2/" + projectID + "/scm/cert/" + certID + "/cancel-cert"

// fuzzRequest builds a request from fuzzed parts without the checks of
// http.NewRequest, as a server may receive it.
func fuzzRequest(method, path, query string, header http.Header, body []byte) *http.Request {
	return (&http.Request{
		Method:     method,
		URL:        &url.URL{Path: path, RawQuery: query},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Host:       "scm.example",
		RequestURI: (&url.URL{Path: path, RawQuery: query}).RequestURI(),
	}).WithContext(context.Background())
}

// FuzzValidate checks the Validator on arbitrary exchanges: it never
// panics, answers nil or a *ValidationError with at least one problem (an
// error wrapping ErrIncompleteExchange when there is no status), and
// answers the same twice. Seeds: f.Add below and testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	ok := `{"cert_id":"` + certID + `","message":"success"}`
	f.Add("POST", cancelPath, "", "X-Auth-Token", "t", []byte(nil), 200, "application/json", "rid", []byte(ok))
	f.Add("POST", cancelPath, "", "Authorization", "SDK-HMAC-SHA256 Access=a", []byte(nil), 400, "application/json",
		"", []byte(`{"error_code":"SCM.0010","error_msg":"m"}`))
	f.Add("GET", cancelPath, "x=1", "X-Auth-Token", "", []byte("{}"), 418, "text/html", "", []byte("<html>"))
	f.Add("POST", "/v2/a%2Fb/scm/cert/%/cancel-cert", "", "X-Auth-Token", "t", []byte(nil), 200, "application/json;charset=UTF-8", "", []byte(`{"cert_id":1}`))
	f.Add("", "", "%zz", "", "", []byte(nil), 0, "", "", []byte(nil))
	v := newValidator(f)
	f.Fuzz(func(t *testing.T, method, path, query, authName, authValue string, reqBody []byte,
		status int, contentType, requestID string, body []byte) {
		exchange := func() *contract.Exchange {
			h := http.Header{}
			h.Set(authName, authValue)
			return &contract.Exchange{
				Request:     fuzzRequest(method, path, query, h, reqBody),
				RequestBody: reqBody,
				StatusCode:  status,
				Header:      http.Header{"Content-Type": {contentType}, "X-Request-Id": {requestID}},
				Body:        body,
			}
		}
		first := v.Validate(context.Background(), exchange())
		second := v.Validate(context.Background(), exchange())
		if status == 0 {
			require.ErrorIs(t, first, contract.ErrIncompleteExchange, "an exchange without a status cannot be judged")
			require.ErrorContains(t, first, "no response status")
			return
		}
		if first == nil {
			require.NoError(t, second, "the same exchange twice, the same answer")
			return
		}
		var ve *contract.ValidationError
		require.True(t, errors.As(first, &ve), "a violation is a *ValidationError, got %T", first)
		require.NotEmpty(t, ve.Problems, "a violation names at least one problem")
		require.Equal(t, first, second, "the same exchange twice, the same answer")
	})
}

// documentedStatuses are the statuses the mock may answer.
var documentedStatuses = []int{200, 400, 401, 403, 404, 429, 500}

// FuzzMock sends arbitrary requests to the mock (authentication on) through
// Mock.ServeHTTP. Every answer has a documented status (never a redirect)
// and an X-Request-Id; every error answer is a JSON error body with
// error_code and error_msg, and never the mock's own MOCK.0500; nothing
// panics. Seeds: f.Add below (unclean paths, unknown paths and other
// methods among them) and testdata/fuzz/FuzzMock.
func FuzzMock(f *testing.F) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	signed := signedHeaders(f, at)
	f.Add("POST", cancelPath, "", signed.Get("Authorization"), signed.Get(scm.HeaderSdkDate), "", "", []byte(nil))
	f.Add("POST", cancelPath, "", "", "", testToken, "code=404", []byte(nil))
	f.Add("POST", cancelPath, "", "", "", testToken, "code=418, respond-async", []byte(nil))
	f.Add("POST", cancelPath, "", "", "", "wrong", "", []byte(nil))
	f.Add("GET", cancelPath, "q=1", "", "", testToken, "", []byte("{}"))
	f.Add("POST", "/v2/p/scm/cert/a%2Fb/cancel-cert", "", "SDK-HMAC-SHA256 Access=x", "bad", "", "code=\"500\"", []byte(nil))
	f.Add("BREW", "/", "", "", "", "", "", bytes.Repeat([]byte("x"), 70<<10))
	for _, path := range []string{
		"/v2/p1/scm/cert/../cancel-cert",
		"/v2/p1/scm/cert/./cancel-cert",
		"/v2/p1/scm/cert/a/../b/cancel-cert",
		"/v2/p1/scm//cert/c/cancel-cert",
		"//v2/p1/scm/cert/c/cancel-cert",
		"/v2/p1/scm/cert//cancel-cert",
		"/v2/p1/scm/cert/c/cancel-cert/",
		"/v2/p1/scm/cert/c/cancel-cert/..",
		"/prefix" + cancelPath,
		"v2/p1/scm/cert/c/cancel-cert",
		"",
		"/v2/p1/scm/cert/c/cancel",
	} {
		f.Add("POST", path, "", "", "", testToken, "", []byte(nil))
	}
	for _, method := range []string{"post", "GET", "DELETE", "HEAD", "OPTIONS", "CONNECT", ""} {
		f.Add(method, cancelPath, "", "", "", testToken, "", []byte(nil))
	}
	var logged logBuffer
	m, err := contract.NewMock(contract.WithKeyPair(testAK, testSK), contract.WithTokens(testToken),
		contract.WithClock(func() time.Time { return at }), contract.WithLogf(logged.logf))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, method, path, query, authorization, sdkDate, authToken, prefer string, body []byte) {
		logged.reset()
		h := http.Header{}
		for name, value := range map[string]string{
			"Authorization": authorization, scm.HeaderSdkDate: sdkDate, scm.HeaderAuthToken: authToken, "Prefer": prefer,
		} {
			if value != "" {
				h.Set(name, value)
			}
		}
		w := httptest.NewRecorder()
		m.ServeHTTP(w, fuzzRequest(method, path, query, h, body))

		require.Contains(t, documentedStatuses, w.Code)
		require.NotEmpty(t, w.Header().Get("X-Request-Id"))
		require.Equal(t, strconv.Itoa(w.Body.Len()), w.Header().Get("Content-Length"))
		if w.Code == http.StatusOK {
			return
		}
		var eb map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &eb), "an error answer is JSON: %s", w.Body)
		for _, field := range []string{"error_code", "error_msg"} {
			require.IsType(t, "", eb[field], "the error body has %s: %s", field, w.Body)
		}
		require.NotEqual(t, "MOCK.0500", eb["error_code"], "the mock's own answer broke the contract: %s", w.Body)
		require.Empty(t, logged.lines(), "the mock reported a fault of its own")
	})
}

// logBuffer collects what a mock logs. A fuzz function may not log through
// *testing.F, so the mock logs here and the test checks the lines.
type logBuffer struct {
	mu  sync.Mutex
	buf []string
}

func (l *logBuffer) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, fmt.Sprintf(format, args...))
}

func (l *logBuffer) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = nil
}

func (l *logBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.buf)
}

// signedHeaders returns the headers of a cancel-cert request signed with
// the test key pair at the time at.
func signedHeaders(tb testing.TB, at time.Time) http.Header {
	tb.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://scm.example"+cancelPath, nil)
	require.NoError(tb, err)
	require.NoError(tb, scm.Sign(req, testAK, testSK, at))
	return req.Header
}

// TestDocumentedStatusesMatchTheMock keeps documentedStatuses, which
// FuzzMock checks answers against, in step with the spec.
func TestDocumentedStatusesMatchTheMock(t *testing.T) {
	m, err := contract.NewMock()
	require.NoError(t, err)
	require.True(t, slices.Equal(documentedStatuses, m.Scenarios()), "mock scenarios %v", m.Scenarios())
}
