package contract

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// NoteKind names what a drift Note is about.
type NoteKind string

// The kinds of drift note DriftNotes reports.
const (
	NoteMember             NoteKind = "member"               // a body member the response's schema does not name
	NoteHeader             NoteKind = "header"               // a response header the response does not document
	NoteMediaTypeParameter NoteKind = "media-type-parameter" // a Content-Type parameter the documented media type does not have
)

// Note is one thing an exchange shows that the spec does not document but
// the Validator tolerates: drift, not a broken contract. A note holds names
// (of a member, a header, a media-type parameter) and a parameter's value,
// never the value of a member or header.
type Note struct {
	Kind NoteKind `json:"kind"`
	// Subject names what is undocumented: a JSON pointer into the body
	// (RFC 6901) for a member, the canonical header name for a header,
	// "name=value" for a media-type parameter. Kind and Subject together
	// identify a note across exchanges.
	Subject string `json:"subject"`
	// Message says it in words, naming the response.
	Message string `json:"message"`
}

func (n Note) String() string { return string(n.Kind) + " " + n.Subject + ": " + n.Message }

// check reports a note that could not have come from DriftNotes.
func (n Note) check() error {
	switch n.Kind {
	case NoteMember, NoteHeader, NoteMediaTypeParameter:
	default:
		return fmt.Errorf("unknown kind %q (want %s, %s or %s)", n.Kind, NoteMember, NoteHeader, NoteMediaTypeParameter)
	}
	if n.Subject == "" {
		return fmt.Errorf("a %s note needs its subject", n.Kind)
	}
	return nil
}

// ignoredResponseHeaders are the headers of HTTP itself and of the servers,
// proxies and browsers around an API (RFC 9110, 9111, 9112, CORS and the
// usual security headers). They say nothing about the contract, so an
// undocumented one is not drift. Content-Type is documented through the
// response's content.
var ignoredResponseHeaders = []string{
	"Accept-Ranges",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Headers",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Origin",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Age",
	"Alt-Svc",
	"Cache-Control",
	"Connection",
	"Content-Encoding",
	"Content-Language",
	"Content-Length",
	"Content-Security-Policy",
	"Content-Type",
	"Date",
	"Etag",
	"Expires",
	"Keep-Alive",
	"Last-Modified",
	"Pragma",
	"Proxy-Connection",
	"Referrer-Policy",
	"Server",
	"Strict-Transport-Security",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
	"Vary",
	"Via",
	"X-Content-Type-Options",
	"X-Frame-Options",
	"X-Xss-Protection",
}

// IgnoredResponseHeaders returns, in canonical form and sorted, the
// response headers that DriftNotes never reports: the standard headers of
// HTTP and of the infrastructure around an API (Date, Content-Length,
// Connection, Server, Transfer-Encoding, Cache-Control, Vary, Via, CORS and
// security headers, ...). Content-Type is among them because the response's
// content documents it.
func IgnoredResponseHeaders() []string {
	return slices.Clone(ignoredResponseHeaders)
}

