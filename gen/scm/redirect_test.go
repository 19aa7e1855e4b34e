package scm

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

const testToken = "MIIDkgYJKoZIhvcNAQcCoIIDgzCCA38CAQExDTALBglghkgBZQMEAgEwgXXXXX"

// redirectPair starts a server that redirects every request with status to
// a second server on another host name (localhost instead of 127.0.0.1),
// and returns the first one's URL and the headers the second one received.
func redirectPair(t testing.TB, status int) (string, <-chan http.Header) {
	t.Helper()
	reached := make(chan http.Header, 8)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write([]byte(okJSON))
		if err != nil {
			t.Errorf("write response: %v", err)
		}
	}))
	t.Cleanup(target.Close)
	_, port, err := net.SplitHostPort(target.Listener.Addr().String())
	require.NoError(t, err)
	elsewhere := (&url.URL{Scheme: "http", Host: net.JoinHostPort("localhost", port), Path: "/v2/p/scm/cert/c/cancel-cert"}).String()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere, status)
	}))
	t.Cleanup(origin.Close)
	return origin.URL, reached
}

var redirectStatuses = []int{
	http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
	http.StatusTemporaryRedirect, http.StatusPermanentRedirect,
}

// TestGoForwardsTokensOnRedirect shows why CertClient refuses redirects:
// a plain http.Client, which the generated NewClient builds, follows a
// redirect to another host and, while it drops Authorization, forwards
// X-Auth-Token and X-Security-Token, so a redirecting server (or
// whoever it points to) receives the caller's credentials.
func TestGoForwardsTokensOnRedirect(t *testing.T) {
	noLeaks(t)
	base, reached := redirectPair(t, http.StatusTemporaryRedirect)
	api, err := NewClient(base, WithToken(testToken))
	require.NoError(t, err)
	resp, err := api.CancelCert(context.Background(), "p", "c")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "the redirect was followed")
	got := <-reached
	require.Equal(t, testToken, got.Get(HeaderAuthToken), "the token reached the other host")
}

// TestCertClientRefusesRedirects checks that CertClient, with the HTTP
// client it builds itself, never follows a redirect: every 3xx is an
// *APIError with that status, and neither the token nor the AK/SK
// request (with its security token) reaches the other host.
func TestCertClientRefusesRedirects(t *testing.T) {
	auths := map[string]ClientOption{
		"token": WithToken(testToken),
		"AK/SK": WithAKSK(Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK), SecurityToken: NewSecret("sts-secret"), ProjectID: "p"}),
	}
	for _, status := range redirectStatuses {
		for name, auth := range auths {
			t.Run(strconv.Itoa(status)+" "+name, func(t *testing.T) {
				noLeaks(t)
				base, reached := redirectPair(t, status)
				c, err := NewCertClient(base, auth)
				require.NoError(t, err)
				got, err := c.CancelCertificate(context.Background(), "p", "c")
				require.Nil(t, got)
				var apiErr *APIError
				require.True(t, errors.As(err, &apiErr), "a redirect is an answer, not a network failure: %v", err)
				require.Equal(t, status, apiErr.StatusCode)
				require.ErrorContains(t, err, "scm: cancel-cert: HTTP "+strconv.Itoa(status)+" "+http.StatusText(status))
				require.Empty(t, reached, "nothing reaches the host the redirect points to")
			})
		}
	}
}

// TestCertClientKeepsCallersHTTPClient checks that WithHTTPClient still
// wins over the client CertClient builds: a caller who wants redirects
// followed can have them.
func TestCertClientKeepsCallersHTTPClient(t *testing.T) {
	noLeaks(t)
	base, reached := redirectPair(t, http.StatusFound)
	c, err := NewCertClient(base, WithToken(testToken), WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	got, err := c.CancelCertificate(context.Background(), "p", "c")
	require.NoError(t, err)
	require.Equal(t, "success", got.Message)
	require.Len(t, reached, 1, "the caller's client followed the redirect")
}
