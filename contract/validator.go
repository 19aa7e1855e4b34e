package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/scmcontract/cancelcert/openapi"
)

// Kind names the part of an exchange that a Problem is about.
type Kind string

// The kinds of problem the Validator reports.
const (
	KindRoute          Kind = "route"           // no operation of the spec has this method and path
	KindSecurity       Kind = "security"        // no accepted credential header is present
	KindRequest        Kind = "request"         // a parameter or the request body breaks the spec
	KindStatus         Kind = "status"          // the status is not one the operation documents
	KindContentType    Kind = "content-type"    // the response's media type is not the documented one
	KindResponseHeader Kind = "response-header" // a documented response header breaks its schema
	KindResponseBody   Kind = "response-body"   // the body is not well-formed or breaks its schema
)

// Problem is one way in which an exchange breaks the contract.
type Problem struct {
	Kind    Kind
	Message string
}

func (p Problem) String() string { return string(p.Kind) + ": " + p.Message }

// ValidationError lists every problem found in one exchange. It is what
// Validator.Validate returns when the exchange breaks the contract.
type ValidationError struct {
	Method   string
	Path     string
	Status   int
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "contract: %s %s -> %d: %d problem(s)", e.Method, e.Path, e.Status, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether one of the problems is of the given kind and its
// message contains substr.
func (e *ValidationError) Has(kind Kind, substr string) bool {
	return slices.ContainsFunc(e.Problems, func(p Problem) bool {
		return p.Kind == kind && strings.Contains(p.Message, substr)
	})
}

// ErrIncompleteExchange is wrapped by the error Validate and
// ValidateRequest return for an exchange they cannot judge: nil, without a
// request, a request URL or a response status. It is not a
// *ValidationError: the exchange was not checked at all.
var ErrIncompleteExchange = errors.New("incomplete exchange")

// Exchange is one HTTP request and the response to it, with both bodies read
// into memory.
type Exchange struct {
	// Request gives the method, URL (any host) and headers. Its Body is
	// ignored: the body is RequestBody. Required, with its URL.
	Request     *http.Request
	RequestBody []byte

	StatusCode int         // required
	Header     http.Header // response headers
	Body       []byte      // response body, byte for byte
}

// Validator checks exchanges against the OpenAPI document with kin-openapi's
// openapi3filter. It is safe for concurrent use.
//
// Routing ignores the document's servers: an exchange with any scheme and
// host (a documented endpoint, a loopback mock, a recording) is matched by
// method and path. The path is matched as sent first; when no operation
// matches it, leading segments are dropped one at a time, so that an
// endpoint with a base path (https://host/prefix/v2/...), which the client
// accepts, routes too. Only the suffixes that have as many segments as one
// of the document's paths are tried, so a long path costs a few attempts at
// most.
//
// Bodies are judged by the rules of package scm (see scm.DecodeJSON and
// scm.CheckContentType), the ones the client applies: a body is one
// well-formed JSON value, in valid UTF-8, with no member name repeated; a
// JSON response's Content-Type must parse and be application/json, with at
// most a charset parameter. NOTE that NewValidatorFromDoc makes kin-openapi
// decode JSON with scm.DecodeJSON by registering it, once per process, with
// openapi3filter.RegisterBodyDecoder, which is global: see
// RegisterJSONBodyDecoder.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	// slashes holds the numbers of '/' in the document's paths, in
	// descending order: the suffixes of a request path worth routing.
	slashes []int
	// bodyOnly maps each operation to a route to a copy of it whose
	// responses document no headers, with which the body is checked apart
	// from the headers.
	bodyOnly map[*openapi3.Operation]*routers.Route
}

// NewValidator builds a Validator from the embedded spec.
func NewValidator() (*Validator, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, fmt.Errorf("contract: build validator: %w", err)
	}
	return NewValidatorFromDoc(doc)
}

// defaultValidator is the Validator of the embedded spec, built once for
// the users that were given none.
var defaultValidator = sync.OnceValues(NewValidator)

// NewValidatorFromDoc builds a Validator from a loaded document, which it
// does not change. Any document it accepts can be used with any exchange:
// a document without a default response, without responses, or without
// content, for example.
//
// NOTE that it registers scm's JSON decoder with kin-openapi for the whole
// process (see RegisterJSONBodyDecoder).
func NewValidatorFromDoc(doc *openapi3.T) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("contract: build validator: the document has no paths")
	}
	RegisterJSONBodyDecoder()
	// A shallow copy without servers routes any host; doc stays as it was.
	d := *doc
	d.Servers = nil
	router, err := gorillamux.NewRouter(&d)
	if err != nil {
		return nil, fmt.Errorf("contract: build validator: %w", err)
	}
	v := &Validator{doc: &d, router: router, bodyOnly: map[*openapi3.Operation]*routers.Route{}}
	for path, item := range d.Paths.Map() {
		if n := strings.Count(path, "/"); !slices.Contains(v.slashes, n) {
			v.slashes = append(v.slashes, n)
		}
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op != nil {
				v.bodyOnly[op] = &routers.Route{Spec: &d, Path: path, PathItem: item, Method: method, Operation: withoutResponseHeaders(op)}
			}
		}
	}
	slices.Sort(v.slashes)
	slices.Reverse(v.slashes)
	return v, nil
}

