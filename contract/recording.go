package contract

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The sources a recording can come from. See the package documentation.
const (
	SourceDocument = "document"
	SourceLive     = "live"
	SourceMock     = "mock"
	SourceCrafted  = "crafted"
)

// Recording is one exchange kept on disk. See the package documentation for
// the file format. Notes are the drift notes of the exchange when it was
// recorded (see DriftNotes): what the spec did not document then but the
// Validator tolerated; reports recompute them from the current spec.
type Recording struct {
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Provenance  Provenance       `json:"provenance"`
	Expect      Expectation      `json:"expect"`
	Request     RecordedRequest  `json:"request"`
	Response    RecordedResponse `json:"response"`
	Notes       []Note           `json:"notes,omitempty"` // drift notes when recorded; see DriftNotes
}

// Provenance says where a recording came from.
type Provenance struct {
	Source    string `json:"source"`
	Reference string `json:"reference,omitempty"`
	Date      string `json:"date,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Expectation says whether a recording keeps the contract and, if not, the
// problem it must be rejected for.
type Expectation struct {
	Valid    bool   `json:"valid"`
	Reason   string `json:"reason,omitempty"`
	Kind     Kind   `json:"kind,omitempty"`
	Contains string `json:"contains,omitempty"`
}

// RecordedRequest is the request half of a recording.
type RecordedRequest struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers http.Header `json:"headers,omitempty"`
	Body    Body        `json:"-"`
}

// RecordedResponse is the response half of a recording.
type RecordedResponse struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers,omitempty"`
	Body    Body        `json:"-"`
}

// Body is a message body kept byte for byte.
type Body []byte

type bodyFields struct {
	Body       *string `json:"body,omitempty"`
	BodyBase64 *string `json:"body_base64,omitempty"`
}

func (b Body) fields() bodyFields {
	if len(b) == 0 {
		empty := ""
		return bodyFields{Body: &empty}
	}
	if utf8.Valid(b) {
		s := string(b)
		return bodyFields{Body: &s}
	}
	s := base64.StdEncoding.EncodeToString(b)
	return bodyFields{BodyBase64: &s}
}

func (f bodyFields) body() (Body, error) {
	switch {
	case f.Body != nil && f.BodyBase64 != nil:
		return nil, errors.New("both body and body_base64 are set")
	case f.BodyBase64 != nil:
		b, err := base64.StdEncoding.DecodeString(*f.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("body_base64: %w", err)
		}
		return b, nil
	case f.Body != nil:
		return Body(*f.Body), nil
	}
	return nil, nil
}

type requestJSON struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers http.Header `json:"headers,omitempty"`
	bodyFields
}

// MarshalJSON writes the body as text or base64, whichever keeps it exact.
func (r RecordedRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(requestJSON{r.Method, r.URL, r.Headers, r.Body.fields()})
}

// UnmarshalJSON reads the body from "body" or "body_base64".
func (r *RecordedRequest) UnmarshalJSON(data []byte) error {
	var j requestJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	body, err := j.body()
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	*r = RecordedRequest{Method: j.Method, URL: j.URL, Headers: j.Headers, Body: body}
	return nil
}

type responseJSON struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers,omitempty"`
	bodyFields
}

// MarshalJSON writes the body as text or base64, whichever keeps it exact.
func (r RecordedResponse) MarshalJSON() ([]byte, error) {
	return json.Marshal(responseJSON{r.Status, r.Headers, r.Body.fields()})
}

// UnmarshalJSON reads the body from "body" or "body_base64".
func (r *RecordedResponse) UnmarshalJSON(data []byte) error {
	var j responseJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	body, err := j.body()
	if err != nil {
		return fmt.Errorf("response: %w", err)
	}
	*r = RecordedResponse{Status: j.Status, Headers: j.Headers, Body: body}
	return nil
}

var (
	namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
	notNameChar = regexp.MustCompile(`[^a-z0-9.]+`)
)

