package scm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// ErrInvalidID is wrapped by CancelCertificate when project_id or cert_id
// is refused before anything is sent.
var ErrInvalidID = errors.New("invalid ID")

// CertClient cancels certificate applications and turns every answer that
// is not a result into an *APIError. It sends requests through the
// generated client, so options such as WithAKSK, WithToken and
// WithHTTPClient apply; its own settings are options too (see
// CertClientOption). It is safe for concurrent use.
type CertClient struct {
	api ClientInterface
	// limit is the largest response body read, in bytes.
	limit int64
}

// NewCertClient returns a CertClient for server, an endpoint URL with
// scheme http or https, such as one from EndpointForRegion. A base path
// (https://host/prefix) is kept and the operation's path appended to it.
//
// Unless WithHTTPClient gives another, requests go through
// http.DefaultTransport with an http.Client that follows no redirect: a
// 3xx answer is returned as an *APIError with its status. Go's client
// would follow it and, while it drops Authorization on the way to another
// host, it forwards X-Auth-Token and X-Security-Token, handing the
// credentials to whatever host the redirect names. NOTE that a client
// given with WithHTTPClient is used as it is, redirect policy included.
//
// opts are any ClientOptions, such as WithAKSK or WithToken, and the
// CertClient's own options, such as WithResponseLimit. An option that
// fails makes NewCertClient fail with its error.
func NewCertClient(server string, opts ...CertClientOption) (*CertClient, error) {
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("scm: new cert client: server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("scm: new cert client: server URL %q needs the scheme http or https and a host", server)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("scm: new cert client: server URL %q must not have a query or fragment", server)
	}
	// The caller's options come after the default client, so that
	// WithHTTPClient replaces it.
	settings := certClientSettings{
		clientOpts:    []ClientOption{WithHTTPClient(&http.Client{CheckRedirect: refuseRedirect})},
		responseLimit: DefaultResponseLimit,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("scm: new cert client: nil option")
		}
		if err := opt.applyCertClient(&settings); err != nil {
			return nil, err // the option's error says which option failed
		}
	}
	api, err := NewClient(server, settings.clientOpts...)
	if err != nil {
		return nil, err // only options fail, and their errors say so
	}
	return &CertClient{api: api, limit: settings.responseLimit}, nil
}

// refuseRedirect makes an http.Client return a 3xx response as it is
// instead of following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewCertClientFrom returns a CertClient that sends requests through api,
// such as a *Client or *ClientWithResponses built elsewhere, or a test
// double, and reads at most DefaultResponseLimit bytes of each response.
// api must not be nil.
func NewCertClientFrom(api ClientInterface) *CertClient {
	return &CertClient{api: api, limit: DefaultResponseLimit}
}

// CancelCertificate cancels the application of the certificate certID in
// the project projectID (POST /v2/{project_id}/scm/cert/{cert_id}/cancel-cert)
// and returns the service's result on HTTP 200. Any other answer is an
// *APIError (see ParseCancelCertResult); a failure to send is returned
// wrapped.
//
// Both IDs are checked first: empty ones, ones with control characters,
// and "." or ".." are refused with an error wrapping ErrInvalidID and
// naming the parameter. Dot segments are refused because URL resolution
// would remove them and send the request to another path. Any other
// character, such as '/', '?', '#', '%', a space or non-ASCII, is sent
// escaped within a single path segment.
func (c *CertClient) CancelCertificate(ctx context.Context, projectID, certID string) (*CancelCertResult, error) {
	if err := checkPathID("project_id", projectID); err != nil {
		return nil, fmt.Errorf("scm: %s: %w", opCancelCert, err)
	}
	if err := checkPathID("cert_id", certID); err != nil {
		return nil, fmt.Errorf("scm: %s: %w", opCancelCert, err)
	}
	resp, err := c.api.CancelCert(ctx, projectID, certID) //nolint:bodyclose // ParseCancelCertResult reads and closes the body
	if err != nil {
		return nil, fmt.Errorf("scm: %s: %w", opCancelCert, err)
	}
	return ParseCancelCertResult(resp, c.limit)
}

// checkPathID refuses path parameter values that cannot be sent as one
// path segment.
func checkPathID(name, value string) error {
	switch {
	case value == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalidID, name)
	case hasControl(value):
		return fmt.Errorf("%w: %s contains a control character", ErrInvalidID, name)
	case value == "." || value == "..":
		return fmt.Errorf("%w: %s must not be %q, a dot segment would change the request path", ErrInvalidID, name, value)
	}
	return nil
}
