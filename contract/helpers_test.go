package contract_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// serve starts h on a loopback port for the length of the test and returns
// its URL.
func serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// requireNoResponse checks that a round trip that failed gave no response
// (closing the body of one it gave, so that nothing leaks).
func requireNoResponse(tb testing.TB, resp *http.Response) {
	tb.Helper()
	if resp != nil {
		assert.NoError(tb, resp.Body.Close())
	}
	assert.Nil(tb, resp, "a failed round trip gives no response")
}
