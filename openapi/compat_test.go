package openapi_test

import (
	"os"
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
	t.Chdir("..") // the repository root, so that the message names the files as maintainers see them
	if err := compat.CheckRelease(compat.SpecPath, compat.ReleasedDir); err != nil {
		t.Fatal(err)
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