// DriftNotes returns what a response to op shows that op does not document
// but the Validator tolerates:
//
//   - NoteMember: a member of the JSON body, at any depth, that the schema of
//     the response's media type does not name (allOf, oneOf and anyOf
//     branches, items and additionalProperties schemas are followed; a schema
//     with additionalProperties: true, or with neither type object nor
//     properties, documents any member). An undocumented member is reported
//     once, not its own members.
//   - NoteHeader: a response header the response does not document, apart
//     from IgnoredResponseHeaders.
//   - NoteMediaTypeParameter: a parameter of Content-Type (such as
//     charset=UTF-8) that the documented media type does not carry.
//
// The response is the one documented for status, else the default one;
// with neither there is nothing to compare with and DriftNotes returns nil
// (the Validator reports the status). A Content-Type that is not documented
// is a problem, not drift: then only members are compared, with the schema
// of the only documented media type if there is one. Notes come sorted:
// media-type parameters, headers, then members in pointer order.
//
// Bodies and media types are read by package scm's rules, the client's: the
// Content-Type with scm.ParseContentType, the body with scm.DecodeJSON. A
// body that is not one well-formed JSON value (two values, a repeated
// member name, invalid UTF-8: a problem the Validator reports) gives no
// member notes, and member names are compared exactly, case included, as
// the client matches them.
//
// Validator.ValidateWithNotes returns these notes beside its verdict, for
// the operation it routed the exchange to, and the Transport hands them to
// its hooks in the Verdict; call DriftNotes directly for an operation of
// your own.
func DriftNotes(op *openapi3.Operation, status int, header http.Header, body []byte) []Note {
	if op == nil || op.Responses == nil {
		return nil
	}
	key := strconv.Itoa(status)
	ref := op.Responses.Status(status)
	if ref == nil {
		key, ref = "default", op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	resp := ref.Value
	var notes []Note

	contentType := header.Get("Content-Type")
	base, params, err := parseContentType(contentType)
	var media *openapi3.MediaType
	if err == nil {
		var docKey string
		media, docKey = documentedMedia(resp, base)
		if media != nil && len(params) > 0 {
			notes = append(notes, parameterNotes(key, contentType, params, docKey)...)
		}
	}
	if media == nil && len(resp.Content) == 1 {
		for _, mt := range resp.Content {
			media = mt
		}
	}
	notes = append(notes, headerNotes(key, resp, header)...)
	if media != nil && media.Schema != nil && media.Schema.Value != nil {
		if v, err := scm.DecodeJSON(body); err == nil {
			w := memberWalker{response: key}
			w.walk([]*openapi3.Schema{media.Schema.Value}, v, "")
			notes = append(notes, w.notes...)
		}
	}
	return notes
}

// parseContentType is scm.ParseContentType, which it answers without
// parsing for the usual value, a bare application/json.
func parseContentType(contentType string) (string, map[string]string, error) {
	if contentType == scm.MediaTypeJSON {
		return scm.MediaTypeJSON, nil, nil
	}
	return scm.ParseContentType(contentType)
}

// documentedMedia returns the media type of resp that a media type without
// parameters matches (exactly, then type/*, then */*), and its key.
func documentedMedia(resp *openapi3.Response, base string) (*openapi3.MediaType, string) {
	if mt, ok := resp.Content[base]; ok {
		return mt, base
	}
	keys := make([]string, 0, len(resp.Content))
	for k := range resp.Content {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	candidates := []string{base}
	if i := strings.IndexByte(base, '/'); i > 0 {
		candidates = append(candidates, base[:i]+"/*", "*/*")
	}
	for _, want := range candidates {
		for _, k := range keys {
			if kb, _, err := parseContentType(k); err == nil && kb == want {
				return resp.Content[k], k
			}
		}
	}
	return nil, ""
}

// parameterNotes reports each of params, the parameters of contentType,
// that the documented media type docKey does not carry with the same value.
func parameterNotes(response, contentType string, params map[string]string, docKey string) []Note {
	_, docParams, _ := parseContentType(docKey)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	var notes []Note
	for _, name := range names {
		if want, ok := docParams[name]; ok && strings.EqualFold(want, params[name]) {
			continue
		}
		subject := name + "=" + params[name]
		notes = append(notes, Note{NoteMediaTypeParameter, subject, fmt.Sprintf(
			"Content-Type %q: the parameter %s is not documented for response %s (documented: %s)",
			contentType, subject, response, docKey)})
	}
	return notes
}

// headerNotes reports each header of h that resp does not document and that
// is not one of the ignored standard headers.
func headerNotes(response string, resp *openapi3.Response, h http.Header) []Note {
	var names []string
	for name := range h {
		name = http.CanonicalHeaderKey(name)
		if slices.Contains(ignoredResponseHeaders, name) || documentsHeader(resp, name) || slices.Contains(names, name) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	notes := make([]Note, 0, len(names))
	for _, name := range names {
		notes = append(notes, Note{NoteHeader, name, fmt.Sprintf("the header %s is not documented for response %s", name, response)})
	}
	return notes
}

// documentsHeader reports whether resp documents the header, in any case.
func documentsHeader(resp *openapi3.Response, canonical string) bool {
	if _, ok := resp.Headers[canonical]; ok {
		return true
	}
	for name := range resp.Headers {
		if http.CanonicalHeaderKey(name) == canonical {
			return true
		}
	}
	return false
}

// memberWalker walks a decoded JSON value beside the schemas that apply to
// it and collects a note for each member none of them names.
type memberWalker struct {
	response string
	notes    []Note
}

func (w *memberWalker) walk(schemas []*openapi3.Schema, v any, ptr string) {
	if !isContainer(v) {
		return
	}
	flat := flatten(schemas)
	switch v := v.(type) {
	case map[string]any:
		if !describesMembers(flat) {
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := v[k]
			if !isContainer(child) && documentsMember(flat, k) {
				continue // a documented scalar: nothing below it to compare
			}
			sub, documented := memberSchemas(flat, k)
			p := ptr + "/" + escapePointer(k)
			if !documented {
				w.notes = append(w.notes, Note{NoteMember, p, fmt.Sprintf("the body member %s is not in the schema of response %s", p, w.response)})
				continue
			}
			w.walk(sub, child, p)
		}
	case []any:
		var items []*openapi3.Schema
		for _, s := range flat {
			if s.Items != nil && s.Items.Value != nil {
				items = append(items, s.Items.Value)
			}
		}
		if len(items) == 0 {
			return
		}
		for i, e := range v {
			w.walk(items, e, fmt.Sprintf("%s/%d", ptr, i))
		}
	}
}

// isContainer reports whether a decoded JSON value is an object or an
// array, the values that can hold members.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// documentsMember reports whether the schemas document the member name,
// as memberSchemas does, without collecting the member's schemas.
func documentsMember(flat []*openapi3.Schema, name string) bool {
	for _, s := range flat {
		if _, ok := s.Properties[name]; ok || s.AdditionalProperties.Schema != nil {
			return true
		}
	}
	return false
}

// flatten returns the schemas with the branches of their allOf, oneOf and
// anyOf, recursively, each once.
func flatten(schemas []*openapi3.Schema) []*openapi3.Schema {
	out := make([]*openapi3.Schema, 0, len(schemas))
	var add func(s *openapi3.Schema)
	add = func(s *openapi3.Schema) {
		if s == nil || slices.Contains(out, s) {
			return
		}
		out = append(out, s)
		for _, refs := range [...]openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, r := range refs {
				if r != nil {
					add(r.Value)
				}
			}
		}
	}
	for _, s := range schemas {
		add(s)
	}
	return out
}

// describesMembers reports whether the schemas say which members an object
// has: one of them is an object schema or names properties, and none allows
// any member with additionalProperties: true.
func describesMembers(flat []*openapi3.Schema) bool {
	describes := false
	for _, s := range flat {
		if ap := s.AdditionalProperties.Has; ap != nil && *ap {
			return false
		}
		if len(s.Properties) > 0 || s.AdditionalProperties.Schema != nil || (s.Type != nil && s.Type.Is(openapi3.TypeObject)) {
			describes = true
		}
	}
	return describes
}

// memberSchemas returns the schemas that apply to the member name, and
// whether any schema documents it: a property of that name, else an
// additionalProperties schema.
func memberSchemas(flat []*openapi3.Schema, name string) ([]*openapi3.Schema, bool) {
	var out []*openapi3.Schema
	named := false
	for _, s := range flat {
		if p, ok := s.Properties[name]; ok {
			named = true
			if p != nil && p.Value != nil {
				out = append(out, p.Value)
			}
		}
	}
	if named {
		return out, true
	}
	for _, s := range flat {
		if ap := s.AdditionalProperties.Schema; ap != nil {
			named = true
			if ap.Value != nil {
				out = append(out, ap.Value)
			}
		}
	}
	return out, named
}

// escapePointer escapes one reference token of a JSON pointer (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
