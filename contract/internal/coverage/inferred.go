package coverage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// InferredExtension marks statements of the spec as inferred rather than
// documented. It may sit on an operation, a parameter, a response, a
// header, a media type or a schema, and holds a list of entries:
//
//	x-inferred:
//	  - statement: HTTP 429 is the status of the throttling error APIG.0308.
//	    status: 429           # what a live recording must show to confirm it:
//	    error_code: APIG.0308 # every field given must match
//
// The fields of the rule are status, error_code (the body's ErrorCodeMember),
// header (present), media_type (the Content-Type without parameters) and
// member (a JSON pointer present in the body). On a response, header or
// media type written in place (not through $ref), the fields left out are
// taken from where the entry sits: the response's status, the header's name,
// the media type. An entry may be a plain string: the statement, with only
// those fields. An entry without any field cannot be confirmed.
//
// A description that says "inferred" on an object without the extension is
// listed too, with Marked "description" and no rule.
const InferredExtension = "x-inferred"

// Inferred is one statement the spec marks as inferred.
type Inferred struct {
	// Operation is the operationId the statement belongs to.
	Operation string `json:"operation"`
	// Where names the object that holds it, such as "response default" or
	// "components/headers/XRequestId".
	Where     string `json:"where"`
	Statement string `json:"statement"`
	// Marked is InferredExtension, or "description" when only the prose of
	// a description says the statement is inferred.
	Marked string `json:"marked"`
	// Rule is what a live recording must show to confirm the statement.
	Rule Rule `json:"rule"`
	// ConfirmedBy names the live recordings that match the rule, sorted.
	ConfirmedBy []string `json:"confirmed_by"`
	// LatestLive is the date of the latest of them.
	LatestLive string `json:"latest_live,omitempty"`
}

// Confirmed reports whether a live recording matches the rule.
func (s *Inferred) Confirmed() bool { return len(s.ConfirmedBy) > 0 }

func (s *Inferred) confirm(rec *contract.Recording) {
	s.ConfirmedBy = append(s.ConfirmedBy, rec.Name)
	if rec.Provenance.Date > s.LatestLive {
		s.LatestLive = rec.Provenance.Date
	}
}

// Rule is what a recording must show to confirm an inferred statement:
// every field that is set must match.
type Rule struct {
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"error_code,omitempty"`
	Header    string `json:"header,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Member    string `json:"member,omitempty"`
}

// Empty reports whether no field is set: nothing can confirm the statement.
func (r Rule) Empty() bool { return r == Rule{} }

// String lists the fields that are set, such as "status 429, error_code
// APIG.0308".
func (r Rule) String() string {
	var parts []string
	if r.Status != 0 {
		parts = append(parts, "status "+strconv.Itoa(r.Status))
	}
	for _, f := range [][2]string{{"error_code", r.ErrorCode}, {"header", r.Header}, {"media_type", r.MediaType}, {"member", r.Member}} {
		if f[1] != "" {
			parts = append(parts, f[0]+" "+f[1])
		}
	}
	return strings.Join(parts, ", ")
}

// orFrom returns r with the fields it leaves out taken from d.
func (r Rule) orFrom(d Rule) Rule {
	if r.Status == 0 {
		r.Status = d.Status
	}
	if r.ErrorCode == "" {
		r.ErrorCode = d.ErrorCode
	}
	if r.Header == "" {
		r.Header = d.Header
	}
	if r.MediaType == "" {
		r.MediaType = d.MediaType
	}
	if r.Member == "" {
		r.Member = d.Member
	}
	return r
}

// matches reports whether an exchange shows everything the rule asks for.
func (r Rule) matches(ex *contract.Exchange) bool {
	switch {
	case r.Empty():
		return false
	case r.Status != 0 && ex.StatusCode != r.Status:
		return false
	case r.ErrorCode != "" && errorCode(ex.Body) != r.ErrorCode:
		return false
	case r.Header != "" && len(ex.Header.Values(r.Header)) == 0:
		return false
	case r.MediaType != "" && mediaType(ex.Header.Get("Content-Type")) != mediaType(r.MediaType):
		return false
	case r.Member != "" && !hasMember(ex.Body, r.Member):
		return false
	}
	return true
}

