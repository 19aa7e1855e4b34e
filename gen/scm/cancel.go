package scm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// CertClientOption). It retries what is safe to retry (see RetryPolicy).
// It is safe for concurrent use.
type CertClient struct {
	api ClientInterface
	// limit is the largest response body read, in bytes.
	limit int64
	// retry is the policy of every call.
	retry RetryPolicy
	// logger receives one record per attempt; nil writes nothing.
	logger *slog.Logger
	// userAgent is the User-Agent of every request.
	userAgent string
}

// NewCertClient returns a CertClient for server, an endpoint URL with
// scheme http or https, such as one from EndpointForRegion. A base path
// (https://host/prefix) is kept and the operation's path appended to it.
//
// Its defaults suit production:
//
//   - requests go through NewHTTPClient(Timeouts{}): a transport of its
//     own with dial, TLS-handshake and response-header timeouts, and 30 s
//     per attempt (WithTimeouts changes them);
//   - calls are retried by DefaultRetryPolicy, which sends again only what
//     cannot have reached SCM (WithRetryPolicy changes it, NoRetry turns
//     retries off);
//   - every request carries the User-Agent "cancelcert/<module version>
//     (Go)" (WithUserAgent adds a suffix);
//   - nothing is logged (WithLogger writes one record per attempt).
//
// The default HTTP client follows no redirect: a 3xx answer is returned as
// an *APIError with its status. Go's client would follow it and, while it
// drops Authorization on the way to another host, it forwards X-Auth-Token
// and X-Security-Token, handing the credentials to whatever host the
// redirect names. NOTE that a client given with WithHTTPClient replaces
// the default wholesale and is used as it is, timeouts and redirect
// policy included; WithTimeouts beside it makes NewCertClient fail, since
// the timeouts would apply to nothing.
//
// opts are any ClientOptions, such as WithAKSK, WithToken or
// WithCredentialsProvider, and the CertClient's own options, such as
// WithResponseLimit or WithRetryPolicy. An option that fails makes
// NewCertClient fail with its error.
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
	settings := certClientSettings{
		responseLimit: DefaultResponseLimit,
		retry:         DefaultRetryPolicy(),
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("scm: new cert client: nil option")
		}
		if err := opt.applyCertClient(&settings); err != nil {
			return nil, err // the option's error says which option failed
		}
	}
	userAgent, err := UserAgent(settings.userAgentSuffix)
	if err != nil {
		return nil, fmt.Errorf("scm: new cert client: %w", err)
	}
	// The default client comes before the caller's options, so that
	// WithHTTPClient replaces it.
	defaultHTTP := NewHTTPClient(settings.timeouts)
	api, err := NewClient(server, append([]ClientOption{WithHTTPClient(defaultHTTP)}, settings.clientOpts...)...)
	if err != nil {
		return nil, err // only options fail, and their errors say so
	}
	if settings.timeoutsSet && api.Client != HttpRequestDoer(defaultHTTP) {
		return nil, errors.New("scm: new cert client: WithTimeouts has no effect beside WithHTTPClient: set the timeouts on that client (see NewHTTPClient)")
	}
	return &CertClient{
		api:       api,
		limit:     settings.responseLimit,
		retry:     settings.retry.withDefaults(),
		logger:    settings.logger,
		userAgent: userAgent,
	}, nil
}

// refuseRedirect makes an http.Client return a 3xx response as it is
// instead of following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewCertClientFrom returns a CertClient that sends requests through api,
// such as a *Client or *ClientWithResponses built elsewhere, or a test
// double, with the defaults of NewCertClient that do not concern the
// transport: DefaultRetryPolicy, the User-Agent without suffix, no
// logging, and at most DefaultResponseLimit bytes read of each response.
// api must not be nil.
func NewCertClientFrom(api ClientInterface) *CertClient {
	ua, _ := UserAgent("") // an empty suffix is never refused
	return &CertClient{api: api, limit: DefaultResponseLimit, retry: DefaultRetryPolicy().withDefaults(), userAgent: ua}
}

// CancelCertificate cancels the application of the certificate certID in
// the project projectID (POST /v2/{project_id}/scm/cert/{cert_id}/cancel-cert)
// and returns the service's result on HTTP 200. Any other answer is an
// *APIError (see ParseCancelCertResult); a failure to send is returned
// wrapped.
//
// The call runs through the client's RetryPolicy: an answer or failure
// that cannot have reached SCM, such as a 429, is sent again after a wait,
// each attempt built and signed afresh (a new X-Sdk-Date). The error of a
// call that sent anything is an *AttemptsError telling how many attempts
// were made and why no further one was; errors.As finds the *APIError in
// it and errors.Is the classes (ErrThrottled, ErrWrongState ...). A
// request that could not be prepared (credentials that cannot be had, a
// signature refused) is not sent, nor retried.
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
	send := func(ctx context.Context, _ int) (*http.Response, error) {
		// finish runs after the client's own editors (signing among
		// them): reaching it means the request was handed to the
		// transport.
		prepared := false
		finish := func(_ context.Context, req *http.Request) error {
			req.Header.Set("User-Agent", c.userAgent) // not signed: only X- headers are
			prepared = true
			return nil
		}
		resp, err := c.api.CancelCert(ctx, projectID, certID, finish)
		if err != nil && !prepared {
			return nil, &notSentError{err: err}
		}
		return resp, err
	}
	var last Attempt
	observe := func(a Attempt) {
		last = a
		if c.logger != nil {
			LogAttempt(ctx, c.logger, opCancelCert, a, projectID, certID)
		}
	}
	resp, attempts, err := c.retry.Do(ctx, send, observe) //nolint:bodyclose // ParseCancelCertResult reads and closes the body
	if err != nil {
		var notSent *notSentError
		if errors.As(err, &notSent) {
			return nil, fmt.Errorf("scm: %s: %w", opCancelCert, notSent.err)
		}
		return nil, fmt.Errorf("scm: %s: %w", opCancelCert, err)
	}
	result, err := ParseCancelCertResult(resp, c.limit)
	if err != nil {
		return nil, &AttemptsError{Attempts: attempts, Stop: last.Stop, Err: err}
	}
	return result, nil
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
