package contract

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Recorder is an http.RoundTripper that writes every exchange passing
// through it to Dir as a recording with provenance "live", the date and the
// endpoint, after redaction. Wrap it around the transport of any client:
//
//	red, err := contract.NewRedactor(projectID, contract.NamedSecret{Name: "SK", Value: sk})
//	rec := &contract.Recorder{Dir: "testdata/recordings", Endpoint: endpoint, Validator: v, Redactor: red}
//	client, err := scm.NewClientWithResponses(endpoint, scm.WithHTTPClient(&http.Client{Transport: rec}))
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
// NOTE that the Recorder does not sign or authenticate: put it between the
// client and the network, under the signing layer, so that it sees the
// request as sent.
type Recorder struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Dir receives the recordings. Required.
	Dir string
	// Endpoint is the service endpoint named in each recording's provenance.
	// Required.
	Endpoint string
	// Validator marks each recording valid or invalid, with the first
	// problem found: the verdict the client and the validating transport
	// reach on the same exchange. When nil, a Validator of the embedded
	// spec does it; a recording is never marked valid unchecked.
	Validator *Validator
	// Redactor removes the secrets and the project ID. Required: build it
	// with NewRedactor (LiveConfig.Redactor does for a live run).
	Redactor *Redactor
	// Now gives the recording date; nil means time.Now.
	Now func() time.Time
	// MaxBody bounds each body kept; 0 means DefaultMaxBody.
	MaxBody int64

	mu      sync.Mutex
	written []string
}

// Written returns the names of the recordings written so far.
func (r *Recorder) Written() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.written...)
}

// RoundTrip sends req and writes the exchange. A failure to write is
// returned as the error of the call, so that no exchange is lost unnoticed.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.Dir == "" || r.Endpoint == "" || r.Redactor == nil {
		return nil, errors.New("recorder: Dir, Endpoint and Redactor are required")
	}
	resp, ex, err := bufferedRoundTrip(r.Base, req, r.MaxBody)
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	rec, err := r.recording(ex)
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	if err := WriteRecording(r.Dir, rec); err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	r.mu.Lock()
	r.written = append(r.written, rec.Name)
	r.mu.Unlock()
	return resp, nil
}

func (r *Recorder) recording(ex *Exchange) (*Recording, error) {
	req := ex.Request
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	v := r.Validator
	if v == nil {
		var err error
		if v, err = defaultValidator(); err != nil {
			return nil, fmt.Errorf("mark the recording: %w", err)
		}
	}
	expect := Expectation{Valid: true}
	var ve *ValidationError
	switch err := v.Validate(req.Context(), ex); {
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
