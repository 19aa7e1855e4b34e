// Command changelog prints every change between two versions of the
// cancel-cert OpenAPI document, as oasdiff reports them, with the changes
// that break callers first.
//
// Usage, from the repository root:
//
//	go run ./openapi/internal/compat/changelog [base.yaml revision.yaml]
//
// Without arguments it compares the last release, the single
// openapi/released/scm-<version>.yaml, with openapi/scm.yaml. It exits 0 even
// when a change breaks callers: the test TestNoBreakingChanges is the check,
// this command is the report. Both rate changes the same way.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scmcontract/cancelcert/openapi"
	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "changelog:", err)
		os.Exit(1)
	}
}

// run prints the changelog between the specs named by args, or between the
// baseline and the current spec if args is empty.
func run(args []string, w io.Writer) error {
	var basePath, revisionPath string
	switch len(args) {
	case 0:
		path, _, err := compat.BaselineFile(filepath.Join("openapi", "released"))
		if err != nil {
			return err
		}
		basePath, revisionPath = path, filepath.Join("openapi", "scm.yaml")
	case 2:
		basePath, revisionPath = args[0], args[1]
	default:
		return errors.New("usage: changelog [base.yaml revision.yaml]")
	}

	base, err := loadFile(basePath)
	if err != nil {
		return err
	}
	revision, err := loadFile(revisionPath)
	if err != nil {
		return err
	}
	changes, err := compat.Compare(base, revision)
	if err != nil {
		return err
	}

	breaking := 0
	for _, c := range changes {
		if c.Breaking() {
			breaking++
		}
	}
	fmt.Fprintf(w, "Changes from %s (%s) to %s (%s): %d, %d breaking\n",
		base.Info.Version, basePath, revision.Info.Version, revisionPath, len(changes), breaking)
	for _, c := range changes {
		fmt.Fprintf(w, "  - %s\n", c)
	}
	return nil
}

func loadFile(path string) (*openapi3.T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	doc, err := openapi.LoadData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}
