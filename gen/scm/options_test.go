package scm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seenRequest is what a recording server saw of one request.
type seenRequest struct {
	header     http.Header
	requestURI string
	verifyErr  error
}

// recordingServer answers every request with status and body and hands
// what it saw, including the signature check at now, to the channel.
func recordingServer(t testing.TB, now time.Time, status int, body string) (string, <-chan seenRequest) {
	t.Helper()
	seen := make(chan seenRequest, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- seenRequest{
			header:     r.Header.Clone(),
			requestURI: r.RequestURI,
			verifyErr:  VerifySignature(r, nil, testSecrets, now, 0),
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(HeaderRequestID, "req-1")
		w.WriteHeader(status)
		_, err := w.Write([]byte(body))
		if err != nil {
			t.Errorf("write response: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, seen
}

func TestWithAKSKSignsEachRequestFresh(t *testing.T) {
	start := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	calls := 0
	clock := func() time.Time {
		calls++
		return start.Add(time.Duration(calls) * time.Second)
	}
	base, seen := recordingServer(t, start, http.StatusOK, `{"cert_id":"c","message":"success"}`)
	creds := Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK), SecurityToken: NewSecret("sts-token"), ProjectID: "proj"}
	client, err := NewClient(base, withAKSKClock(creds, clock))
	require.NoError(t, err)

	var dates []string
	for range 2 {
		resp, err := client.CancelCert(context.Background(), "proj", "c1")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		got := <-seen
		require.NoError(t, got.verifyErr)
		require.Equal(t, "proj", got.header.Get(HeaderProjectID))
		require.Equal(t, "sts-token", got.header.Get(HeaderSecurityToken))
		require.Contains(t, got.header.Get("Authorization"),
			"SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,")
		dates = append(dates, got.header.Get(HeaderSdkDate))
	}
	require.Equal(t, []string{"20240506T070810Z", "20240506T070811Z"}, dates, "each request is signed at send time")
}

func TestWithAKSKWithoutOptionalHeaders(t *testing.T) {
	base, seen := recordingServer(t, time.Now(), http.StatusOK, `{}`)
	client, err := NewClient(base, WithAKSK(Credentials{AK: NewSecret(testAK), SK: NewSecret(testSK)}))
	require.NoError(t, err)
	resp, err := client.CancelCert(context.Background(), "p", "c")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	got := <-seen
	require.NoError(t, got.verifyErr, "signed with the real clock")
	require.Empty(t, got.header.Values(HeaderProjectID))
	require.Empty(t, got.header.Values(HeaderSecurityToken))
}

func TestAuthOptionsRefuseBadSecrets(t *testing.T) {
	const secret = "VerySecretValue123"
	tests := []struct {
		name    string
		opt     ClientOption
		wantErr string
	}{
		{name: "AK/SK without SK", opt: WithAKSK(Credentials{AK: NewSecret("AK")}), wantErr: "scm: invalid credentials: SK is empty"},
		{name: "AK/SK with LF in SK", opt: WithAKSK(Credentials{AK: NewSecret("AK"), SK: NewSecret(secret + "\n")}), wantErr: "SK contains a control character"},
		{name: "AK/SK with CR LF in token", opt: WithAKSK(Credentials{AK: NewSecret("AK"), SK: NewSecret("sk"), SecurityToken: NewSecret(secret + "\r\n")}), wantErr: "SecurityToken contains a control character"},
		{name: "empty token", opt: WithToken(""), wantErr: "scm: with token: token is empty"},
		{name: "token with CR LF", opt: WithToken(secret + "\r\nX-Evil: 1"), wantErr: "scm: with token: token contains a control character"},
		{name: "token with NUL", opt: WithToken(secret + "\x00"), wantErr: "token contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := NewClient("https://scm.example", tt.opt)
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), secret)
			require.Nil(t, client)
		})
	}
}

func TestWithTokenSetsHeader(t *testing.T) {
	base, seen := recordingServer(t, time.Now(), http.StatusOK, `{}`)
	client, err := NewClient(base, WithToken("iam-token-value"))
	require.NoError(t, err)
	resp, err := client.CancelCert(context.Background(), "p", "c")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	got := <-seen
	require.Equal(t, "iam-token-value", got.header.Get(HeaderAuthToken))
	require.ErrorIs(t, got.verifyErr, ErrSignatureMissing, "a token request carries no signature")
}
