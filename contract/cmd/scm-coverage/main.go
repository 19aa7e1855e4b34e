// Command scm-coverage prints the coverage report of the spec by the
// recordings: for each documented response, the recordings that exercise it
// by source, valid and invalid; the statements the spec marks as inferred,
// and whether a live recording confirms them; the drift live recordings
// show. Run it from the repository root (make coverage):
//
//	go run ./contract/cmd/scm-coverage                      # Markdown
//	go run ./contract/cmd/scm-coverage -format json         # JSON, for tools
//	go run ./contract/cmd/scm-coverage -strict              # fail on a documented status without a valid recording
//	go run ./contract/cmd/scm-coverage -baseline DIR        # mark drift that DIR's live recordings do not show as new
//
// It exits 1 when -strict finds a documented status that no valid recording
// reaches, 2 on bad flags or unreadable input. Drift never makes it fail.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/contract/internal/coverage"
	"github.com/scmcontract/cancelcert/openapi"
)

// errGaps is the error of a -strict run that finds gaps.
var errGaps = errors.New("strict")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.Is(err, errGaps):
		fmt.Fprintln(os.Stderr, "scm-coverage:", err)
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "scm-coverage:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scm-coverage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("recordings", "contract/testdata/recordings", "the `folder` of recordings")
	spec := fs.String("spec", "", "the OpenAPI `file` to report on (default: the embedded openapi/scm.yaml)")
	format := fs.String("format", "markdown", "markdown or json")
	level := fs.Int("level", 2, "heading `level` of the Markdown title")
	strict := fs.Bool("strict", false, "exit 1 when a documented status has no valid recording")
	baseline := fs.String("baseline", "", "a `folder` of recordings, such as the committed ones before a live run: drift its live recordings do not show is marked new")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *format != "markdown" && *format != "json" {
		return fmt.Errorf("-format %q: want markdown or json", *format)
	}

	doc, err := loadSpec(*spec)
	if err != nil {
		return err
	}
	recs, err := contract.ReadRecordings(*dir)
	if err != nil {
		return err
	}
	var opts coverage.Options
	if *baseline != "" {
		if opts.Baseline, err = contract.ReadRecordings(*baseline); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	report, err := coverage.Build(doc, recs, opts)
	if err != nil {
		return err
	}

	var out []byte
	if *format == "json" {
		if out, err = report.JSON(); err != nil {
			return err
		}
	} else {
		out = report.Markdown(*level)
	}
	if _, err := stdout.Write(out); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if gaps := report.Gaps(); *strict && len(gaps) > 0 {
		return fmt.Errorf("%w: documented statuses without a valid recording: %s", errGaps, strings.Join(gaps, ", "))
	}
	return nil
}

func loadSpec(path string) (*openapi3.T, error) {
	if path == "" {
		return openapi.Load()
	}
	data, err := os.ReadFile(path) //nolint:gosec // G304: the file named on the command line by the user running it
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return openapi.LoadData(data)
}
