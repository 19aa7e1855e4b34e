package scm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// metadataServer serves the ECS metadata answers on a loopback port.
type metadataServer struct {
	URL string

	mu         sync.Mutex
	tokenCode  int // status of the token PUT; 200 when 0
	keyAnswers []func(w http.ResponseWriter, token string)
	tokens     int           // token PUTs received
	keyGets    []string      // X-Metadata-Token of each securitykey GET
	ttls       []string      // X-Metadata-Token-Ttl-Seconds of each PUT
	credential func() string // the body of a 200 securitykey answer
}

func newMetadataServer(t testing.TB) *metadataServer {
	t.Helper()
	m := &metadataServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/meta-data/latest/api/token":
			m.tokens++
			m.ttls = append(m.ttls, r.Header.Get("X-Metadata-Token-Ttl-Seconds"))
			if m.tokenCode != 0 {
				w.WriteHeader(m.tokenCode)
				return
			}
			_, _ = io.WriteString(w, "token-"+strconv.Itoa(m.tokens))
		case r.Method == http.MethodGet && r.URL.Path == "/openstack/latest/securitykey":
			token := r.Header.Get("X-Metadata-Token")
			m.keyGets = append(m.keyGets, token)
			if i := len(m.keyGets) - 1; i < len(m.keyAnswers) {
				m.keyAnswers[i](w, token)
				return
			}
			_, _ = io.WriteString(w, m.credential())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	m.credential = func() string {
		return credentialBody("TEMPAK0001", "temporary-secret-key-1", "2030-01-08T03:50:07.574000Z")
	}
	return m
}

func credentialBody(ak, sk, expires string) string {
	return `{"credential":{"access":"` + ak + `","secret":"` + sk + `","securitytoken":"security-token-1","expires_at":"` + expires + `"}}`
}

