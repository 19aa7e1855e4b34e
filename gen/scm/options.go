package scm

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Headers that the authentication options set.
const (
	HeaderAuthToken     = "X-Auth-Token" //nolint:gosec // G101: the name of a header, not a credential
	HeaderProjectID     = "X-Project-Id"
	HeaderSecurityToken = "X-Security-Token"
)

// WithAKSK returns a ClientOption that signs every request with creds
// (see Sign) when it is sent, with a fresh time.Now. When set, ProjectID is
// sent as X-Project-Id and SecurityToken as X-Security-Token, both signed,
// as the official SDK does.
//
// The credentials are checked with Validate when the client is built, so
// NewClient and NewCertClient fail on bad ones; the error names the field
// and never holds a secret.
//
// NOTE that request editors given to a single call run after the client's
// own, so after signing: they may add unsigned headers, but must not
// change the method, URL, body or a signed header. Use either WithAKSK or
// WithToken, not both.
func WithAKSK(creds Credentials) ClientOption {
	return withAKSKClock(creds, time.Now)
}

// withAKSKClock is WithAKSK with a clock, for tests.
func withAKSKClock(creds Credentials, now func() time.Time) ClientOption {
	err := creds.Validate()
	return func(c *Client) error {
		if err != nil {
			return err
		}
		c.RequestEditors = append(c.RequestEditors, func(_ context.Context, req *http.Request) error {
			return signWithCredentials(req, creds, now())
		})
		return nil
	}
}

// signWithCredentials sets X-Project-Id and X-Security-Token when creds
// have them, and signs req, those headers included, at t.
func signWithCredentials(req *http.Request, creds Credentials, t time.Time) error {
	if creds.ProjectID != "" {
		req.Header.Set(HeaderProjectID, creds.ProjectID)
	}
	if !creds.SecurityToken.IsZero() {
		req.Header.Set(HeaderSecurityToken, creds.SecurityToken.Reveal())
	}
	return Sign(req, creds.AK.Reveal(), creds.SK.Reveal(), t)
}

// WithToken returns a ClientOption that sends the IAM token in the
// X-Auth-Token header of every request. The option holds it as a Secret. An empty token, or one holding a
// control character such as CR, LF or NUL, makes the client constructor
// fail with an error that never holds the token. Its length (32 to
// 2,097,152 characters, per IAM) is left to the gateway to judge.
func WithToken(token string) ClientOption {
	var err error
	switch {
	case token == "":
		err = errors.New("scm: with token: token is empty")
	case hasControl(token):
		err = errors.New("scm: with token: token contains a control character")
	}
	secret := NewSecret(token)
	return func(c *Client) error {
		if err != nil {
			return err
		}
		c.RequestEditors = append(c.RequestEditors, func(_ context.Context, req *http.Request) error {
			req.Header.Set(HeaderAuthToken, secret.Reveal())
			return nil
		})
		return nil
	}
}
