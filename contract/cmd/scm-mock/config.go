package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/scmcontract/cancelcert/contract"
)

// filesUsage documents the -certs and -script formats in -h and the README.
const filesUsage = `-certs FILE seeds certificates; the mock is then stateful (inferred model:
CHECKING and CHECKING_ORG can be cancelled once and move to CANCELCHECKING,
any other status answers 400 SCM.0010, an unknown certificate 400 SCM.0020,
another project's 400 SCM.0003):

  - {project_id: 77b6a44cba5143ab91d13ab9a8ff44fd, cert_id: scs1481110651012, status: CHECKING}
  - {project_id: 77b6a44cba5143ab91d13ab9a8ff44fd, cert_id: scs1481110651013, status: ISSUED}

-script FILE queues answers, taken in order by the valid, authenticated
requests for cert_id (for any request without cert_id), before the
statuses and Prefer are looked at. Each answer is a documented status
(with code, message, and retry_after for 429), a fault (reset-connection,
close-mid-body, malformed-body: contract broken on purpose), or neither
(the usual answer); delay makes any of them late:

  - cert_id: scs1481110651012
    answers:
      - {status: 429, retry_after: 2s}      # 429 APIG.0308, Retry-After: 2
      - {status: 400, code: SCM.0010}
      - {fault: reset-connection}
      - {delay: 3s}                         # the usual answer, 3 s late
  - answers:                                # any other certificate
      - {status: 500, delay: 1s}
`

// certEntry is one entry of a -certs file.
type certEntry struct {
	ProjectID string `yaml:"project_id"`
	CertID    string `yaml:"cert_id"`
	Status    string `yaml:"status"`
}

// scriptEntry is one entry of a -script file: answers for a certificate,
// or for every request when cert_id is left out.
type scriptEntry struct {
	CertID  string       `yaml:"cert_id"`
	Answers []answerSpec `yaml:"answers"`
}

// answerSpec is one scripted answer: a documented status (with code,
// message and, for 429, retry_after), a fault, or neither (the usual
// answer); delay makes any of them late.
type answerSpec struct {
	Status     int           `yaml:"status"`
	Code       string        `yaml:"code"`
	Message    string        `yaml:"message"`
	RetryAfter time.Duration `yaml:"retry_after"`
	Delay      time.Duration `yaml:"delay"`
	Fault      string        `yaml:"fault"`
}

// decodeYAML reads one YAML (or JSON) document into v, refusing unknown
// fields and anything after the document.
func decodeYAML(r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return err
	}
	if len(data) > 1<<20 {
		return errors.New("over 1 MiB")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty document")
		}
		return err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("more than one document")
	}
	return nil
}

// readFile decodes the YAML file at path with parse.
func readFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the path is the operator's own -certs or -script flag, read with the operator's rights
	if err != nil {
		var zero T
		return zero, err
	}
	defer func() { _ = f.Close() }() // read only: closing cannot lose data
	v, err := parse(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// certs is a parsed -certs file.
type certs []certEntry

// parseCerts reads a list of certificates (the -certs format) and checks
// each entry.
func parseCerts(r io.Reader) (certs, error) {
	var entries certs
	if err := decodeYAML(r, &entries); err != nil {
		return nil, fmt.Errorf("read certificates: %w", err)
	}
	for i, e := range entries {
		switch {
		case e.ProjectID == "" || e.CertID == "":
			return nil, fmt.Errorf("certificate %d: project_id and cert_id are required", i+1)
		case !slices.Contains(contract.CertificateStatuses(), e.Status):
			return nil, fmt.Errorf("certificate %d (%s): unknown status %q (known: %s)", i+1, e.CertID, e.Status,
				strings.Join(contract.CertificateStatuses(), ", "))
		}
	}
	return entries, nil
}

// options seeds a mock with the certificates.
func (c certs) options() []contract.MockOption {
	opts := make([]contract.MockOption, len(c))
	for i, e := range c {
		opts[i] = contract.WithCertificate(e.ProjectID, e.CertID, e.Status)
	}
	return opts
}

// script is a parsed -script file.
type script []scriptEntry

// parseScript reads a list of scripts (the -script format).
func parseScript(r io.Reader) (script, error) {
	var s script
	if err := decodeYAML(r, &s); err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	return s, nil
}

// apply checks every answer and queues them on m: all of them, or, when
// one is refused, none.
func (s script) apply(m *contract.Mock) error {
	if len(s) == 0 {
		return nil
	}
	type queued struct {
		cert    string
		answers []contract.Answer
	}
	var all []queued
	for i, e := range s {
		if len(e.Answers) == 0 {
			return fmt.Errorf("script entry %d: no answers", i+1)
		}
		q := queued{cert: e.CertID}
		for j, spec := range e.Answers {
			a, err := spec.answer()
			if err != nil {
				return fmt.Errorf("script entry %d, answer %d: %w", i+1, j+1, err)
			}
			q.answers = append(q.answers, a)
		}
		all = append(all, q)
	}
	// Check against the spec on a scratch mock first, so that nothing is
	// queued when an answer is refused.
	scratch, err := contract.NewMock()
	if err != nil {
		return err
	}
	for pass, target := range []*contract.Mock{scratch, m} {
		for i, q := range all {
			var err error
			if q.cert == "" {
				err = target.ScriptAll(q.answers...)
			} else {
				err = target.Script(q.cert, q.answers...)
			}
			if err != nil {
				if pass == 1 {
					return fmt.Errorf("script entry %d (queued in part): %w", i+1, err)
				}
				return fmt.Errorf("script entry %d: %w", i+1, err)
			}
		}
	}
	return nil
}

// answer turns a spec into a contract.Answer.
func (a answerSpec) answer() (contract.Answer, error) {
	var ans contract.Answer
	switch {
	case a.Fault != "":
		if a.Status != 0 || a.Code != "" || a.Message != "" || a.RetryAfter != 0 {
			return ans, errors.New("a fault takes no status, code, message or retry_after")
		}
		switch contract.Fault(a.Fault) {
		case contract.FaultResetConnection:
			ans = contract.ResetConnection()
		case contract.FaultCloseMidBody:
			ans = contract.CloseMidBody()
		case contract.FaultMalformedBody:
			ans = contract.MalformedBody()
		default:
			return ans, fmt.Errorf("unknown fault %q (known: %v)", a.Fault, contract.Faults())
		}
	case a.Status != 0:
		switch {
		case a.RetryAfter < 0:
			return ans, errors.New("negative retry_after")
		case a.RetryAfter > 0 && a.Status != 429:
			return ans, fmt.Errorf("retry_after goes with status 429, not %d", a.Status)
		case a.RetryAfter > 0 && a.Code != "" && a.Code != "APIG.0308":
			return ans, fmt.Errorf("retry_after goes with the code APIG.0308, not %s", a.Code)
		case a.RetryAfter > 0:
			ans = contract.Throttle(a.RetryAfter)
		default:
			ans = contract.Respond(a.Status, a.Code)
		}
		if a.Message != "" {
			ans = ans.WithMessage(a.Message)
		}
	default:
		if a.Code != "" || a.Message != "" || a.RetryAfter != 0 {
			return ans, errors.New("code, message and retry_after need a status")
		}
		return contract.Delay(a.Delay), nil
	}
	if a.Delay != 0 {
		ans = ans.After(a.Delay)
	}
	return ans, nil
}
