package compat

import (
	"fmt"
	"io"
	"os"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scmcontract/cancelcert/openapi"
)

// Where the spec and its last release live, relative to the repository
// root: the defaults of the changelog command and of TestNoBreakingChanges.
const (
	// SpecPath is the spec being edited.
	SpecPath = "openapi/scm.yaml"
	// ReleasedDir holds the last release, as scm-<version>.yaml.
	ReleasedDir = "openapi/released"
)

// BreakingError is the error of CheckRelease when the spec breaks callers of
// the last release. Its message lists the changes and the steps that release
// an intended break.
type BreakingError struct {
	// Changes are the changes that break callers, errors first.
	Changes []Change
	// SpecPath and BaselinePath are the files compared.
	SpecPath, BaselinePath string
	// Version is the release in BaselinePath.
	Version string
}

// Error returns the message of Explain.
func (e *BreakingError) Error() string {
	return Explain(e.Changes, e.SpecPath, e.BaselinePath, e.Version)
}

// CheckRelease checks the spec at specPath against the last release, the
// single scm-<version>.yaml in releasedDir: the release must hold the version
// its name gives, and the spec must not break its callers. A spec that does
// yields a *BreakingError.
func CheckRelease(specPath, releasedDir string) error {
	baselinePath, version, err := BaselineFile(releasedDir)
	if err != nil {
		return err
	}
	released, err := LoadFile(baselinePath)
	if err != nil {
		return err
	}
	if released.Info.Version != version {
		return fmt.Errorf("check release: %s holds info.version %s, not the %s its name says", baselinePath, released.Info.Version, version)
	}
	current, err := LoadFile(specPath)
	if err != nil {
		return err
	}
	changes, err := Breaking(released, current)
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		return &BreakingError{Changes: changes, SpecPath: specPath, BaselinePath: baselinePath, Version: version}
	}
	return nil
}

// WriteChangelog writes to w every change from the spec at basePath to the
// one at revisionPath, as Compare finds them: a line that counts them, then
// one line per change, breaking changes first.
func WriteChangelog(w io.Writer, basePath, revisionPath string) error {
	base, err := LoadFile(basePath)
	if err != nil {
		return err
	}
	revision, err := LoadFile(revisionPath)
	if err != nil {
		return err
	}
	changes, err := Compare(base, revision)
	if err != nil {
		return err
	}

	breaking := 0
	for _, c := range changes {
		if c.Breaking() {
			breaking++
		}
	}
	if _, err := fmt.Fprintf(w, "Changes from %s (%s) to %s (%s): %d, %d breaking\n",
		base.Info.Version, basePath, revision.Info.Version, revisionPath, len(changes), breaking); err != nil {
		return fmt.Errorf("write changelog: %w", err)
	}
	for _, c := range changes {
		if _, err := fmt.Fprintf(w, "  - %s\n", c); err != nil {
			return fmt.Errorf("write changelog: %w", err)
		}
	}
	return nil
}

// LoadFile reads the OpenAPI document at path and loads it with the checks of
// openapi.LoadData.
func LoadFile(path string) (*openapi3.T, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: reading the spec the caller names is what LoadFile is for
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	doc, err := openapi.LoadData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}
