// Package scm is a Go client for one operation of Huawei Cloud SSL
// Certificate Manager (SCM): cancelling a certificate application,
// POST /v2/{project_id}/scm/cert/{cert_id}/cancel-cert. Import it as
//
//	import "github.com/scmcontract/cancelcert/gen/scm"
//
// # CertClient
//
// NewCertClient builds a CertClient for an endpoint; its
// CancelCertificate returns the service's *CancelCertResult or an error.
// By default it retries what cannot have reached SCM (RetryPolicy), bounds
// each attempt with timeouts (NewHTTPClient) and sends a User-Agent
// (UserAgent). Options configure it: WithAKSK, WithToken or
// WithCredentialsProvider for credentials, WithRetryPolicy (NoRetry turns
// retries off), WithTimeouts, WithLogger (one record per attempt, see
// LogAttempt), WithUserAgent, WithHTTPClient for the transport and
// WithResponseLimit for the largest body read (see CertClientOption). The
// error of a call that sent anything is an *AttemptsError telling how many
// attempts were made.
//
// # Signing
//
// WithAKSK signs each request with SDK-HMAC-SHA256 as it is sent. Sign
// signs any *http.Request at a given time; VerifySignature checks a
// signature on the server side, as the mock does.
//
// # Credentials
//
// Credentials hold an AK, SK, optional security token and project ID;
// CredentialsFromEnv reads them from the official SDK's variables
// (HUAWEICLOUD_SDK_AK ...). DefaultCredentialsChain looks in the
// environment, the profile file and the ECS metadata service, and
// refreshes temporary credentials before they expire. Secrets are Secret
// values, which never print.
//
// # Endpoints
//
// EndpointForRegion gives the endpoint of a region listed by Regions; any
// endpoint URL, with or without a base path, may be given directly.
//
// # Errors
//
// Every answer but a well-formed HTTP 200 is an *APIError with the status,
// error_code, error_msg and request ID; errors.Is matches it against
// ErrNotFound, ErrWrongState, ErrAuth, ErrForbidden, ErrThrottled and
// ErrMalformedResponse. IDs refused before sending wrap ErrInvalidID. The
// errors of the hand-written functions start with "scm: ";
// CheckContentType, ParseContentType, UnmarshalJSON and DecodeJSON return
// reasons that other messages quote.
//
// # The generated client, for full control
//
// Client, ClientWithResponses, the models and ParseCancelCertResponse are
// generated from the OpenAPI document by oapi-codegen (scm.gen.go). Unlike
// ParseCancelCertResult, which CertClient uses, ParseCancelCertResponse
// returns nil fields and no error for a status the document does not
// list.
package scm
