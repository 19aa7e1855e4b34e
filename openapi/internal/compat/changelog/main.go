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
	switch len(args) {
	case 0:
		path, _, err := compat.BaselineFile(compat.ReleasedDir)
		if err != nil {
			return err
		}
		return compat.WriteChangelog(w, path, compat.SpecPath)
	case 2:
		return compat.WriteChangelog(w, args[0], args[1])
	default:
		return errors.New("usage: changelog [base.yaml revision.yaml]")
	}
}
