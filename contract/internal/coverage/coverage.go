// Package coverage builds the coverage report of the contract kit: for each
// documented response of each operation of the spec (its status, media
// types, documented headers and the error codes its description and
// examples name), the recordings that exercise it, counted by source and
// split into valid and invalid; the statements the spec marks as inferred,
// with the live recordings that confirm them; and the drift (see
// contract.DriftNotes) seen in live recordings.
//
// Everything is read from the spec and the recordings at run time: a new
// response, header, error code, inferred statement or recording shows up
// in the report without a change here. The command contract/cmd/scm-coverage
// prints the report as Markdown or JSON.
package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/scmcontract/cancelcert/contract"
)

// ErrorCodeMember is the body member that holds the error code, in SCM's
// error body and in the API gateway's.
const ErrorCodeMember = "error_code"

// NoContentType names, in the report, a response sent without Content-Type.
const NoContentType = "(no Content-Type)"

// The values of Item.BackedBy besides the sources live, document and mock.
const (
	BackedByNone          = "none"           // no valid recording
	BackedByNotDocumented = "not documented" // the item is seen, not documented
)

// codePattern finds error codes such as SCM.0010, APIGW.0301 or APIG.0308
// in the prose of a description.
var codePattern = regexp.MustCompile(`\b[A-Z][A-Z0-9]*\.[0-9]{4}\b`)

// Report is the coverage of a spec by a corpus of recordings. Every list is
// sorted, so that the same inputs give the same report byte for byte.
type Report struct {
	// Recordings counts the recordings read, by source.
	Recordings Tally `json:"recordings"`
	// Operations lists each operation of the spec with its responses.
	Operations []*Operation `json:"operations"`
	// Inferred lists the statements the spec marks as inferred.
	Inferred []*Inferred `json:"inferred"`
	// Drift lists what live recordings show that the spec does not
	// document, one entry per note kind and subject.
	Drift []*Drift `json:"drift"`
	// BaselineGiven says whether Drift[i].New compares with a baseline.
	BaselineGiven bool `json:"baseline_given"`
	// BrokenLive lists the live recordings that break the contract.
	BrokenLive []*Recording `json:"broken_live"`
	// Unmatched lists the recordings that reach no documented response: no
	// operation has their method and path, or their status has neither a
	// response nor a default one.
	Unmatched []*Recording `json:"unmatched"`
}

// Tally counts recordings by source.
type Tally struct {
	Total    int `json:"total"`
	Document int `json:"document"`
	Live     int `json:"live"`
	Mock     int `json:"mock"`
	Crafted  int `json:"crafted"`
}

