package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

// TestReleaseProcedure walks the release procedure of the README on a copy
// of the repository's spec files, from the repository root as a maintainer
// runs it: an intended breaking change fails the breaking-change check
// (TestNoBreakingChanges runs compat.CheckRelease on the same paths); the
// steps its message gives (a new major version, a new baseline in place of
// the old one) are followed; then the check passes and the changelog
// command, without arguments, reports no change since the new release.
func TestReleaseProcedure(t *testing.T) {
	release, err := os.ReadFile(fixture)
	require.NoError(t, err)
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, compat.ReleasedDir), 0o750))
	write(t, filepath.Join(root, compat.SpecPath), string(release))
	write(t, filepath.Join(root, compat.ReleasedDir, "scm-1.0.0.yaml"), string(release))
	t.Chdir(root)
	require.NoError(t, compat.CheckRelease(compat.SpecPath, compat.ReleasedDir), "the suite is green before the change")

	// The intended breaking change: message becomes optional in a 200.
	write(t, compat.SpecPath, withoutRequiredMessage(t, compat.SpecPath))
	err = compat.CheckRelease(compat.SpecPath, compat.ReleasedDir)
	var be *compat.BreakingError
	require.True(t, errors.As(err, &be), "the breaking-change check fails: %v", err)
	require.Len(t, be.Changes, 1)
	require.Equal(t, "response-property-became-optional", be.Changes[0].ID)
	require.Contains(t, changelog(t), "(openapi/scm.yaml): 2, 1 breaking\n")

	// The steps, exactly as the check's message gives them.
	steps := regexp.MustCompile("release it as (\\S+): set info.version in (\\S+) to (\\S+), copy (\\S+) to (\\S+), delete (\\S+) and run `go generate ./...`.$").
		FindStringSubmatch(err.Error())
	require.NotNil(t, steps, "the message gives the release steps: %v", err)
	next, specPath, version, from, to, old := steps[1], steps[2], steps[3], steps[4], steps[5], steps[6]
	require.Equal(t, "2.0.0", next, "a new major version")
	require.Equal(t, next, version)
	require.Equal(t, compat.SpecPath, specPath)
	require.Equal(t, filepath.Join(compat.ReleasedDir, "scm-2.0.0.yaml"), to)
	require.Equal(t, filepath.Join(compat.ReleasedDir, "scm-1.0.0.yaml"), old)

	// 1. set info.version to the new major version;
	spec, err := os.ReadFile(specPath)
	require.NoError(t, err)
	bumped := strings.Replace(string(spec), "\n  version: 1.0.0\n", "\n  version: "+version+"\n", 1)
	require.NotEqual(t, string(spec), bumped, "the version must be set")
	write(t, specPath, bumped)
	// 2. copy the spec as the new baseline and delete the old one. (Step 3,
	// go generate, has nothing to do here: the copy holds no generated code.)
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	write(t, to, string(data))
	require.NoError(t, os.Remove(old))

	require.NoError(t, compat.CheckRelease(compat.SpecPath, compat.ReleasedDir), "the breaking-change check passes after the release")
	require.Equal(t, "Changes from 2.0.0 (openapi/released/scm-2.0.0.yaml) to 2.0.0 (openapi/scm.yaml): 0, 0 breaking\n", changelog(t),
		"the changelog starts afresh from the new release")

	// A later compatible edit is listed, and still passes the check.
	write(t, compat.SpecPath, strings.Replace(bumped, "\n  version: 2.0.0\n", "\n  version: 2.1.0\n", 1))
	require.NoError(t, compat.CheckRelease(compat.SpecPath, compat.ReleasedDir))
	require.Contains(t, changelog(t), "Changes from 2.0.0 (openapi/released/scm-2.0.0.yaml) to 2.1.0 (openapi/scm.yaml)")
}

// changelog returns what the changelog command prints without arguments.
func changelog(t testing.TB) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(nil, &out))
	return out.String()
}

func write(t testing.TB, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}
