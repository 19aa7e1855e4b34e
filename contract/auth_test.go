package contract_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

const (
	testAK    = "QTWAOYTTINDUT2QVKYUC"
	testSK    = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	testToken = "MIIDkgYJKoZIhvcNAQcCoIIDgzCCA38CAQExDTALBglghkgBZQMEAgEwgXXXXX"
)

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// tamper changes each request after it was signed, before it is sent.
func tamper(change func(*http.Request)) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		change(r)
		return http.DefaultTransport.RoundTrip(r)
	})
}

// TestMockAuthentication drives the client against the mock with
// authentication on: good credentials are accepted; each kind of bad one
// gets the gateway's documented 401 body (APIGW.0301 with request_id),
// validated against the spec on the way.
func TestMockAuthentication(t *testing.T) {
	now := time.Now()
	srv := contract.StartMock(t, contract.WithKeyPair(testAK, testSK), contract.WithTokens(testToken),
		contract.WithClock(func() time.Time { return now }))
	creds := scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK), ProjectID: projectID}

	tests := []struct {
		name   string
		opts   []scm.ClientOption
		base   http.RoundTripper
		reason string // "" means accepted
	}{
		{"signed", []scm.ClientOption{scm.WithAKSK(creds)}, nil, ""},
		{"signed with a security token", []scm.ClientOption{scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret(testSK), ProjectID: projectID, SecurityToken: scm.NewSecret("temporary-token-value")})}, nil, ""},
		{"token", []scm.ClientOption{scm.WithToken(testToken)}, nil, ""},
		{"wrong SK", []scm.ClientOption{scm.WithAKSK(scm.Credentials{AK: scm.NewSecret(testAK), SK: scm.NewSecret("wrong-secret-key-value"), ProjectID: projectID})}, nil, "signature mismatch"},
		{"unknown AK", []scm.ClientOption{scm.WithAKSK(scm.Credentials{AK: scm.NewSecret("UNKNOWNACCESSKEY0000"), SK: scm.NewSecret(testSK), ProjectID: projectID})}, nil, "unknown access key"},
		{"tampered path", []scm.ClientOption{scm.WithAKSK(creds)}, tamper(func(r *http.Request) {
			r.URL.Path = strings.Replace(r.URL.Path, certID, "scs-other", 1)
			r.URL.RawPath = ""
		}), "signature mismatch"},
		{"tampered signed header", []scm.ClientOption{scm.WithAKSK(creds)}, tamper(func(r *http.Request) {
			r.Header.Set("X-Project-Id", "another-project")
		}), "signature mismatch"},
		{"stale date", []scm.ClientOption{scm.WithAKSK(creds)}, tamper(func(r *http.Request) {
			// Re-sign 16 minutes in the past: a valid signature, too old.
			require.NoError(t, scm.Sign(r, testAK, testSK, now.Add(-16*time.Minute)))
		}), "request date outside the allowed skew"},
		{"missing header", nil, nil, `"X-Auth-Token" is missing`},
		{"wrong token", []scm.ClientOption{scm.WithToken(strings.Repeat("x", 40))}, nil, "token is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == nil {
				base = http.DefaultTransport
			}
			vt := contract.NewValidatingTransport(newValidator(t), base, nil)
			if tt.name == "missing header" {
				// The request breaks the contract on purpose: check only the response.
				vt.OnViolation = func(_ *contract.Exchange, err error) {
					var ve *contract.ValidationError
					require.True(t, errors.As(err, &ve))
					for _, p := range ve.Problems {
						require.Equal(t, contract.KindSecurity, p.Kind, "only the request may break the contract: %v", err)
					}
				}
			}
			opts := []scm.CertClientOption{scm.WithHTTPClient(&http.Client{Transport: vt})}
			for _, opt := range tt.opts {
				opts = append(opts, opt)
			}
			c, err := scm.NewCertClient(srv.URL, opts...)
			require.NoError(t, err)
			res, err := c.CancelCertificate(context.Background(), projectID, certID)
			if tt.reason == "" {
				require.NoError(t, err)
				require.Equal(t, certID, res.CertId)
				return
			}
			require.Nil(t, res)
			var apiErr *scm.APIError
			require.True(t, errors.As(err, &apiErr), "want *scm.APIError, got %v", err)
			require.ErrorIs(t, err, scm.ErrAuth)
			require.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
			require.Equal(t, "APIGW.0301", apiErr.Code)
			require.Contains(t, apiErr.Message, tt.reason)
			require.NotEmpty(t, apiErr.RequestID, "the gateway's 401 body carries request_id")
			require.NotContains(t, err.Error(), testSK, "no secret in errors")
		})
	}
}

// TestMockOptionErrors checks that each option refuses a value it cannot
// use, with an error that starts like every error of the package and
// names the option.
func TestMockOptionErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  contract.MockOption
		want string // the whole message: prefix, option, why
	}{
		{"a blank token is no credential", contract.WithTokens(" "), "contract: WithTokens: empty token"},
		{"a key pair needs both halves", contract.WithKeyPair("ak", ""), "contract: WithKeyPair: empty AK or SK"},
		{"no clock to read", contract.WithClock(nil), "contract: WithClock: nil function"},
		{"no request IDs to make", contract.WithRequestIDs(nil), "contract: WithRequestIDs: nil function"},
		{"nowhere to log", contract.WithLogf(nil), "contract: WithLogf: nil function"},
		{"a journal must keep something", contract.WithJournalLimit(0), "contract: WithJournalLimit: the limit must be at least 1"},
		{"a certificate needs its IDs", contract.WithCertificate("", "scs1", contract.StatusChecking),
			"contract: WithCertificate: empty project ID or certificate ID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := contract.NewMock(tt.opt)
			require.EqualError(t, err, tt.want)
		})
	}
}
