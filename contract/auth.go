package contract

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// WithTokens makes the mock check credentials and accept an X-Auth-Token
// header holding one of tokens. With neither WithTokens nor WithKeyPair the
// mock checks only that a credential header is present, as the spec does.
func WithTokens(tokens ...string) MockOption {
	return func(m *Mock) error {
		a := m.mockAuth()
		for _, t := range tokens {
			if strings.TrimSpace(t) == "" {
				return errors.New("contract: WithTokens: empty token")
			}
			a.tokens = append(a.tokens, scm.NewSecret(t))
		}
		return nil
	}
}

// WithKeyPair makes the mock check credentials and accept AK/SK signatures
// (SDK-HMAC-SHA256) made with the key pair, verified with scm.VerifySignature,
// the same canonical form the client signs with. A signature whose
// X-Sdk-Date is more than scm.DefaultMaxSkew away from the mock's clock is
// refused, as the API gateway does.
func WithKeyPair(ak, sk string) MockOption {
	return func(m *Mock) error {
		if ak == "" || sk == "" {
			return errors.New("contract: WithKeyPair: empty AK or SK")
		}
		a := m.mockAuth()
		if a.keys == nil {
			a.keys = map[string]scm.Secret{}
		}
		a.keys[ak] = scm.NewSecret(sk)
		return nil
	}
}

// WithClock sets the clock the mock checks X-Sdk-Date against; the default
// is time.Now.
func WithClock(now func() time.Time) MockOption {
	return func(m *Mock) error {
		if now == nil {
			return errors.New("contract: WithClock: nil function")
		}
		m.mockAuth().now = now
		return nil
	}
}

func (m *Mock) mockAuth() *credentialCheck {
	if a, ok := m.auth.(*credentialCheck); ok {
		return a
	}
	a := &credentialCheck{now: time.Now}
	m.auth = a
	return a
}

// credentialCheck accepts configured tokens and key pairs. It runs after the
// Validator, which has already refused a request with neither header. The
// reasons it gives follow the gateway's APIGW.0301 messages ("verify aksk
// signature fail") and never hold a secret.
type credentialCheck struct {
	tokens []scm.Secret
	keys   map[string]scm.Secret // secret keys by access key
	now    func() time.Time
}

func (a *credentialCheck) authenticate(r *http.Request, body []byte) error {
	if tok := r.Header.Get(scm.HeaderAuthToken); tok != "" {
		got := scm.NewSecret(tok)
		for _, want := range a.tokens {
			if want.Equal(got) {
				return nil
			}
		}
		return errors.New("token is not valid or has expired")
	}
	if len(a.keys) == 0 {
		return errors.New("verify aksk signature fail: AK/SK authentication is not enabled")
	}
	err := scm.VerifySignature(r, body, func(ak string) (string, bool) {
		sk, ok := a.keys[ak]
		return sk.Reveal(), ok
	}, a.now(), scm.DefaultMaxSkew)
	noteOf(r.Context()).signature(err)
	if err != nil {
		return fmt.Errorf("verify aksk signature fail: %w", err)
	}
	return nil
}

// hasKeys reports whether the mock verifies AK/SK signatures.
func (m *Mock) hasKeys() bool {
	a, ok := m.auth.(*credentialCheck)
	return ok && len(a.keys) > 0
}
