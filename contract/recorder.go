package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// minSecretLen is the shortest secret the Recorder will redact: a shorter
// one would match ordinary text and mangle the recording.
const minSecretLen = 6

// ProjectIDPlaceholder replaces the project ID in live recordings.
const ProjectIDPlaceholder = "PROJECT_ID"

// Recorder is an http.RoundTripper that writes every exchange passing
// through it to Dir as a recording with provenance "live", the date and the
// endpoint, after redaction. Wrap it around the transport of any client:
//
//	rec := &contract.Recorder{Dir: "testdata/recordings", Endpoint: endpoint,
//		Validator: v, ProjectID: projectID, Secrets: []string{sk, token}}
//	client, err := scm.NewClientWithResponses(endpoint, scm.WithHTTPClient(&http.Client{Transport: rec}))
//
// Redaction happens before anything is written: the credential headers
// (see RedactHeaders) read "REDACTED", the project ID is replaced by
// ProjectIDPlaceholder wherever it appears (path, headers, bodies), and every
// string in Secrets is replaced by "REDACTED" wherever it appears. The
// request ID and the bodies are otherwise kept byte for byte.
//
// A recording is named after what it shows (live-<status>[-<error code>]),
// so recording the same exchange again replaces the file instead of adding a
// duplicate. Files are written atomically (see WriteRecording).
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
	// ProjectID is replaced by ProjectIDPlaceholder everywhere.
	ProjectID string
	// Secrets are replaced by Redacted everywhere (an SK, a token, an AK).
	Secrets []string
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
	if r.Dir == "" || r.Endpoint == "" {
		return nil, errors.New("recorder: Dir and Endpoint are required")
	}
	for _, s := range append([]string{r.ProjectID}, r.Secrets...) {
		if s != "" && len(s) < minSecretLen {
			return nil, fmt.Errorf("recorder: a secret or project ID of %d characters is too short to redact safely (minimum %d)", len(s), minSecretLen)
		}
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
		Name:        liveName(ex.StatusCode, ex.Body),
		Description: fmt.Sprintf("%s cancel-cert answered %d, recorded from the live service.", req.Method, ex.StatusCode),
		Provenance: Provenance{
			Source:    SourceLive,
			Reference: "contract.Recorder",
			Date:      now().UTC().Format(time.DateOnly),
			Endpoint:  r.Endpoint,
		},
		Expect:   expect,
		Request:  RecordedRequest{Method: req.Method, URL: req.URL.String(), Headers: RedactHeaders(req.Header), Body: ex.RequestBody},
		Response: RecordedResponse{Status: ex.StatusCode, Headers: RedactHeaders(ex.Header), Body: ex.Body},
	}
	return r.redact(rec)
}

// redact replaces the project ID and the secrets everywhere in rec, by
// rewriting its JSON form, so that no field can be forgotten.
func (r *Recorder) redact(rec *Recording) (*Recording, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	for _, pair := range r.replacements() {
		data = bytes.ReplaceAll(data, pair[0], pair[1])
	}
	var out Recording
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	// Bodies and expectations are kept as JSON strings and so were redacted
	// above; check the raw bytes too, in case a body had to be base64.
	for _, b := range [][]byte{out.Request.Body, out.Response.Body} {
		for _, pair := range r.replacements() {
			if bytes.Contains(b, pair[0]) {
				return nil, errors.New("redact: a secret survives in a body that is not valid UTF-8; not writing it")
			}
		}
	}
	return &out, nil
}

func (r *Recorder) replacements() [][2][]byte {
	return replacementPairs(r.ProjectID, r.Secrets)
}

// replacementPairs lists each secret and the project ID in raw,
// JSON-escaped and URL-escaped forms, with what replaces it.
func replacementPairs(projectID string, secrets []string) [][2][]byte {
	var out [][2][]byte
	add := func(secret, with string) {
		if strings.TrimSpace(secret) == "" {
			return
		}
		forms := []string{secret, url.PathEscape(secret), url.QueryEscape(secret)}
		if js, err := json.Marshal(secret); err == nil {
			forms = append(forms, string(js[1:len(js)-1]))
		}
		for _, f := range forms {
			out = append(out, [2][]byte{[]byte(f), []byte(with)})
		}
	}
	for _, s := range secrets {
		add(s, Redacted)
	}
	add(projectID, ProjectIDPlaceholder)
	return out
}

// liveName names a live recording after its status and, for an error body,
// its error code: the same exchange recorded again gets the same name.
func liveName(status int, body []byte) string {
	var eb struct {
		Code string `json:"error_code"`
	}
	parts := []string{"live", fmt.Sprint(status)}
	if json.Unmarshal(body, &eb) == nil && eb.Code != "" {
		parts = append(parts, eb.Code)
	}
	return recordingName(parts...)
}
