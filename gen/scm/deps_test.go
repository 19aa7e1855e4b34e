package scm_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestClientDependencies keeps the client light: a program that imports
// package scm builds only the standard library and oapi-codegen's runtime
// (with what the runtime itself needs), never kin-openapi or testify.
func TestClientDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/getkin/", "github.com/stretchr/", "github.com/scmcontract/cancelcert/contract", "github.com/scmcontract/cancelcert/openapi"} {
			require.False(t, strings.HasPrefix(pkg, banned), "package scm pulls in %s", pkg)
		}
	}
	require.Contains(t, strings.Fields(string(out)), "github.com/oapi-codegen/runtime")
}
