package scm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// envOf is a Lookup over vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestEnvProvider(t *testing.T) {
	creds, expires, err := EnvProvider{Lookup: envOf(map[string]string{EnvAK: "AKENV", EnvSK: "sk-from-env-1"})}.Retrieve(context.Background())
	require.NoError(t, err, "the project ID is optional here")
	require.Equal(t, "AKENV", creds.AK.Reveal())
	require.True(t, expires.IsZero())

	_, _, err = EnvProvider{Lookup: envOf(map[string]string{EnvAK: "AKENV"})}.Retrieve(context.Background())
	require.ErrorIs(t, err, ErrNoCredentials)
	require.ErrorContains(t, err, "environment: missing "+EnvSK)

	_, _, err = EnvProvider{Lookup: envOf(map[string]string{EnvAK: "AK ENV", EnvSK: "sk-from-env-1"})}.Retrieve(context.Background())
	require.ErrorContains(t, err, "AK contains a space or a comma")
	require.NotErrorIs(t, err, ErrNoCredentials, "set but invalid is an error, not a lack")
}

// TestCredentialsChain: the first complete source wins; when none is, the
// error says what each lacked; a broken source stops the search.
func TestCredentialsChain(t *testing.T) {
	complete := "[basic]\nak = AKPROFILE\nsk = sk-from-profile-1\n"
	tests := []struct {
		name        string
		env         map[string]string
		profile     string // "": no file
		wantAK      string
		wantErr     []string
		wantLack    bool
		wantMetaHit bool
	}{
		{name: "environment first", env: map[string]string{EnvAK: "AKENV", EnvSK: "sk-from-env-1"}, profile: complete, wantAK: "AKENV"},
		{name: "then the profile", profile: complete, wantAK: "AKPROFILE"},
		{name: "then the metadata service", wantAK: "TEMPAK0001", wantMetaHit: true},
		{name: "a broken profile stops the chain", profile: "garbage\n", wantErr: []string{"line 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetadataServer(t)
			path := filepath.Join(t.TempDir(), "absent")
			if tt.profile != "" {
				path = writeFile(t, tt.profile)
			}
			c := NewCredentialsChain(EnvProvider{Lookup: envOf(tt.env)}, ProfileProvider{Path: path}, &MetadataProvider{Endpoint: m.URL})
			creds, _, err := c.Retrieve(context.Background())
			if tt.wantErr != nil {
				for _, w := range tt.wantErr {
					require.ErrorContains(t, err, w)
				}
				require.NotErrorIs(t, err, ErrNoCredentials)
				require.Zero(t, m.tokens, "the chain stopped before the metadata service")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantAK, creds.AK.Reveal())
			require.Equal(t, tt.wantMetaHit, m.tokens > 0, "the metadata service is asked only when it is reached")
		})
	}

	t.Run("none: what each lacked", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		path := filepath.Join(t.TempDir(), "absent")
		c := NewCredentialsChain(EnvProvider{Lookup: noEnv}, ProfileProvider{Path: path}, &MetadataProvider{Endpoint: srv.URL})
		_, _, err := c.Retrieve(context.Background())
		require.ErrorIs(t, err, ErrNoCredentials)
		require.ErrorContains(t, err, "scm: no credentials: environment: missing "+EnvAK+", "+EnvSK+
			"; profile "+path+": no such file; ECS metadata "+srv.URL+": unreachable: ")
	})
}

// generations is a provider whose credentials change at each call and
// expire after lifetime, counting the calls.
type generations struct {
	now      func() time.Time
	lifetime time.Duration
	calls    atomic.Int32
	fail     atomic.Bool
}

func (g *generations) Retrieve(context.Context) (Credentials, time.Time, error) {
	n := g.calls.Add(1)
	time.Sleep(time.Millisecond) // widen the window in which callers race
	if g.fail.Load() {
		return Credentials{}, time.Time{}, errors.New("source down")
	}
	ak := "AKGEN" + string(rune('0'+n))
	return Credentials{AK: NewSecret(ak), SK: NewSecret("secret-of-" + ak)}, g.now().Add(g.lifetime), nil
}

// atomicClock is a clock tests move by hand, safe for concurrent use.
type atomicClock struct{ ns atomic.Int64 }

