package contract_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// serve starts h on a loopback port for the length of the test and returns
// its URL.
func serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}
