package scm

import (
	"errors"
	"fmt"
	"log/slog"
)

// CertClientOption configures a CertClient when NewCertClient builds it.
// Two kinds of values are CertClientOptions:
//
//   - every ClientOption (WithAKSK, WithToken, WithHTTPClient,
//     WithRequestEditorFn, WithBaseURL): NewCertClient hands them, in
//     order, to the generated Client it sends requests through;
//   - the options only a CertClient has: WithResponseLimit,
//     WithRetryPolicy, WithLogger, WithUserAgent and WithTimeouts.
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
	// retry is the policy of every call.
	retry RetryPolicy
	// logger receives one record per attempt; nil writes nothing.
	logger *slog.Logger
	// userAgentSuffix follows the client's own User-Agent.
	userAgentSuffix string
	// timeouts are those of the default HTTP client; timeoutsSet reports
	// that WithTimeouts gave them.
	timeouts    Timeouts
	timeoutsSet bool
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

// WithRetryPolicy sets when a CertClient sends a call again, and how long
// it waits first; DefaultRetryPolicy without it. NoRetry() turns retries
// off. Fields left at zero take their defaults (see RetryPolicy).
func WithRetryPolicy(p RetryPolicy) CertClientOption {
	return certClientOption(func(s *certClientSettings) error {
		s.retry = p
		return nil
	})
}

// WithLogger makes a CertClient write one record per attempt to logger
// (see LogAttempt): operation, attempt, status, error code, request ID,
// duration and whether another attempt follows; never the URL, a header,
// the project or certificate ID, or a secret. A nil logger writes nothing.
func WithLogger(logger *slog.Logger) CertClientOption {
	return certClientOption(func(s *certClientSettings) error {
		s.logger = logger
		return nil
	})
}

// WithUserAgent adds suffix, such as a program's name and version, after
// the client's User-Agent: "cancelcert/<module version> (Go) suffix" (see
// UserAgent). A suffix holding a control character makes NewCertClient
// fail.
func WithUserAgent(suffix string) CertClientOption {
	return certClientOption(func(s *certClientSettings) error {
		if _, err := UserAgent(suffix); err != nil {
			return fmt.Errorf("scm: with user agent: %w", err)
		}
		s.userAgentSuffix = suffix
		return nil
	})
}

// WithTimeouts sets the timeouts of the HTTP client a CertClient builds by
// default (see NewHTTPClient; fields left at zero take their defaults).
// NOTE that it makes NewCertClient fail beside WithHTTPClient, whose
// client is used as it is: set the timeouts on that client instead.
func WithTimeouts(t Timeouts) CertClientOption {
	return certClientOption(func(s *certClientSettings) error {
		s.timeouts, s.timeoutsSet = t, true
		return nil
	})
}
