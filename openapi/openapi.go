// Package openapi holds the hand-written OpenAPI document of the SCM
// cancel-cert operation (scm.yaml, embedded in the binary) and loads it with
// kin-openapi.
//
// The document is the single source of truth of the module: the generated
// client in gen/scm, the generated server interface in
// contract/internal/server, the validator and the mock server in contract
// all come from it.
package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// specYAML is the OpenAPI document, byte for byte as committed.
//
//go:embed scm.yaml
var specYAML []byte

// YAML returns a copy of the embedded OpenAPI document as written.
func YAML() []byte {
	return append([]byte(nil), specYAML...)
}

// Load parses the embedded OpenAPI document and validates it, examples
// included, so that a spec whose examples contradict its own schemas does not
// load. Every call returns a fresh document that the caller may change.
func Load() (*openapi3.T, error) {
	return LoadData(specYAML)
}

// LoadData parses and validates an OpenAPI document given as YAML or JSON,
// with the same checks as Load. It is useful to check an edited copy of the
// spec before committing it.
func LoadData(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate spec: %w", err)
	}
	return doc, nil
}