func answerWith(status int, body string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestMetadataProvider(t *testing.T) {
	t.Run("token then security key", func(t *testing.T) {
		m := newMetadataServer(t)
		creds, expires, err := (&MetadataProvider{Endpoint: m.URL, ProjectID: "p1"}).Retrieve(context.Background())
		require.NoError(t, err)
		require.Equal(t, "TEMPAK0001", creds.AK.Reveal())
		require.Equal(t, "temporary-secret-key-1", creds.SK.Reveal())
		require.Equal(t, "security-token-1", creds.SecurityToken.Reveal())
		require.Equal(t, "p1", creds.ProjectID)
		require.Equal(t, time.Date(2030, 1, 8, 3, 50, 7, 574000000, time.UTC), expires)
		require.Equal(t, []string{"21600"}, m.ttls)
		require.Equal(t, []string{"token-1"}, m.keyGets, "the security key is asked with the token")
	})
	t.Run("token API absent: asked without a token", func(t *testing.T) {
		for _, code := range []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusServiceUnavailable} {
			m := newMetadataServer(t)
			m.tokenCode = code
			_, _, err := (&MetadataProvider{Endpoint: m.URL}).Retrieve(context.Background())
			require.NoError(t, err, "token answer %d", code)
			require.Equal(t, []string{""}, m.keyGets)
		}
	})
	t.Run("expired token: a new one, once", func(t *testing.T) {
		m := newMetadataServer(t)
		m.keyAnswers = []func(http.ResponseWriter, string){answerWith(http.StatusUnauthorized, `{"message":"token expired"}`)}
		creds, _, err := (&MetadataProvider{Endpoint: m.URL}).Retrieve(context.Background())
		require.NoError(t, err)
		require.Equal(t, "TEMPAK0001", creds.AK.Reveal())
		require.Equal(t, 2, m.tokens)
		require.Equal(t, []string{"token-1", "token-2"}, m.keyGets)
	})
	t.Run("alternative member names", func(t *testing.T) {
		m := newMetadataServer(t)
		m.credential = func() string {
			return `{"credential":{"accessKeyId":"TEMPAK0002","secretAccessKey":"temporary-secret-key-2","securityToken":"st","expiration":"2030-01-08T03:50:07Z"}}`
		}
		creds, _, err := (&MetadataProvider{Endpoint: m.URL}).Retrieve(context.Background())
		require.NoError(t, err)
		require.Equal(t, "TEMPAK0002", creds.AK.Reveal())
	})

	lacks := []struct {
		name   string
		answer func(http.ResponseWriter, string)
		want   string
	}{
		// Each answer twice: a 401 without the agency text is taken for an
		// expired token and asked once more.
		{"no agency", answerWith(http.StatusUnauthorized, `{"error":"Please configure Cloud Service Agency first"}`), "the server has no agency"},
		{"no security key", answerWith(http.StatusNotFound, ""), "no security key (HTTP 404)"},
	}
	for _, tt := range lacks {
		t.Run("lacks: "+tt.name, func(t *testing.T) {
			m := newMetadataServer(t)
			m.keyAnswers = []func(http.ResponseWriter, string){tt.answer, tt.answer}
			_, _, err := (&MetadataProvider{Endpoint: m.URL}).Retrieve(context.Background())
			require.ErrorIs(t, err, ErrNoCredentials)
			require.ErrorContains(t, err, "ECS metadata "+m.URL+": "+tt.want)
		})
	}
	t.Run("lacks: unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, _, err := (&MetadataProvider{Endpoint: srv.URL}).Retrieve(context.Background())
		require.ErrorIs(t, err, ErrNoCredentials)
		require.ErrorContains(t, err, "unreachable")
	})

	errs := []struct {
		name string
		body string
		code int
		want string
	}{
		{"server error", "", http.StatusInternalServerError, "security key: HTTP 500"},
		{"not JSON", "temporary-secret-key-1", http.StatusOK, "not the expected JSON object"},
		{"missing members", `{"credential":{"access":"A","secret":"temporary-secret-key-1"}}`, http.StatusOK, "credential lacks securitytoken, expires_at"},
		{"bad expiry", credentialBody("A", "temporary-secret-key-1", "tomorrow"), http.StatusOK, `expires_at "tomorrow" is not an RFC 3339 time`},
	}
	for _, tt := range errs {
		t.Run("error: "+tt.name, func(t *testing.T) {
			m := newMetadataServer(t)
			m.keyAnswers = []func(http.ResponseWriter, string){answerWith(tt.code, tt.body)}
			_, _, err := (&MetadataProvider{Endpoint: m.URL}).Retrieve(context.Background())
			require.ErrorContains(t, err, tt.want)
			require.NotErrorIs(t, err, ErrNoCredentials, "a broken answer is reported, not skipped")
			require.NotContains(t, err.Error(), "temporary-secret-key-1", "no secret in errors")
		})
	}
}

// TestMetadataProviderRefusesNonLoopbackInTests: the default endpoint, and
// any other address that is not loopback, is refused under go test before
// anything is sent, so that no test can reach 169.254.169.254.
func TestMetadataProviderRefusesNonLoopbackInTests(t *testing.T) {
	for _, endpoint := range []string{"", DefaultMetadataEndpoint, "http://192.0.2.1", "http://localhost:1", "http://metadata.example"} {
		var sent atomic.Int32
		client := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			sent.Add(1)
			return nil, io.EOF
		})}
		_, _, err := (&MetadataProvider{Endpoint: endpoint, Client: client}).Retrieve(context.Background())
		require.ErrorContains(t, err, "refused under go test", "endpoint %q", endpoint)
		require.NotErrorIs(t, err, ErrNoCredentials, "the refusal stops a chain")
		require.Zero(t, sent.Load(), "nothing sent for %q", endpoint)
	}
	require.NoError(t, checkMetadataEndpoint(DefaultMetadataEndpoint, false), "outside tests the default is allowed")
	require.ErrorContains(t, checkMetadataEndpoint("ftp://x", false), "scheme http or https")
	require.True(t, strings.HasPrefix(DefaultMetadataEndpoint, "http://169.254.169.254"))
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