// Operation is the coverage of one operation.
type Operation struct {
	ID        string      `json:"id"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Responses []*Response `json:"responses"`
}

// Response is the coverage of one documented response: "200", "4XX" or
// "default" (which any status the operation does not list reaches).
type Response struct {
	Response string `json:"response"`
	// Status counts every recording that reaches the response.
	Status *Item `json:"status"`
	// MediaTypes lists the documented media types, then the undocumented
	// ones recordings were sent with (Documented false).
	MediaTypes []*Item `json:"media_types"`
	// Headers lists the documented headers, each with the recordings that
	// carry it.
	Headers []*Item `json:"headers"`
	// ErrorCodes lists the codes the response's description or examples
	// name, then the other codes recordings carry (Documented false).
	ErrorCodes []*Item `json:"error_codes"`
}

// Item is one documented (or seen) part of a response and the recordings
// that exercise it.
type Item struct {
	Name       string `json:"name"`
	Documented bool   `json:"documented"`
	// BackedBy is the strongest source with a valid recording: "live",
	// else "document", else "mock"; BackedByNone when no recording is
	// valid, BackedByNotDocumented for an item that is not documented.
	BackedBy string  `json:"backed_by"`
	Sources  Sources `json:"sources"`
	// LatestLive is the date of the latest live recording, if any.
	LatestLive string `json:"latest_live,omitempty"`
	// Recordings names the recordings, sorted.
	Recordings []string `json:"recordings"`
}

// Sources splits the recordings of an item by source.
type Sources struct {
	Document Split `json:"document"`
	Live     Split `json:"live"`
	Mock     Split `json:"mock"`
	Crafted  Split `json:"crafted"`
}

// Split counts recordings that keep the contract (valid) and that break it
// (invalid), as their expectation says.
type Split struct {
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

// Total is Valid + Invalid.
func (s Split) Total() int { return s.Valid + s.Invalid }

// Valid counts the valid recordings of every source.
func (s Sources) Valid() int {
	return s.Document.Valid + s.Live.Valid + s.Mock.Valid + s.Crafted.Valid
}

func (s *Sources) of(source string) *Split {
	switch source {
	case contract.SourceDocument:
		return &s.Document
	case contract.SourceLive:
		return &s.Live
	case contract.SourceMock:
		return &s.Mock
	default:
		return &s.Crafted
	}
}

// Drift is one note kind and subject seen in live recordings.
type Drift struct {
	Kind    contract.NoteKind `json:"kind"`
	Subject string            `json:"subject"`
	// Message is the note's message in the latest live recording showing it.
	Message string `json:"message"`
	// Statuses are the statuses of the recordings showing it.
	Statuses []int `json:"statuses"`
	// Count is how many live recordings show it.
	Count int `json:"count"`
	// Since and Last are the dates of the first and last of them.
	Since string `json:"since"`
	Last  string `json:"last"`
	// New is true when the baseline's live recordings do not show it.
	New        bool     `json:"new"`
	Recordings []string `json:"recordings"`
}

// Recording names one recording in a list of the report.
type Recording struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Valid  bool   `json:"valid"`
	Date   string `json:"date,omitempty"`
	// Why says why it is listed: the reason it breaks the contract, or why
	// it reaches no documented response.
	Why string `json:"why"`
}

// Options adjusts Build.
type Options struct {
	// Baseline holds the recordings to compare drift with, such as the
	// committed corpus before a live run: a note no live recording of the
	// baseline shows is new. Nil means no comparison.
	Baseline []*contract.Recording
}

// Build computes the report of doc by recs. The document is not changed.
// It fails when an x-inferred extension of the spec is malformed or a
// recording cannot be turned into an exchange.
func Build(doc *openapi3.T, recs []*contract.Recording, opts Options) (*Report, error) {
	c, err := newCorpus(doc)
	if err != nil {
		return nil, err
	}
	r := &Report{Operations: []*Operation{}, Inferred: []*Inferred{}, Drift: []*Drift{}, BrokenLive: []*Recording{}, Unmatched: []*Recording{}}
	for _, o := range c.ops {
		r.Operations = append(r.Operations, o.report)
		inferred, err := inferredStatements(o.report.ID, o.op)
		if err != nil {
			return nil, err
		}
		r.Inferred = append(r.Inferred, inferred...)
	}
	drift := map[string]*Drift{}
	for _, rec := range recs {
		r.Recordings.add(rec.Provenance.Source)
		if rec.Provenance.Source == contract.SourceLive && !rec.Expect.Valid {
			r.BrokenLive = append(r.BrokenLive, listed(rec, rec.Expect.Reason))
		}
		m, why, err := c.match(rec)
		if err != nil {
			return nil, err
		}
		if m == nil {
			r.Unmatched = append(r.Unmatched, listed(rec, why))
			continue
		}
		m.count(rec)
		if rec.Provenance.Source == contract.SourceLive {
			for _, n := range contract.DriftNotes(m.op.op, m.ex.StatusCode, m.ex.Header, m.ex.Body) {
				addDrift(drift, n, rec)
			}
			for _, s := range r.Inferred {
				if s.Operation == m.op.report.ID && s.Rule.matches(m.ex) {
					s.confirm(rec)
				}
			}
		}
	}
	if opts.Baseline != nil {
		r.BaselineGiven = true
		known, err := c.knownNotes(opts.Baseline)
		if err != nil {
			return nil, err
		}
		for k, d := range drift {
			d.New = !known[k]
		}
	}
	for _, d := range drift {
		r.Drift = append(r.Drift, d)
	}
	c.finish()
	r.finish()
	return r, nil
}

// Gaps names each documented status (not the default response) that no
// valid recording reaches, as "<operationId> <status>".
func (r *Report) Gaps() []string {
	var out []string
	for _, o := range r.Operations {
		for _, resp := range o.Responses {
			if resp.Response != "default" && resp.Status.Sources.Valid() == 0 {
				out = append(out, o.ID+" "+resp.Response)
			}
		}
	}
	return out
}

// NewDrift returns the drift entries that the baseline does not show.
func (r *Report) NewDrift() []*Drift {
	var out []*Drift
	for _, d := range r.Drift {
		if d.New {
			out = append(out, d)
		}
	}
	return out
}

// JSON renders the report as indented JSON with a final newline.
func (r *Report) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("render coverage report: %w", err)
	}
	return buf.Bytes(), nil
}

func (t *Tally) add(source string) {
	t.Total++
	switch source {
	case contract.SourceDocument:
		t.Document++
	case contract.SourceLive:
		t.Live++
	case contract.SourceMock:
		t.Mock++
	case contract.SourceCrafted:
		t.Crafted++
	}
}

func listed(rec *contract.Recording, why string) *Recording {
	return &Recording{Name: rec.Name, Source: rec.Provenance.Source, Valid: rec.Expect.Valid, Date: rec.Provenance.Date, Why: why}
}

// corpus routes recordings to the operations of a spec.
type corpus struct {
	router routers.Router
	ops    []*operation
}

type operation struct {
	op     *openapi3.Operation
	report *Operation
	byKey  map[string]*response
}

type response struct {
	resp     *openapi3.Response
	report   *Response
	headers  map[string]*Item // by canonical name
	media    map[string]*Item // by media type, documented or seen
	codes    map[string]*Item // by error code, documented or seen
	docMedia []string         // documented media types, parsed
}

func newCorpus(doc *openapi3.T) (*corpus, error) {
	// Route on method and path alone, whatever host a recording names.
	d := *doc
	d.Servers = nil
	router, err := gorillamux.NewRouter(&d)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	c := &corpus{router: router}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		methods := make([]string, 0)
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			op := item.GetOperation(m)
			c.ops = append(c.ops, newOperation(m, path, op))
		}
	}
	return c, nil
}

func newOperation(method, path string, op *openapi3.Operation) *operation {
	o := &operation{op: op, byKey: map[string]*response{},
		report: &Operation{ID: op.OperationID, Method: method, Path: path, Responses: []*Response{}}}
	if op.Responses == nil {
		return o
	}
	keys := make([]string, 0, op.Responses.Len())
	for k := range op.Responses.Map() {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "default") != (keys[j] == "default") {
			return keys[j] == "default"
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		ref := op.Responses.Value(k)
		if ref == nil || ref.Value == nil {
			continue
		}
		resp := newResponse(k, ref.Value)
		o.byKey[k] = resp
		o.report.Responses = append(o.report.Responses, resp.report)
	}
	return o
}

func newResponse(key string, resp *openapi3.Response) *response {
	r := &response{resp: resp, headers: map[string]*Item{}, media: map[string]*Item{}, codes: map[string]*Item{},
		report: &Response{Response: key, Status: newItem("status", true)}}
	for name := range resp.Headers {
		r.headers[http.CanonicalHeaderKey(name)] = newItem(http.CanonicalHeaderKey(name), true)
	}
	for mt := range resp.Content {
		name := mt
		if base, _, err := mime.ParseMediaType(mt); err == nil {
			name = base
		}
		r.docMedia = append(r.docMedia, name)
		r.media[name] = newItem(name, true)
	}
	for _, code := range namedCodes(resp) {
		r.codes[code] = newItem(code, true)
	}
	return r
}

func newItem(name string, documented bool) *Item {
	return &Item{Name: name, Documented: documented, Recordings: []string{}}
}

// namedCodes returns the error codes the response's description names and
// the values of ErrorCodeMember in its examples.
func namedCodes(resp *openapi3.Response) []string {
	var codes []string
	if resp.Description != nil {
		codes = append(codes, codePattern.FindAllString(*resp.Description, -1)...)
	}
	for _, mt := range resp.Content {
		values := []any{mt.Example}
		for _, ex := range mt.Examples {
			if ex != nil && ex.Value != nil {
				values = append(values, ex.Value.Value)
			}
		}
		for _, v := range values {
			if m, ok := v.(map[string]any); ok {
				if code, ok := m[ErrorCodeMember].(string); ok && code != "" {
					codes = append(codes, code)
				}
			}
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// match finds the response a recording reaches, or says why there is none.
func (c *corpus) match(rec *contract.Recording) (*matched, string, error) {
	ex, err := rec.Exchange()
	if err != nil {
		return nil, "", fmt.Errorf("coverage: %w", err)
	}
	route, _, err := c.router.FindRoute(ex.Request)
	if err != nil {
		return nil, fmt.Sprintf("%s %s: no operation has this method and path", ex.Request.Method, ex.Request.URL.EscapedPath()), nil
	}
	for _, o := range c.ops {
		if o.op != route.Operation {
			continue
		}
		key := responseKey(o.op, rec.Response.Status)
		if key == "" {
			return nil, fmt.Sprintf("%s answered %d, which has no response and no default", o.report.ID, rec.Response.Status), nil
		}
		return &matched{op: o, resp: o.byKey[key], ex: ex}, "", nil
	}
	return nil, "", fmt.Errorf("coverage: recording %q: the router found an operation the report does not know", rec.Name)
}

// responseKey returns the key of the response that status reaches: the
// status, its range (4XX) or "default"; "" when none.
func responseKey(op *openapi3.Operation, status int) string {
	if op.Responses == nil {
		return ""
	}
	key := strconv.Itoa(status)
	if op.Responses.Value(key) != nil {
		return key
	}
	if status > 99 && status < 600 {
		if r := key[:1] + "XX"; op.Responses.Value(r) != nil {
			return r
		}
	}
	if op.Responses.Default() != nil {
		return "default"
	}
	return ""
}

type matched struct {
	op   *operation
	resp *response
	ex   *contract.Exchange // the recording's exchange, headers in canonical form
}

// count adds rec to every item of the response it exercises.
func (m *matched) count(rec *contract.Recording) {
	r := m.resp
	r.report.Status.add(rec)
	mt := mediaType(m.ex.Header.Get("Content-Type"))
	if r.media[mt] == nil {
		r.media[mt] = newItem(mt, false)
	}
	r.media[mt].add(rec)
	for name := range m.ex.Header {
		if it := r.headers[name]; it != nil {
			it.add(rec)
		}
	}
	if code := errorCode(rec.Response.Body); code != "" {
		if r.codes[code] == nil {
			r.codes[code] = newItem(code, false)
		}
		r.codes[code].add(rec)
	}
}

// mediaType returns the media type of a Content-Type, without parameters,
// or NoContentType; a value that does not parse is kept as it is.
func mediaType(contentType string) string {
	if strings.TrimSpace(contentType) == "" {
		return NoContentType
	}
	base, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType
	}
	return base
}

// errorCode returns the string value of ErrorCodeMember in a JSON object
// body, or "".
func errorCode(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var code string
	if json.Unmarshal(m[ErrorCodeMember], &code) != nil {
		return ""
	}
	return code
}

func (it *Item) add(rec *contract.Recording) {
	split := it.Sources.of(rec.Provenance.Source)
	if rec.Expect.Valid {
		split.Valid++
	} else {
		split.Invalid++
	}
	it.Recordings = append(it.Recordings, rec.Name)
	if rec.Provenance.Source == contract.SourceLive && rec.Provenance.Date > it.LatestLive {
		it.LatestLive = rec.Provenance.Date
	}
}

func (it *Item) finish() {
	sort.Strings(it.Recordings)
	switch {
	case !it.Documented:
		it.BackedBy = BackedByNotDocumented
	case it.Sources.Live.Valid > 0:
		it.BackedBy = contract.SourceLive
	case it.Sources.Document.Valid > 0:
		it.BackedBy = contract.SourceDocument
	case it.Sources.Mock.Valid > 0:
		it.BackedBy = contract.SourceMock
	default:
		it.BackedBy = BackedByNone
	}
}

// noteKey identifies a drift note across recordings.
func noteKey(n contract.Note) string { return string(n.Kind) + "\x00" + n.Subject }

func addDrift(drift map[string]*Drift, n contract.Note, rec *contract.Recording) {
	k := noteKey(n)
	d := drift[k]
	if d == nil {
		d = &Drift{Kind: n.Kind, Subject: n.Subject, Since: rec.Provenance.Date}
		drift[k] = d
	}
	d.Count++
	d.Recordings = append(d.Recordings, rec.Name)
	if !slices.Contains(d.Statuses, rec.Response.Status) {
		d.Statuses = append(d.Statuses, rec.Response.Status)
	}
	if rec.Provenance.Date < d.Since {
		d.Since = rec.Provenance.Date
	}
	if rec.Provenance.Date >= d.Last {
		d.Last, d.Message = rec.Provenance.Date, n.Message
	}
}

// knownNotes returns the keys of the notes the live recordings of a
// baseline show.
func (c *corpus) knownNotes(baseline []*contract.Recording) (map[string]bool, error) {
	known := map[string]bool{}
	for _, rec := range baseline {
		if rec.Provenance.Source != contract.SourceLive {
			continue
		}
		m, _, err := c.match(rec)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		if m == nil {
			continue
		}
		for _, n := range contract.DriftNotes(m.op.op, m.ex.StatusCode, m.ex.Header, m.ex.Body) {
			known[noteKey(n)] = true
		}
	}
	return known, nil
}

// finish fills the lists of each response from its maps.
func (c *corpus) finish() {
	for _, o := range c.ops {
		for _, resp := range o.byKey {
			resp.report.Status.finish()
			resp.report.MediaTypes = items(resp.media)
			resp.report.Headers = items(resp.headers)
			resp.report.ErrorCodes = items(resp.codes)
		}
	}
}

// finish sorts the lists of the report.
func (r *Report) finish() {
	sort.Slice(r.Drift, func(i, j int) bool {
		a, b := r.Drift[i], r.Drift[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Subject < b.Subject
	})
	for _, d := range r.Drift {
		slices.Sort(d.Statuses)
		sort.Strings(d.Recordings)
	}
	for _, s := range r.Inferred {
		sort.Strings(s.ConfirmedBy)
	}
	byName := func(l []*Recording) {
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	byName(r.BrokenLive)
	byName(r.Unmatched)
}

// items returns the items of m, documented ones first, each group sorted
// by name.
func items(m map[string]*Item) []*Item {
	out := make([]*Item, 0, len(m))
	for _, it := range m {
		it.finish()
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Documented != out[j].Documented {
			return out[i].Documented
		}
		return out[i].Name < out[j].Name
	})
	return out
}
