package openapi_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi"
	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

// TestNoBreakingChanges fails when openapi/scm.yaml breaks callers of the
// last release, kept in openapi/released/scm-<version>.yaml. Its message
// names each breaking change and the steps that release an intended one;
// the package documentation of openapi/internal/compat has the details.
func TestNoBreakingChanges(t *testing.T) {
	baselinePath, version := baseline(t)
	data, err := os.ReadFile(baselinePath)
	require.NoError(t, err)
	released, err := openapi.LoadData(data)
	require.NoError(t, err, "the baseline %s must load", baselinePath)
	current, err := openapi.Load()
	require.NoError(t, err)

	changes, err := compat.Breaking(released, current)
	require.NoError(t, err)
	if len(changes) > 0 {
		t.Fatal(compat.Explain(changes, "openapi/scm.yaml", filepath.Join("openapi", baselinePath), version))
	}
}

// TestBaselineIsNamedAfterItsVersion keeps the baseline's file name and its
// info.version in step, so that the name says which release it is.
func TestBaselineIsNamedAfterItsVersion(t *testing.T) {
	baselinePath, version := baseline(t)
	data, err := os.ReadFile(baselinePath)
	require.NoError(t, err)
	released, err := openapi.LoadData(data)
	require.NoError(t, err)
	require.Equal(t, version, released.Info.Version, "%s must hold release %s", baselinePath, version)
}

// baseline returns the path of the last released spec, relative to this
// package, and its version.
func baseline(t testing.TB) (path, version string) {
	t.Helper()
	path, version, err := compat.BaselineFile("released")
	require.NoError(t, err)
	return path, version
}
