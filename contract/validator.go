package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
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
	KindResponseBody   Kind = "response-body"   // the body does not decode or breaks its schema
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

// Exchange is one HTTP request and the response to it, with both bodies read
// into memory.
type Exchange struct {
	// Request gives the method, URL (any host) and headers. Its Body is
	// ignored: the body is RequestBody.
	Request     *http.Request
	RequestBody []byte

	StatusCode int
	Header     http.Header // response headers
	Body       []byte      // response body, byte for byte
}

// Validator checks exchanges against the OpenAPI document with kin-openapi's
// openapi3filter. It is safe for concurrent use.
//
// NOTE that routing ignores the spec's servers: an exchange with any scheme
// and host (a documented endpoint, a loopback mock, a recording) is matched
// by method and path alone.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// NewValidator builds a Validator from the embedded spec.
func NewValidator() (*Validator, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	return NewValidatorFromDoc(doc)
}

// NewValidatorFromDoc builds a Validator from a loaded document. The
// document's servers are dropped so that routing works for any host; NOTE
// that doc is changed in place and must not be used for anything else.
func NewValidatorFromDoc(doc *openapi3.T) (*Validator, error) {
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Validate checks a whole exchange: the route, the request's parameters and
// credentials, the status, the content type, the documented headers and the
// body. It returns nil when the exchange keeps the contract and a
// *ValidationError naming every problem otherwise.
func (v *Validator) Validate(ctx context.Context, ex *Exchange) error {
	route, reqProblems := v.checkRequest(ctx, ex.Request, ex.RequestBody)
	problems := reqProblems
	if route != nil {
		problems = append(problems, v.checkResponse(ctx, route, ex)...)
	}
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Method: ex.Request.Method, Path: ex.Request.URL.EscapedPath(), Status: ex.StatusCode, Problems: problems}
}

// ValidateRequest checks a request alone (route, parameters, credentials,
// body), as a server does before answering it.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, body []byte) error {
	_, problems := v.checkRequest(ctx, req, body)
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Method: req.Method, Path: req.URL.EscapedPath(), Problems: problems}
}

// documentedStatuses returns the statuses the operation lists explicitly,
// in ascending order. The default response is not among them.
func documentedStatuses(op *openapi3.Operation) []int {
	var codes []int
	for key := range op.Responses.Map() {
		if code, err := strconv.Atoi(key); err == nil {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes
}

func (v *Validator) checkRequest(ctx context.Context, req *http.Request, body []byte) (*routers.Route, []Problem) {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, []Problem{{KindRoute, fmt.Sprintf("%s %s: %v", req.Method, req.URL.EscapedPath(), err)}}
	}
	// Validate a shallow copy so that the caller's request and body stay as they were.
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:                        true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc:                headerPresent,
		},
	}
	err = openapi3filter.ValidateRequest(ctx, input)
	return route, requestProblems(err)
}

// headerPresent accepts a security scheme when the request carries its
// header (or query or cookie) with a non-empty value. Whether the credential
// is good is for the service (or the mock) to say, not for the contract.
func headerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	r := in.RequestValidationInput.Request
	var value string
	switch {
	case s.Type == "apiKey" && s.In == "header":
		value = r.Header.Get(s.Name)
	case s.Type == "apiKey" && s.In == "query":
		value = r.URL.Query().Get(s.Name)
	case s.Type == "apiKey" && s.In == "cookie":
		if c, err := r.Cookie(s.Name); err == nil {
			value = c.Value
		}
	default:
		return fmt.Errorf("security scheme %q of type %q is not supported by the validator", in.SecuritySchemeName, s.Type)
	}
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%s %s %q is missing", in.SecuritySchemeName, s.In, s.Name)
	}
	return nil
}