// withoutResponseHeaders returns a copy of op whose responses document no
// headers. The document's own objects are not changed.
func withoutResponseHeaders(op *openapi3.Operation) *openapi3.Operation {
	cp := *op
	if op.Responses == nil {
		return &cp
	}
	cp.Responses = openapi3.NewResponses()
	for key, ref := range op.Responses.Map() {
		if ref == nil || ref.Value == nil {
			cp.Responses.Set(key, ref)
			continue
		}
		resp := *ref.Value
		resp.Headers = nil
		cp.Responses.Set(key, &openapi3.ResponseRef{Value: &resp})
	}
	return &cp
}

// Validate checks a whole exchange: the route, the request's parameters and
// credentials, the status, the documented headers, the content type and
// the body. It returns nil when the exchange keeps the contract, a
// *ValidationError naming every problem when it does not, and an error
// wrapping ErrIncompleteExchange when it cannot be judged. The request is
// validated once. What the exchange shows that the spec does not document
// but the contract tolerates is no problem: ValidateWithNotes returns it.
func (v *Validator) Validate(ctx context.Context, ex *Exchange) error {
	_, err := v.validate(ctx, ex, false)
	return err
}

// ValidateWithNotes is Validate that also returns the exchange's drift
// notes (see DriftNotes): the members, headers and media-type parameters
// of the response that the operation the exchange was routed to does not
// document. Notes are not problems: an exchange can keep the contract and
// have notes, or break it and have some. They are computed after the one
// validation, whatever its verdict, from the route it found; an exchange
// that reaches no operation, or cannot be judged, has none. The Transport
// calls it and hands the notes to its hooks in the Verdict.
func (v *Validator) ValidateWithNotes(ctx context.Context, ex *Exchange) ([]Note, error) {
	return v.validate(ctx, ex, true)
}

func (v *Validator) validate(ctx context.Context, ex *Exchange, withNotes bool) ([]Note, error) {
	if err := checkExchange(ex); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	route, problems := v.checkRequest(ctx, ex.Request, ex.RequestBody, true)
	var notes []Note
	if route != nil {
		problems = append(problems, v.checkResponse(ctx, route, ex)...)
		if withNotes {
			notes = DriftNotes(route.Operation, ex.StatusCode, ex.Header, ex.Body)
		}
	}
	if len(problems) == 0 {
		return notes, nil
	}
	return notes, &ValidationError{Method: ex.Request.Method, Path: ex.Request.URL.EscapedPath(), Status: ex.StatusCode, Problems: problems}
}

// ValidateRequest checks a request alone (route, parameters, credentials,
// body), as a server does before answering it. It returns nil, a
// *ValidationError, or an error wrapping ErrIncompleteExchange for a nil
// request or one without a URL.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, body []byte) error {
	if err := checkRequestPresent(req); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	_, problems := v.checkRequest(ctx, req, body, true)
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Method: req.Method, Path: req.URL.EscapedPath(), Problems: problems}
}

// checkExchange refuses an exchange that cannot be judged.
func checkExchange(ex *Exchange) error {
	if ex == nil {
		return fmt.Errorf("contract: validate: %w: nil exchange", ErrIncompleteExchange)
	}
	if err := checkRequestPresent(ex.Request); err != nil {
		return err
	}
	if ex.StatusCode == 0 {
		return fmt.Errorf("contract: validate: %w: no response status", ErrIncompleteExchange)
	}
	return nil
}

func checkRequestPresent(req *http.Request) error {
	switch {
	case req == nil:
		return fmt.Errorf("contract: validate: %w: no request", ErrIncompleteExchange)
	case req.URL == nil:
		return fmt.Errorf("contract: validate: %w: the request has no URL", ErrIncompleteExchange)
	}
	return nil
}

// operationRoute returns the route of the operation with the given
// operationId, or nil.
func (v *Validator) operationRoute(id string) *routers.Route {
	for path, item := range v.doc.Paths.Map() {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op != nil && op.OperationID == id {
				return &routers.Route{Spec: v.doc, Path: path, PathItem: item, Method: method, Operation: op}
			}
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
