package compat_test

import (
	"fmt"
	"net/http"

	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

// A maintainer drops the documented 404 response of release 1.0.0 (kept in
// testdata). TestNoBreakingChanges fails with this message.
func ExampleExplain() {
	base, err := compat.LoadFile("testdata/scm.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	revision, err := compat.LoadFile("testdata/scm.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	revision.Paths.Value("/v2/{project_id}/scm/cert/{cert_id}/cancel-cert").GetOperation(http.MethodPost).Responses.Delete("404")

	changes, err := compat.Breaking(base, revision)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(compat.Explain(changes, "openapi/scm.yaml", "openapi/released/scm-1.0.0.yaml", "1.0.0"))
	// Output:
	// openapi/scm.yaml breaks callers of release 1.0.0 (openapi/released/scm-1.0.0.yaml) with 1 change(s):
	//   - error [response-non-success-status-removed] POST /v2/{project_id}/scm/cert/{cert_id}/cancel-cert: removed the non-success response with the status `404`
	// Undo the change, or, if the break is intended, release it as 2.0.0: set info.version in openapi/scm.yaml to 2.0.0, copy openapi/scm.yaml to openapi/released/scm-2.0.0.yaml, delete openapi/released/scm-1.0.0.yaml and run `go generate ./...`.
}