func requestProblems(err error) []Problem {
	if err == nil {
		return nil
	}
	var out []Problem
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			out = append(out, requestProblems(e)...)
		}
		return out
	}
	var se *openapi3filter.SecurityRequirementsError
	if errors.As(err, &se) {
		msgs := make([]string, 0, len(se.Errors))
		for _, e := range se.Errors {
			msgs = append(msgs, rootCause(e))
		}
		return []Problem{{KindSecurity, "no accepted credentials: " + strings.Join(msgs, "; ")}}
	}
	return []Problem{{KindRequest, firstLine(err.Error())}}
}

// rootCause returns the innermost message of a chain of wrapped errors.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return firstLine(err.Error())
		}
		err = next
	}
}

// operation returns the operation with the given operationId, or nil.
func (v *Validator) operation(id string) *openapi3.Operation {
	for _, item := range v.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

func (v *Validator) checkResponse(ctx context.Context, route *routers.Route, ex *Exchange) []Problem {
	var problems []Problem
	if route.Operation.Responses.Status(ex.StatusCode) == nil {
		problems = append(problems, Problem{KindStatus, fmt.Sprintf("status %d is not documented (documented: %s)",
			ex.StatusCode, joinInts(documentedStatuses(route.Operation)))})
	}
	problems = append(problems, v.responseProblems(ctx, route, ex, ex.Header)...)
	if slices.ContainsFunc(problems, func(p Problem) bool { return p.Kind == KindContentType }) {
		// The body was not checked; check it as the documented media type so
		// that every problem is reported, not only the first.
		if mt := onlyMediaType(route, ex.StatusCode); mt != "" {
			h := ex.Header.Clone()
			if h == nil {
				h = http.Header{}
			}
			h.Set("Content-Type", mt)
			for _, p := range v.responseProblems(ctx, route, ex, h) {
				if p.Kind == KindResponseBody {
					problems = append(problems, p)
				}
			}
		}
	}
	return problems
}

func (v *Validator) responseProblems(ctx context.Context, route *routers.Route, ex *Exchange, header http.Header) []Problem {
	req := ex.Request
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 ex.StatusCode,
		Header:                 header,
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	input.SetBodyBytes(ex.Body)
	err := openapi3filter.ValidateResponse(ctx, input)
	if err == nil {
		return nil
	}
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return []Problem{{KindResponseBody, firstLine(err.Error())}}
	}
	switch {
	case strings.Contains(re.Reason, "Content-Type"):
		return []Problem{{KindContentType, fmt.Sprintf("Content-Type %q is not documented (documented: %s)",
			header.Get("Content-Type"), strings.Join(mediaTypes(route, ex.StatusCode), ", "))}}
	case strings.Contains(re.Reason, "header"):
		return []Problem{{KindResponseHeader, firstLine(re.Error())}}
	case strings.Contains(re.Reason, "decode"):
		msg := "body is not valid JSON"
		if len(bytes.TrimSpace(ex.Body)) == 0 {
			msg = "body is empty"
		}
		return []Problem{{KindResponseBody, msg + ": " + rootCause(re)}}
	}
	var me openapi3.MultiError
	if errors.As(re.Err, &me) {
		out := make([]Problem, 0, len(me))
		for _, e := range me {
			out = append(out, Problem{KindResponseBody, schemaMessage(e)})
		}
		return out
	}
	return []Problem{{KindResponseBody, schemaMessage(re.Err)}}
}

// schemaMessage renders a schema error as `at "/pointer": reason`.
func schemaMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("at %q: %s", "/"+strings.Join(se.JSONPointer(), "/"), se.Reason)
	}
	return firstLine(err.Error())
}

func responseFor(route *routers.Route, status int) *openapi3.Response {
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

func mediaTypes(route *routers.Route, status int) []string {
	resp := responseFor(route, status)
	if resp == nil {
		return nil
	}
	out := make([]string, 0, len(resp.Content))
	for mt := range resp.Content {
		out = append(out, mt)
	}
	slices.Sort(out)
	return out
}

func onlyMediaType(route *routers.Route, status int) string {
	if mts := mediaTypes(route, status); len(mts) == 1 {
		return mts[0]
	}
	return ""
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