// Check reports what makes a recording unusable: a bad name, an unknown
// source, a live recording without date or endpoint, a failing expectation
// without its reason, or an unparsable request.
func (r *Recording) Check() error {
	var errs []error
	if !namePattern.MatchString(r.Name) {
		errs = append(errs, fmt.Errorf("name %q: use lower-case letters, digits, '.' and '-'", r.Name))
	}
	switch r.Provenance.Source {
	case SourceDocument, SourceMock, SourceCrafted:
	case SourceLive:
		if r.Provenance.Date == "" || r.Provenance.Endpoint == "" {
			errs = append(errs, errors.New("provenance: a live recording needs its date and endpoint"))
		}
	default:
		errs = append(errs, fmt.Errorf("provenance: unknown source %q (want document, live, mock or crafted)", r.Provenance.Source))
	}
	if r.Provenance.Source == SourceCrafted && r.Expect.Valid {
		errs = append(errs, errors.New("expect: a crafted recording exists to break the contract and cannot be valid"))
	}
	if !r.Expect.Valid && (r.Expect.Reason == "" || r.Expect.Kind == "" || r.Expect.Contains == "") {
		errs = append(errs, errors.New("expect: an invalid recording needs reason, kind and contains"))
	}
	for _, n := range r.Notes {
		if err := n.check(); err != nil {
			errs = append(errs, fmt.Errorf("notes: %w", err))
		}
	}
	if _, err := url.Parse(r.Request.URL); err != nil || r.Request.Method == "" {
		errs = append(errs, fmt.Errorf("request: method %q, url %q: want both, url parsable", r.Request.Method, r.Request.URL))
	}
	if r.Response.Status < 100 || r.Response.Status > 599 {
		errs = append(errs, fmt.Errorf("response: status %d is not an HTTP status", r.Response.Status))
	}
	for _, h := range []http.Header{r.Request.Headers, r.Response.Headers} {
		for _, name := range slices.Sorted(maps.Keys(h)) {
			if !IsCredentialHeader(name) {
				continue
			}
			for _, v := range h[name] {
				if v != Redacted {
					errs = append(errs, fmt.Errorf("header %s holds a secret: redact it", name))
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("recording %q: %w", r.Name, errors.Join(errs...))
	}
	return nil
}

// Exchange turns the recording into an Exchange for the Validator.
func (r *Recording) Exchange() (*Exchange, error) {
	req, err := http.NewRequestWithContext(context.Background(), r.Request.Method, r.Request.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("recording %q: request: %w", r.Name, err)
	}
	for k, vs := range r.Request.Headers {
		req.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	header := http.Header{}
	for k, vs := range r.Response.Headers {
		header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	return &Exchange{
		Request:     req,
		RequestBody: r.Request.Body,
		StatusCode:  r.Response.Status,
		Header:      header,
		Body:        r.Response.Body,
	}, nil
}

// Marshal renders the recording as indented JSON with a final newline, the
// form it is kept in on disk.
func (r *Recording) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("recording %q: %w", r.Name, err)
	}
	return buf.Bytes(), nil
}

// ReadRecording reads and checks one recording file.
func ReadRecording(path string) (*Recording, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: reading the file the caller names is the function's job
	if err != nil {
		return nil, fmt.Errorf("contract: read recording: %w", err)
	}
	var r Recording
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("contract: read recording %s: %w", path, err)
	}
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("contract: read recording %s: %w", path, err)
	}
	if want := r.Name + ".json"; filepath.Base(path) != want {
		return nil, fmt.Errorf("contract: read recording %s: file name must be %s", path, want)
	}
	return &r, nil
}

// ReadRecordings reads every *.json file in dir, sorted by name.
func ReadRecordings(dir string) ([]*Recording, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("contract: read recordings: %w", err)
	}
	sort.Strings(paths)
	out := make([]*Recording, 0, len(paths))
	for _, p := range paths {
		r, err := ReadRecording(p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// WriteRecording checks r and writes it to dir as <name>.json, atomically:
// the file is written under a temporary name and renamed into place, so a
// failed or interrupted write leaves no partial recording, and writing the
// same name again replaces the old file.
func WriteRecording(dir string, r *Recording) (err error) {
	if err := r.Check(); err != nil {
		return fmt.Errorf("contract: write recording: %w", err)
	}
	data, err := r.Marshal()
	if err != nil {
		return fmt.Errorf("contract: write recording: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+r.Name+".*.tmp")
	if err != nil {
		return fmt.Errorf("contract: write recording: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("contract: write recording: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("contract: write recording: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("contract: write recording: %w", err)
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, r.Name+".json")); err != nil {
		return fmt.Errorf("contract: write recording: %w", err)
	}
	return nil
}

// recordingName turns free text into a recording name.
func recordingName(parts ...string) string {
	s := strings.ToLower(strings.Join(parts, "-"))
	s = notNameChar.ReplaceAllString(s, "-")
	return strings.Trim(s, "-")
}
