package contract

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMockNeverSendsABrokenResponse checks the mock's last line of defence:
// a response of its own that breaks the contract is logged and replaced by a
// 500 that says so, never sent as if it were right.
func TestMockNeverSendsABrokenResponse(t *testing.T) {
	var logged []string
	m, err := NewMock(WithLogf(func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }))
	require.NoError(t, err)
	// Stand in for a bug: a handler that answers 200 without message.
	m.handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"cert_id": "c"}`)
	})
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/v2/p/scm/cert/c/cancel-cert", nil)
	req.Header.Set("X-Auth-Token", "t")
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)

	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.Contains(t, w.Body.String(), `"error_code":"MOCK.0500"`)
	require.Contains(t, w.Body.String(), `property \"message\" is missing`)
	require.NotEmpty(t, w.Header().Get("X-Request-Id"))
	require.Len(t, logged, 1)
	require.True(t, strings.HasPrefix(logged[0], "mock: own response breaks the contract"), logged[0])
}

// TestMockBrokenExample checks that an example the mock cannot decode is an
// error answered with a documented 500, not a panic or an empty body.
func TestMockBrokenExample(t *testing.T) {
	m, err := NewMock(WithLogf(t.Logf))
	require.NoError(t, err)
	m.examples[http.StatusForbidden] = []byte(`{"error_code": 3}`)
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/v2/p/scm/cert/c/cancel-cert", nil)
	req.Header.Set("X-Auth-Token", "t")
	req.Header.Set("Prefer", "code=403")
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.Contains(t, w.Body.String(), "example of 403")
}
