package contract

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Recorder is a Hook that writes every exchange a Transport hands it to
// Dir as a recording with provenance "live", the date and the endpoint,
// after redaction. Add it to the hooks of the Transport of any client:
//
//	red, err := contract.NewRedactor(projectID, contract.NamedSecret{Name: "SK", Value: sk})
//	rec := &contract.Recorder{Dir: "testdata/recordings", Endpoint: endpoint, Redactor: red}
//	tr := contract.NewValidatingTransport(v, http.DefaultTransport, contract.ReportTo(t), rec)
//
// Each recording is marked valid or invalid, with the first problem found,
// by the Transport's verdict, and carries the verdict's drift notes in
// Notes: the exchange is not validated again. Under a
// Transport without a Validator (NewTransport), the Recorder validates what
// it records with the embedded spec; a recording is never marked valid
// unchecked.
//
// Redaction happens before anything is written: the credential headers
// (see IsCredentialHeader) read "REDACTED", URL userinfo is dropped, and
// the Redactor replaces every secret by "REDACTED" and the project ID by
// ProjectIDPlaceholder in every field, in every form it knows (see
// Redactor). The recording as it would be written is then searched once
// more, and one that still holds a secret is refused, naming the secret
// but not showing it. The request ID and the bodies are otherwise kept
// byte for byte.
//
// A recording is named live-<status>: its name never carries response
// content, which could hold a secret, and recording an exchange with the
// same status again replaces the file instead of adding a duplicate.
// Files are written atomically (see WriteRecording).
//
// NOTE that the Recorder does not sign or authenticate: put its Transport
// between the client and the network, under the signing layer, so that it
// sees the request as sent.
type Recorder struct {
	// Dir receives the recordings. Required.
	Dir string
	// Endpoint is the service endpoint named in each recording's provenance.
	// Required.
	Endpoint string
	// Redactor removes the secrets and the project ID. Required: build it
	// with NewRedactor (LiveConfig.Redactor does for a live run).
	Redactor *Redactor
	// Now gives the recording date; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	written []string
}

// Written returns the names of the recordings written so far.
func (r *Recorder) Written() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.written...)
}

// checkConfig refuses a Recorder missing a required field, so that a
// Transport fails before sending anything.
func (r *Recorder) checkConfig() error {
	if r.Dir == "" || r.Endpoint == "" || r.Redactor == nil {
		return errors.New("record exchange: Dir, Endpoint and Redactor are required")
	}
	return nil
}

// HandleExchange writes the exchange as a recording marked by verdict. A
// failure to write is returned, so that the Transport fails the call and
// no exchange is lost unnoticed.
func (r *Recorder) HandleExchange(ex *Exchange, verdict Verdict) error {
	if err := r.checkConfig(); err != nil {
		return err
	}
	rec, err := r.recording(ex, verdict)
	if err != nil {
		return fmt.Errorf("record exchange: %w", err)
	}
	if err := WriteRecording(r.Dir, rec); err != nil {
		return fmt.Errorf("record exchange: %w", err)
	}
	r.mu.Lock()
	r.written = append(r.written, rec.Name)
	r.mu.Unlock()
	return nil
}

func (r *Recorder) recording(ex *Exchange, verdict Verdict) (*Recording, error) {
	req := ex.Request
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	if !verdict.Validated {
		v, err := defaultValidator()
		if err != nil {
			return nil, fmt.Errorf("mark the recording: %w", err)
		}
		notes, err := v.ValidateWithNotes(req.Context(), ex)
		verdict = Verdict{Validated: true, Err: err, Notes: notes}
	}
	expect := Expectation{Valid: true}
	var ve *ValidationError
	switch err := verdict.Err; {
	case errors.As(err, &ve):
		p := ve.Problems[0]
		expect = Expectation{Reason: "the service broke the contract when this was recorded: " + p.String(), Kind: p.Kind, Contains: p.Message}
	case err != nil:
		return nil, fmt.Errorf("mark the recording: %w", err)
	}
	rec := &Recording{
		Name:        recordingName("live", strconv.Itoa(ex.StatusCode)),
		Description: fmt.Sprintf("%s cancel-cert answered %d, recorded from the live service.", req.Method, ex.StatusCode),
		Provenance: Provenance{
			Source:    SourceLive,
			Reference: "contract.Recorder",
			Date:      now().UTC().Format(time.DateOnly),
			Endpoint:  r.Endpoint,
		},
		Expect:   expect,
		Request:  RecordedRequest{Method: req.Method, URL: req.URL.String(), Headers: req.Header, Body: ex.RequestBody},
		Response: RecordedResponse{Status: ex.StatusCode, Headers: ex.Header, Body: ex.Body},
		Notes:    verdict.Notes,
	}
	return r.redact(rec)
}

// redact removes the secrets and the project ID from every field of rec,
// then searches the recording as it would be written, so that a secret
// that survives in any form stops the write.
func (r *Recorder) redact(rec *Recording) (*Recording, error) {
	out := r.Redactor.redactRecording(rec)
	data, err := out.Marshal()
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	switch name := r.Redactor.Find(data); name {
	case "":
	case overBudget:
		return nil, fmt.Errorf("redact: the recording is too costly to scan for secrets (a body built to defeat the scan?); not writing it")
	default:
		return nil, fmt.Errorf("redact: %w: the %s; not writing the recording", errSecretSurvives, name)
	}
	return out, nil
}
