package scm

import (
	"net"
	"net/http"
	"time"
)

// Default timeouts of the HTTP client that NewHTTPClient builds. The
// official SDK gives a request 120 s (facts file, "The SDK's client
// defaults"); here one attempt gets 30 s, because a cancel-cert answer is
// small and quick, and a stalled attempt is better cut and, when safe,
// retried (see RetryPolicy) than waited for.
const (
	// DefaultAttemptTimeout bounds one attempt from dialling to the last
	// byte of the body (http.Client.Timeout).
	DefaultAttemptTimeout = 30 * time.Second
	// DefaultDialTimeout bounds establishing the TCP connection.
	DefaultDialTimeout = 10 * time.Second
	// DefaultTLSHandshakeTimeout bounds the TLS handshake.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for the response's
	// headers once the request is written.
	DefaultResponseHeaderTimeout = 20 * time.Second
)

// Timeouts are the limits of the HTTP client that NewHTTPClient builds. A
// field left at zero (or negative) takes its default.
type Timeouts struct {
	// Attempt bounds a whole attempt, body included: DefaultAttemptTimeout.
	Attempt time.Duration
	// Dial bounds connecting: DefaultDialTimeout.
	Dial time.Duration
	// TLSHandshake bounds the handshake: DefaultTLSHandshakeTimeout.
	TLSHandshake time.Duration
	// ResponseHeader bounds the wait for the headers after the request is
	// written: DefaultResponseHeaderTimeout.
	ResponseHeader time.Duration
}

// DefaultTimeouts returns the default of each timeout.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Attempt:        DefaultAttemptTimeout,
		Dial:           DefaultDialTimeout,
		TLSHandshake:   DefaultTLSHandshakeTimeout,
		ResponseHeader: DefaultResponseHeaderTimeout,
	}
}

// withDefaults fills the fields left at zero.
func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	if t.Attempt <= 0 {
		t.Attempt = d.Attempt
	}
	if t.Dial <= 0 {
		t.Dial = d.Dial
	}
	if t.TLSHandshake <= 0 {
		t.TLSHandshake = d.TLSHandshake
	}
	if t.ResponseHeader <= 0 {
		t.ResponseHeader = d.ResponseHeader
	}
	return t
}

// NewHTTPClient returns the HTTP client a CertClient uses by default: the
// timeouts t (defaults for the fields left at zero) on a transport of its
// own, cloned from http.DefaultTransport (so proxies from the environment,
// HTTP/2 and the idle connection pool behave as usual), and no redirect
// followed, for the reason NewCertClient gives.
//
// NOTE that the timeouts bound each attempt: a call that retries may take
// up to RetryPolicy.MaxElapsed plus one attempt. A context deadline bounds
// the whole call.
func NewHTTPClient(t Timeouts) *http.Client {
	t = t.withDefaults()
	var transport *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = dt.Clone()
	} else {
		transport = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, IdleConnTimeout: 90 * time.Second}
	}
	transport.DialContext = (&net.Dialer{Timeout: t.Dial, KeepAlive: 30 * time.Second}).DialContext
	transport.TLSHandshakeTimeout = t.TLSHandshake
	transport.ResponseHeaderTimeout = t.ResponseHeader
	return &http.Client{Transport: transport, Timeout: t.Attempt, CheckRedirect: refuseRedirect}
}
