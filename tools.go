//go:build tools

package cancelcert

// The generator is pinned through go.mod, so that `go generate` and the
// generated-code check run the same version everywhere.
import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
