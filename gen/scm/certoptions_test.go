package scm

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCertClientOptionsMix passes generated ClientOptions and CertClient
// options in one call and checks that each kind takes effect.
func TestCertClientOptionsMix(t *testing.T) {
	body := `{"cert_id":"c","message":"` + strings.Repeat("m", 100) + `"}`
	base, seen := recordingServer(t, time.Now(), http.StatusOK, body)
	tests := []struct {
		name string
		opts []CertClientOption
		// wantTooLarge says why the body must be refused, or "" when it fits
		wantTooLarge string
	}{
		{name: "default limit", opts: []CertClientOption{WithToken(testToken)}},
		{name: "limit above the body", opts: []CertClientOption{WithToken(testToken), WithResponseLimit(int64(len(body)))}},
		{name: "limit below the body, given first", opts: []CertClientOption{WithResponseLimit(int64(len(body) - 1)), WithToken(testToken)},
			wantTooLarge: "the body is one byte over the limit"},
		{name: "the last limit wins", opts: []CertClientOption{WithResponseLimit(1 << 20), WithToken(testToken), WithResponseLimit(16)},
			wantTooLarge: "the later WithResponseLimit replaces the earlier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCertClient(base, tt.opts...)
			require.NoError(t, err)
			got, err := c.CancelCertificate(context.Background(), "p", "c")
			req := <-seen
			require.Equal(t, testToken, req.header.Get(HeaderAuthToken), "the ClientOption reached the generated client")
			if tt.wantTooLarge != "" {
				require.ErrorIs(t, err, ErrBodyTooLarge, "must fail: %s", tt.wantTooLarge)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "c", got.CertId)
		})
	}
}

// TestCertClientOptionsRefused checks the options NewCertClient refuses,
// each with an error that says which option and why.
func TestCertClientOptionsRefused(t *testing.T) {
	var nilClientOption ClientOption
	tests := []struct {
		name    string
		opt     CertClientOption
		wantErr string
	}{
		{name: "zero limit", opt: WithResponseLimit(0), wantErr: "scm: with response limit: 0 bytes is not a positive limit"},
		{name: "negative limit", opt: WithResponseLimit(-1), wantErr: "scm: with response limit: -1 bytes is not a positive limit"},
		{name: "nil ClientOption, which the generated client would call", opt: nilClientOption, wantErr: "scm: new cert client: nil ClientOption"},
		{name: "nil option", opt: nil, wantErr: "scm: new cert client: nil option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCertClient("https://scm.example", WithToken(testToken), tt.opt)
			require.EqualError(t, err, tt.wantErr)
			require.Nil(t, c)
		})
	}
}
