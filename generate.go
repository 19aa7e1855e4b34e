// Package cancelcert is a contract kit for the cancel-cert operation of
// Huawei Cloud SSL Certificate Manager (SCM),
// POST /v2/{project_id}/scm/cert/{cert_id}/cancel-cert.
//
// The hand-written OpenAPI document in openapi/scm.yaml is the single source
// of truth. From it come the Go client in gen/scm, the server interface the
// mock implements in contract/internal/server (run `go generate ./...` from
// the repository root after changing the spec) and the validator,
// recordings and mock server of the contract suite in contract.
package cancelcert

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config gen/scm/cfg.yaml openapi/scm.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config contract/internal/server/cfg.yaml openapi/scm.yaml