func newAtomicClock() *atomicClock {
	c := &atomicClock{}
	c.ns.Store(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano())
	return c
}
func (c *atomicClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *atomicClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// retrieveConcurrently calls Retrieve from n goroutines at once and returns
// the AKs they got.
func retrieveConcurrently(t *testing.T, p CredentialsProvider, n int) []string {
	t.Helper()
	var wg sync.WaitGroup
	aks := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			creds, _, err := p.Retrieve(context.Background())
			aks[i], errs[i] = creds.AK.Reveal(), err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return aks
}

func same(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestCachedProviderRefreshesBeforeExpiry, meant for -race: many callers
// at once get the same credentials from one call to the source; before
// they expire, one refresh replaces them for all; a failed refresh keeps
// them while they last.
func TestCachedProviderRefreshesBeforeExpiry(t *testing.T) {
	clock := newAtomicClock()
	src := &generations{now: clock.Now, lifetime: time.Hour}
	c := NewCachedProvider(src, 10*time.Minute)
	c.now = clock.Now

	require.Equal(t, same("AKGEN1", 32), retrieveConcurrently(t, c, 32))
	require.EqualValues(t, 1, src.calls.Load(), "one call to the source for 32 callers")

	clock.Advance(49 * time.Minute) // 11 minutes left: not yet due
	require.Equal(t, same("AKGEN1", 32), retrieveConcurrently(t, c, 32))
	require.EqualValues(t, 1, src.calls.Load())

	clock.Advance(2 * time.Minute) // 9 minutes left: due, not expired
	require.Equal(t, same("AKGEN2", 32), retrieveConcurrently(t, c, 32))
	require.EqualValues(t, 2, src.calls.Load(), "one refresh for 32 callers")

	src.fail.Store(true)
	clock.Advance(55 * time.Minute) // 5 minutes left on AKGEN2: due, the source fails
	require.Equal(t, same("AKGEN2", 8), retrieveConcurrently(t, c, 8), "still valid: kept")
	clock.Advance(6 * time.Minute) // expired
	_, _, err := c.Retrieve(context.Background())
	require.ErrorContains(t, err, "source down")
}

// TestCachedProviderShortLived: credentials that live less than twice the
// refresh margin are refreshed half-way, not at every call.
func TestCachedProviderShortLived(t *testing.T) {
	clock := newAtomicClock()
	src := &generations{now: clock.Now, lifetime: 4 * time.Minute}
	c := NewCachedProvider(src, 0) // 5 minutes
	c.now = clock.Now
	for range 3 {
		_, _, err := c.Retrieve(context.Background())
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, src.calls.Load())
	clock.Advance(2*time.Minute + time.Second)
	creds, _, err := c.Retrieve(context.Background())
	require.NoError(t, err)
	require.Equal(t, "AKGEN2", creds.AK.Reveal())
}

// TestWithCredentialsProviderSignsWithCurrent drives the generated client
// with temporary credentials from a loopback metadata server whose keys
// rotate: every request, sent from many goroutines, is signed with the
// credentials current when it is sent, carries their security token, and
// verifies; the source is asked again only when the credentials near
// their expiry.
func TestWithCredentialsProviderSignsWithCurrent(t *testing.T) {
	clock := newAtomicClock()
	m := newMetadataServer(t)
	var generation atomic.Int32
	generation.Store(1)
	m.credential = func() string {
		g := string(rune('0' + generation.Load()))
		return credentialBody("TEMPAK000"+g, "temporary-secret-key-"+g, clock.Now().Add(time.Hour).Format(time.RFC3339Nano))
	}
	keys := map[string]string{"TEMPAK0001": "temporary-secret-key-1", "TEMPAK0002": "temporary-secret-key-2"}
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = VerifySignature(r, body, func(ak string) (string, bool) { sk, ok := keys[ak]; return sk, ok }, clock.Now(), 0)
		}
		if err != nil || r.Header.Get(HeaderSecurityToken) != "security-token-1" || r.Header.Get(HeaderProjectID) != "p1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		seen[r.Header.Get("Authorization")[len("SDK-HMAC-SHA256 Access="):][:len("TEMPAK0001")]]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, resultBody)
	}))
	t.Cleanup(srv.Close)

	cached := NewCachedProvider(&MetadataProvider{Endpoint: m.URL, ProjectID: "p1"}, 10*time.Minute)
	cached.now = clock.Now
	api, err := NewClient(srv.URL, withCredentialsProviderClock(cached, clock.Now))
	require.NoError(t, err)
	call := func(n int) {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				resp, err := api.CancelCert(context.Background(), "p1", "scs1481110651012") //nolint:bodyclose // ParseCancelCertResult reads and closes the body
				if err == nil {
					_, err = ParseCancelCertResult(resp, 0)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
	}
	call(16)
	generation.Store(2) // the service now hands out new keys
	clock.Advance(49 * time.Minute)
	call(16) // the old keys are not due for refresh yet
	clock.Advance(2 * time.Minute)
	call(16) // due: refreshed once, then signed with the new keys
	require.Equal(t, map[string]int{"TEMPAK0001": 32, "TEMPAK0002": 16}, seen)
	require.Equal(t, 2, m.tokens, "the metadata service is asked once per refresh")

	_, err = NewClient(srv.URL, WithCredentialsProvider(nil))
	require.ErrorContains(t, err, "provider is nil")
}