// hasMember reports whether the JSON body holds a value at pointer, its
// member names matched exactly. A body that is not one well-formed JSON
// value by scm.DecodeJSON's rules, the client's, holds none.
func hasMember(body []byte, pointer string) bool {
	v, err := scm.DecodeJSON(body)
	if err != nil {
		return false
	}
	for _, tok := range strings.Split(pointer, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return false
			}
			v = x[i]
		default:
			return false
		}
	}
	return true
}

// marker is one entry of InferredExtension as written.
type marker struct {
	Statement string `json:"statement"`
	Rule
}

// parseMarkers reads the value of InferredExtension: a string, an entry,
// or a list of either.
func parseMarkers(where string, v any) ([]marker, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", InferredExtension, where, err)
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		list = []json.RawMessage{raw}
	}
	out := make([]marker, 0, len(list))
	for i, item := range list {
		var m marker
		var s string
		if json.Unmarshal(item, &s) == nil {
			m.Statement = s
		} else {
			dec := json.NewDecoder(bytes.NewReader(item))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("%s at %s, entry %d: %w (want statement, status, error_code, header, media_type, member)", InferredExtension, where, i+1, err)
			}
		}
		m.Statement = strings.Join(strings.Fields(m.Statement), " ")
		if m.Statement == "" {
			return nil, fmt.Errorf("%s at %s, entry %d: the statement is missing", InferredExtension, where, i+1)
		}
		if m.Member != "" && !strings.HasPrefix(m.Member, "/") {
			return nil, fmt.Errorf("%s at %s, entry %d: member %q is not a JSON pointer (it starts with /)", InferredExtension, where, i+1, m.Member)
		}
		out = append(out, m)
	}
	return out, nil
}

var inferredWord = regexp.MustCompile(`(?i)\binferred\b`)

// inferredSentences returns the sentences of a description that say
// "inferred", with white space collapsed.
func inferredSentences(text string) []string {
	text = strings.Join(strings.Fields(text), " ")
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		end := i+1 == len(text)
		if !end && (strings.IndexByte(".!?", text[i]) < 0 || text[i+1] != ' ') {
			continue
		}
		if s := strings.TrimSpace(text[start : i+1]); inferredWord.MatchString(s) {
			out = append(out, s)
		}
		start = i + 1
	}
	return out
}

// scanner collects the inferred statements of one operation.
type scanner struct {
	opID    string
	out     []*Inferred
	errs    []error
	refs    map[string]bool
	schemas map[*openapi3.Schema]bool
}

func inferredStatements(opID string, op *openapi3.Operation) ([]*Inferred, error) {
	sc := &scanner{opID: opID, refs: map[string]bool{}, schemas: map[*openapi3.Schema]bool{}}
	sc.object("operation", op.Extensions, Rule{}, op.Summary, op.Description)
	for _, p := range op.Parameters {
		if p == nil || p.Value == nil || !sc.first(p.Ref) {
			continue
		}
		where := refOr(p.Ref, "parameter "+p.Value.In+" "+p.Value.Name)
		sc.object(where, p.Value.Extensions, Rule{}, p.Value.Description)
		sc.schema(where+" schema", p.Value.Schema)
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil && sc.first(rb.Ref) {
		where := refOr(rb.Ref, "request body")
		sc.object(where, rb.Value.Extensions, Rule{}, rb.Value.Description)
		sc.content(where, rb.Value.Content, Rule{})
	}
	if op.Responses != nil {
		keys := make([]string, 0, op.Responses.Len())
		for k := range op.Responses.Map() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ref := op.Responses.Value(k)
			if ref == nil || ref.Value == nil || !sc.first(ref.Ref) {
				continue
			}
			var derived Rule
			if ref.Ref == "" {
				derived.Status, _ = strconv.Atoi(k) // 0 for default and ranges
			}
			sc.response(refOr(ref.Ref, "response "+k), ref.Value, derived)
		}
	}
	if len(sc.errs) > 0 {
		return nil, errors.Join(sc.errs...)
	}
	return sc.out, nil
}

