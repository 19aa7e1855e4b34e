package contract

import (
	"errors"
	"fmt"
	"strings"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// Environment variables of the live contract run, beside the official SDK's
// scm.EnvAK, scm.EnvSK, scm.EnvProjectID and scm.EnvSecurityToken.
const (
	// EnvAuthToken names the variable of an IAM token, instead of AK/SK.
	EnvAuthToken = "SCM_AUTH_TOKEN" //nolint:gosec // G101: the name of a variable, not a credential
	EnvEndpoint  = "SCM_ENDPOINT"   // the endpoint to call; wins over SCM_REGION
	EnvRegion    = "SCM_REGION"     // a region known to scm.EndpointForRegion
	EnvCertID    = "SCM_CERT_ID"    // a certificate application to really cancel
)

// ProbeCertID is the certificate ID the default live probe cancels. It
// cannot name a real certificate (SCM IDs look like "scs1481110651012"), so
// the probe is safe: the service answers with an error, whose shape the
// contract checks.
const ProbeCertID = "scmcontract-probe-no-such-cert"

// ErrLiveNotConfigured means the environment holds no credentials for a
// live run. Its message says what to set.
var ErrLiveNotConfigured = errors.New("contract: no credentials for the live run: set " +
	scm.EnvAK + ", " + scm.EnvSK + " and " + scm.EnvProjectID + " (or " + EnvAuthToken + " and " + scm.EnvProjectID +
	"), and " + EnvRegion + " or " + EnvEndpoint)

// LiveConfig is what a live contract run needs, read from the environment.
// Its secrets are scm.Secrets, so that every way of printing or logging it
// (fmt's verbs, encoding/json, log/slog) shows "REDACTED" in their place.
type LiveConfig struct {
	// Endpoint is the service endpoint to call.
	Endpoint string
	// ProjectID is the project the run acts in.
	ProjectID string
	// CertID is the certificate application to cancel; ProbeCertID unless
	// SCM_CERT_ID is set.
	CertID string
	// Credentials holds the AK/SK pair when the run signs; its AK is empty
	// when the run uses Token instead.
	Credentials scm.Credentials
	// Token is the IAM token, when the run uses one instead of AK/SK.
	Token scm.Secret
}

// LiveConfigFromEnv reads a LiveConfig through lookup (os.LookupEnv in
// practice). With no credentials at all it returns ErrLiveNotConfigured, so
// that a test can skip; with incomplete or bad settings it returns an error
// naming them.
func LiveConfigFromEnv(lookup func(string) (string, bool)) (*LiveConfig, error) {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	cfg := &LiveConfig{ProjectID: get(scm.EnvProjectID), CertID: get(EnvCertID), Token: scm.NewSecret(get(EnvAuthToken))}
	if cfg.CertID == "" {
		cfg.CertID = ProbeCertID
	}
	switch {
	case get(scm.EnvAK) != "" || get(scm.EnvSK) != "":
		creds, err := scm.CredentialsFromLookup(lookup)
		if err != nil {
			return nil, fmt.Errorf("contract: live run: %w", err)
		}
		cfg.Credentials = creds
	case !cfg.Token.IsZero():
		if cfg.ProjectID == "" {
			return nil, fmt.Errorf("contract: live run: %s is set but %s is not", EnvAuthToken, scm.EnvProjectID)
		}
	default:
		return nil, ErrLiveNotConfigured
	}
	cfg.Endpoint = get(EnvEndpoint)
	if cfg.Endpoint == "" {
		region := get(EnvRegion)
		if region == "" {
			return nil, fmt.Errorf("contract: live run: set %s or %s", EnvRegion, EnvEndpoint)
		}
		ep, err := scm.EndpointForRegion(region)
		if err != nil {
			return nil, fmt.Errorf("contract: live run: %w", err)
		}
		cfg.Endpoint = ep
	}
	return cfg, nil
}

// Probe reports whether the run cancels ProbeCertID rather than a real
// application.
func (c *LiveConfig) Probe() bool { return c.CertID == ProbeCertID }

// UsesAKSK reports whether the run signs with Credentials rather than
// sending Token.
func (c *LiveConfig) UsesAKSK() bool { return !c.Credentials.AK.IsZero() }

// ClientOptions returns the authentication option of the run: AK/SK
// signing when credentials are set, else the token.
func (c *LiveConfig) ClientOptions() []scm.ClientOption {
	if c.UsesAKSK() {
		return []scm.ClientOption{scm.WithAKSK(c.Credentials)}
	}
	return []scm.ClientOption{scm.WithToken(c.Token.Reveal())}
}

// Redactor returns the Redactor of the run: it removes the AK, the SK, the
// security token and the IAM token, whichever are set, and the project ID.
// It fails, naming the value, when one is too short to redact safely.
func (c *LiveConfig) Redactor() (*Redactor, error) {
	r, err := NewRedactor(c.ProjectID,
		NamedSecret{Name: "AK", Value: c.Credentials.AK},
		NamedSecret{Name: "SK", Value: c.Credentials.SK},
		NamedSecret{Name: "security token", Value: c.Credentials.SecurityToken},
		NamedSecret{Name: "token", Value: c.Token},
	)
	if err != nil {
		return nil, err // NewRedactor's error names the value
	}
	return r, nil
}
