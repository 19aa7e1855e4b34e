package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// checkResponse checks the response of an exchange against the operation
// of route, in steps, each of which reports the problems of one kind: the
// status, the documented headers, the content type, the body. The body is
// checked even under a wrong content type, as the documented one when
// there is only one, so that every problem is reported.
func (v *Validator) checkResponse(ctx context.Context, route *routers.Route, ex *Exchange) []Problem {
	var problems []Problem
	responses := route.Operation.Responses
	ref := responses.Status(ex.StatusCode)
	if ref == nil {
		problems = append(problems, Problem{KindStatus, fmt.Sprintf("status %d is not documented (documented: %s)",
			ex.StatusCode, joinInts(documentedStatuses(route.Operation)))})
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return problems // nothing documented to check the rest against
	}
	resp := ref.Value
	problems = append(problems, v.headerProblems(ctx, route, ex)...)
	header := ex.Header
	if len(resp.Content) > 0 {
		if msg := contentTypeProblem(resp.Content, ex.Header.Get("Content-Type")); msg != "" {
			problems = append(problems, Problem{KindContentType, msg})
			keys := mediaTypes(resp.Content)
			if len(keys) != 1 {
				return problems // which media type the body should be is unknown
			}
			header = ex.Header.Clone()
			if header == nil {
				header = http.Header{}
			}
			header.Set("Content-Type", keys[0])
		}
	}
	return append(problems, v.bodyProblems(ctx, route, ex, header)...)
}

// The options of the header and body steps; kin-openapi only reads them.
var (
	headerOptions = &openapi3filter.Options{MultiError: true, ExcludeResponseBody: true}
	bodyOptions   = &openapi3filter.Options{MultiError: true}
)

// headerProblems validates the documented response headers alone: the
// body is excluded, and the status was checked before.
func (v *Validator) headerProblems(ctx context.Context, route *routers.Route, ex *Exchange) []Problem {
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: ex.Request, Route: route},
		Status:                 ex.StatusCode,
		Header:                 ex.Header,
		Options:                headerOptions,
	}
	if err := openapi3filter.ValidateResponse(ctx, input); err != nil {
		return []Problem{{KindResponseHeader, firstLine(err.Error())}}
	}
	return nil
}

// bodyProblems validates the body alone, under header's content type,
// with kin-openapi's body decoding (which decodes JSON with scm.DecodeJSON,
// see RegisterJSONBodyDecoder) and schema validation. The operation is
// replaced by its copy without response headers, so that every error here
// is about the body.
func (v *Validator) bodyProblems(ctx context.Context, route *routers.Route, ex *Exchange, header http.Header) []Problem {
	bodyRoute := v.bodyOnly[route.Operation]
	if bodyRoute == nil {
		bodyRoute = route
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: ex.Request, Route: bodyRoute},
		Status:                 ex.StatusCode,
		Header:                 header,
		Options:                bodyOptions,
	}
	input.SetBodyBytes(ex.Body)
	err := openapi3filter.ValidateResponse(ctx, input)
	if err == nil {
		return nil
	}
	if errors.Is(err, scm.ErrMalformedJSON) {
		var re *openapi3filter.ResponseError
		if errors.As(err, &re) && re.Err != nil {
			err = re.Err // the decoder's own words, without kin-openapi's prefix
		}
		return []Problem{{KindResponseBody, "body is " + err.Error()}}
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		out := make([]Problem, 0, len(me))
		for _, e := range me {
			out = append(out, Problem{KindResponseBody, schemaMessage(e)})
		}
		return out
	}
	return []Problem{{KindResponseBody, schemaMessage(err)}}
}

// schemaMessage renders a schema error as `at "/pointer": reason`, and any
// other error by its first line.
func schemaMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("at %q: %s", "/"+strings.Join(se.JSONPointer(), "/"), se.Reason)
	}
	return firstLine(err.Error())
}

// contentTypeProblem checks a response's Content-Type against the media
// types its response documents, and returns what is wrong, or "". The
// value must parse (scm.ParseContentType) and name a documented media
// type; application/json must also keep scm.CheckContentType, the rule the
// client applies.
func contentTypeProblem(content openapi3.Content, contentType string) string {
	if content.Get(scm.MediaTypeJSON) != nil && scm.CheckContentType(contentType) == nil {
		return "" // the usual case, without building a message
	}
	notDocumented := func() string {
		return fmt.Sprintf("Content-Type %q is not documented (documented: %s)", contentType, strings.Join(mediaTypes(content), ", "))
	}
	if contentType == "" {
		return notDocumented()
	}
	mediaType, _, err := scm.ParseContentType(contentType)
	if err != nil {
		return err.Error()
	}
	if content.Get(mediaType) == nil {
		return notDocumented()
	}
	if mediaType == scm.MediaTypeJSON {
		if err := scm.CheckContentType(contentType); err != nil {
			return err.Error()
		}
	}
	return ""
}

// mediaTypes lists the documented media types, sorted.
func mediaTypes(content openapi3.Content) []string {
	out := make([]string, 0, len(content))
	for mt := range content {
		out = append(out, mt)
	}
	slices.Sort(out)
	return out
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

func joinInts(xs []int) string {
	if len(xs) == 0 {
		return "none"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