// first reports whether ref ("" for an object written in place) is seen
// for the first time.
func (sc *scanner) first(ref string) bool {
	if ref == "" {
		return true
	}
	if sc.refs[ref] {
		return false
	}
	sc.refs[ref] = true
	return true
}

func refOr(ref, where string) string {
	if ref != "" {
		return strings.TrimPrefix(ref, "#/")
	}
	return where
}

// object lists the statements of one object: its InferredExtension entries
// or, without the extension, the sentences of its descriptions that say
// "inferred".
func (sc *scanner) object(where string, ext map[string]any, derived Rule, descriptions ...string) {
	if v, ok := ext[InferredExtension]; ok {
		markers, err := parseMarkers(where, v)
		if err != nil {
			sc.errs = append(sc.errs, err)
			return
		}
		for _, m := range markers {
			sc.out = append(sc.out, &Inferred{Operation: sc.opID, Where: where, Statement: m.Statement,
				Marked: InferredExtension, Rule: m.orFrom(derived), ConfirmedBy: []string{}})
		}
		return
	}
	for _, d := range descriptions {
		for _, s := range inferredSentences(d) {
			sc.out = append(sc.out, &Inferred{Operation: sc.opID, Where: where, Statement: s,
				Marked: "description", ConfirmedBy: []string{}})
		}
	}
}

func (sc *scanner) response(where string, resp *openapi3.Response, derived Rule) {
	desc := ""
	if resp.Description != nil {
		desc = *resp.Description
	}
	sc.object(where, resp.Extensions, derived, desc)
	names := make([]string, 0, len(resp.Headers))
	for name := range resp.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		h := resp.Headers[name]
		if h == nil || h.Value == nil || !sc.first(h.Ref) {
			continue
		}
		hd := Rule{Header: name}
		if h.Ref == "" {
			hd.Status = derived.Status
		}
		hw := refOr(h.Ref, where+" header "+name)
		sc.object(hw, h.Value.Extensions, hd, h.Value.Description)
		sc.schema(hw+" schema", h.Value.Schema)
	}
	sc.content(where, resp.Content, derived)
}

func (sc *scanner) content(where string, content openapi3.Content, derived Rule) {
	types := make([]string, 0, len(content))
	for mt := range content {
		types = append(types, mt)
	}
	sort.Strings(types)
	for _, mt := range types {
		m := content[mt]
		if m == nil {
			continue
		}
		d := derived
		d.MediaType = mt
		mw := where + " media type " + mt
		sc.object(mw, m.Extensions, d)
		sc.schema(mw+" schema", m.Schema)
	}
}

// schema lists the statements of a schema and of the schemas inside it.
// Nothing is taken from where a schema sits: its entries give their rule.
func (sc *scanner) schema(where string, ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil || sc.schemas[ref.Value] {
		return
	}
	s := ref.Value
	sc.schemas[s] = true
	where = refOr(ref.Ref, where)
	sc.object(where, s.Extensions, Rule{}, s.Title, s.Description)
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sc.schema(where+" property "+name, s.Properties[name])
	}
	sc.schema(where+" items", s.Items)
	sc.schema(where+" additionalProperties", s.AdditionalProperties.Schema)
	for _, group := range []struct {
		keyword string
		refs    openapi3.SchemaRefs
	}{{"allOf", s.AllOf}, {"oneOf", s.OneOf}, {"anyOf", s.AnyOf}} {
		for i, r := range group.refs {
			sc.schema(fmt.Sprintf("%s %s[%d]", where, group.keyword, i), r)
		}
	}
}
