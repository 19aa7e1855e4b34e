package coverage

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

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
		if base, _, err := scm.ParseContentType(mt); err == nil {
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

// mediaType returns the media type of a Content-Type, without parameters
// and in lower case (scm.ParseContentType, as the client reads it), or
// NoContentType; a value that does not parse is kept as it is.
func mediaType(contentType string) string {
	if strings.TrimSpace(contentType) == "" {
		return NoContentType
	}
	base, _, err := scm.ParseContentType(contentType)
	if err != nil {
		return contentType
	}
	return base
}

// errorCode returns the error code of a body as the client reads it (see
// scm.APIError's Code): the string value of the member named exactly
// ErrorCodeMember, case included, in a body that is one well-formed JSON
// object by scm.DecodeJSON's rules (so one repeating a member name has
// none); "" otherwise.
func errorCode(body []byte) string {
	v, err := scm.DecodeJSON(body)
	if err != nil {
		return ""
	}
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	code, _ := m[ErrorCodeMember].(string)
	return code
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
