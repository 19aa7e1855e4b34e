package scm

import (
	"errors"
	"fmt"
)

// CertClientOption configures a CertClient when NewCertClient builds it.
// Two kinds of values are CertClientOptions:
//
//   - every ClientOption (WithAKSK, WithToken, WithHTTPClient,
//     WithRequestEditorFn, WithBaseURL): NewCertClient hands them, in
//     order, to the generated Client it sends requests through;
//   - the options only a CertClient has, such as WithResponseLimit.
//
// Both mix freely in one call:
//
//	scm.NewCertClient(endpoint, scm.WithToken(tok), scm.WithResponseLimit(64<<10))
//
// The interface has an unexported method, so only this package makes
// CertClientOptions. NOTE that a []ClientOption does not convert to a
// []CertClientOption as a whole: pass its elements one by one, or build a
// []CertClientOption from the start.
type CertClientOption interface {
	applyCertClient(*certClientSettings) error
}

// certClientSettings collects what NewCertClient's options ask for.
type certClientSettings struct {
	// clientOpts go to the generated Client, in the caller's order.
	clientOpts []ClientOption
	// responseLimit is the largest response body read, in bytes.
	responseLimit int64
}

// applyCertClient makes every ClientOption a CertClientOption: it is kept
// for the generated Client that NewCertClient builds.
func (o ClientOption) applyCertClient(s *certClientSettings) error {
	if o == nil {
		return errors.New("scm: new cert client: nil ClientOption")
	}
	s.clientOpts = append(s.clientOpts, o)
	return nil
}

// certClientOption is an option that only a CertClient has.
type certClientOption func(*certClientSettings) error

func (o certClientOption) applyCertClient(s *certClientSettings) error { return o(s) }

// WithResponseLimit sets the largest response body a CertClient reads, in
// bytes, for results and errors alike; DefaultResponseLimit (1 MiB) without
// it. A longer body is an *APIError wrapping ErrBodyTooLarge. A limit
// that is zero or negative makes NewCertClient fail.
func WithResponseLimit(n int64) CertClientOption {
	return certClientOption(func(s *certClientSettings) error {
		if n <= 0 {
			return fmt.Errorf("scm: with response limit: %d bytes is not a positive limit", n)
		}
		s.responseLimit = n
		return nil
	})
}
