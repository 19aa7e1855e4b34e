package compat

import "github.com/oasdiff/oasdiff/checker"

// raisedLevels returns the oasdiff checks that this kit rates higher than
// oasdiff does, each raised to an error.
//
// oasdiff rates these changes "info" because a generic HTTP client copes
// with them. The client generated in gen/scm does not: each one removes or
// renames a Go identifier, so code that uses it stops compiling.
func raisedLevels() map[string]checker.Level {
	return map[string]checker.Level{
		// The client has a typed field and getter per documented status
		// (CancelCertResponse.JSON404, GetJSON404, CancelCertResponse404Headers);
		// at run time the body would also fall through to the untyped default.
		checker.ResponseNonSuccessStatusRemovedId: checker.ERR,
		// Each response property is a field of a generated struct, such as
		// ErrorBody.RequestId.
		checker.ResponseOptionalPropertyRemovedId: checker.ERR,
		// Each documented response header is a field of the generated
		// per-status header struct, such as CancelCertResponse200Headers.XRequestId.
		checker.OptionalResponseHeaderRemovedId: checker.ERR,
		// The operationId names the client's methods (CancelCert,
		// CancelCertWithResponse) and types (CancelCertResponse).
		checker.APIOperationIdRemovedId: checker.ERR,
		// Component schema names are the Go types CancelCertResult and ErrorBody.
		checker.APISchemasRemovedId: checker.ERR,
	}
}
