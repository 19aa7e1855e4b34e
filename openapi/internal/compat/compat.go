// Package compat compares two versions of the OpenAPI document with oasdiff
// (github.com/oasdiff/oasdiff) and reports the changes that break callers of
// the cancel-cert operation.
//
// It backs two things: the test TestNoBreakingChanges in package openapi,
// which fails when openapi/scm.yaml breaks callers of the last release
// (CheckRelease), and the command in ./changelog, which prints every change
// since that release (WriteChangelog).
// The package is internal so that oasdiff stays a test and tooling
// dependency: neither the client in gen/scm nor package openapi imports it.
//
// # The baseline
//
// The last released spec is kept, unchanged, as
// openapi/released/scm-<version>.yaml, where <version> is its info.version.
// The folder holds exactly one file; older releases are in the Git history.
//
// # Making a release
//
// To release the spec, whether or not it breaks callers:
//
//  1. set info.version in openapi/scm.yaml to the new version: a new major
//     version (1.0.0 to 2.0.0) when TestNoBreakingChanges reports a breaking
//     change that is intended, a new minor or patch version otherwise;
//  2. copy openapi/scm.yaml to openapi/released/scm-<new version>.yaml;
//  3. delete the previous openapi/released/scm-<old version>.yaml;
//  4. run `go generate ./...` and `go test ./...` and commit the lot together,
//     so that the release, its baseline and the generated client agree.
//
// From then on the new release is the baseline. There is no list of accepted
// breaking changes to keep: a breaking change is accepted by releasing it.
// TestReleaseProcedure, in ./changelog, walks these steps on a copy.
//
// The package's own tests, and the command's, edit testdata/scm.yaml, a
// frozen copy of release 1.0.0, never openapi/scm.yaml: editing or
// releasing the spec does not change what they test.
//
// # What breaks callers
//
// A change breaks callers when oasdiff rates it a warning or an error, at the
// levels of its checks as shipped, except for the checks that the generated
// Go client raises to an error (see policy.go): removing a documented error
// status, an optional response property or a response header, renaming the
// operationId or a component schema. Each of those removes or renames a Go
// identifier of gen/scm that callers may use. A renamed path parameter,
// which oasdiff does not report, is an error too (see params.go).
package compat

import (
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Change is one difference between two versions of the document, as an
// oasdiff check reports it.
type Change struct {
	// ID names the oasdiff check that found the change, such as
	// "response-property-became-optional". The checks are listed at
	// https://github.com/oasdiff/oasdiff/blob/main/docs/BREAKING-CHANGES.md.
	ID string
	// Level is "error" or "warning" for a change that breaks callers, "info"
	// otherwise.
	Level string
	// Where is the operation ("POST /v2/{project_id}/...") or the part of
	// the document ("info", "components", "security") that changed.
	Where string
	// Text says what changed, in English: for example "removed the
	// non-success response with the status `404`".
	Text string
}

// Breaking reports whether the change breaks callers.
func (c Change) Breaking() bool {
	return c.Level != checker.INFO.String()
}

// String returns the change on one line: level, check, where, what.
func (c Change) String() string {
	return fmt.Sprintf("%s [%s] %s: %s", c.Level, c.ID, c.Where, c.Text)
}

// Compare returns every change from base to revision that oasdiff reports,
// breaking changes first. Both documents must be loaded with their
// references resolved, as openapi.Load and openapi.LoadData do; Compare does
// not change them. A revision with only editorial changes (descriptions,
// examples) yields no change.
func Compare(base, revision *openapi3.T) ([]Change, error) {
	s1 := specInfo(base, "base")
	s2 := specInfo(revision, "revision")
	report, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	if err != nil {
		return nil, fmt.Errorf("compare specs: %w", err)
	}

	cfg := checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(raisedLevels()))
	found := checker.CheckBackwardCompatibilityUntilLevel(cfg, report, sources, checker.INFO)

	l := checker.NewDefaultLocalizer()
	changes := renamedPathParameters(base, revision)
	for _, c := range found {
		changes = append(changes, Change{
			ID:    c.GetId(),
			Level: c.GetLevel().String(),
			Where: where(c),
			Text:  c.GetUncolorizedText(l),
		})
	}
	slices.SortStableFunc(changes, func(a, b Change) int { return levelRank(b.Level) - levelRank(a.Level) })
	return changes, nil
}

// Breaking returns the changes from base to revision that break callers,
// as Compare finds them. An empty result means that every client built
// against base still works against revision.
func Breaking(base, revision *openapi3.T) ([]Change, error) {
	changes, err := Compare(base, revision)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(changes, func(c Change) bool { return !c.Breaking() }), nil
}

// levelRank orders levels for sorting: errors first, then warnings, then
// the rest.
func levelRank(level string) int {
	switch level {
	case checker.ERR.String():
		return 2
	case checker.WARN.String():
		return 1
	}
	return 0
}

// specInfo wraps a loaded document the way oasdiff's loader would.
func specInfo(doc *openapi3.T, name string) *load.SpecInfo {
	version := ""
	if doc.Info != nil {
		version = doc.Info.Version
	}
	return &load.SpecInfo{Url: name, Spec: doc, Version: version}
}

// where names the operation a change is in or, failing that, the section of
// the document.
func where(c checker.Change) string {
	if c.GetOperation() != "" {
		return c.GetOperation() + " " + c.GetPath()
	}
	return c.GetSection()
}
