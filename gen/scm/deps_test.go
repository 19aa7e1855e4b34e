package scm_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goListDeps returns the packages outside the standard library that the
// given packages build, themselves included.
func goListDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)
	out, err := exec.CommandContext(t.Context(), "go", args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.Fields(string(out))
}

// TestClientDependencies keeps the client light: a program that imports
// package scm builds only the standard library, oapi-codegen's runtime
// (with what the runtime itself needs) and github.com/go-json-experiment/json,
// which holds the JSON rules every judge shares (see jsonbody.go); never
// kin-openapi, testify or another package of this module.
func TestClientDependencies(t *testing.T) {
	deps := goListDeps(t, ".")
	for _, pkg := range deps {
		for _, banned := range []string{"github.com/getkin/", "github.com/stretchr/", "github.com/scmcontract/cancelcert/contract", "github.com/scmcontract/cancelcert/openapi"} {
			require.False(t, strings.HasPrefix(pkg, banned), "package scm pulls in %s", pkg)
		}
	}
	require.Contains(t, deps, "github.com/oapi-codegen/runtime")
	require.Contains(t, deps, "github.com/go-json-experiment/json")

	allowed := map[string]bool{"github.com/scmcontract/cancelcert/gen/scm": true}
	for _, pkg := range goListDeps(t, "github.com/oapi-codegen/runtime") {
		allowed[pkg] = true
	}
	for _, pkg := range deps {
		jsonV2 := pkg == "github.com/go-json-experiment/json" || strings.HasPrefix(pkg, "github.com/go-json-experiment/json/")
		require.True(t, allowed[pkg] || jsonV2,
			"package scm pulls in %s: only the standard library, github.com/oapi-codegen/runtime and github.com/go-json-experiment/json are allowed", pkg)
	}
}
