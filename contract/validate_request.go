package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// checkRequest finds the request's operation and validates the request
// against it, once. With anyBase, leading path segments may be dropped to
// find the operation (see Validator); without, the path must match as
// sent. The route is nil when no operation matches.
func (v *Validator) checkRequest(ctx context.Context, req *http.Request, body []byte, anyBase bool) (*routers.Route, []Problem) {
	route, params, err := v.findRoute(req, anyBase)
	if err != nil {
		return nil, []Problem{{KindRoute, fmt.Sprintf("%s %s: %v", req.Method, req.URL.EscapedPath(), err)}}
	}
	// Validate a shallow copy reading body, so that the caller's request
	// and body stay as they were (see requestOptions).
	r := req.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    requestOptions,
	}
	return route, requestProblems(openapi3filter.ValidateRequest(ctx, input))
}

// requestOptions are the options of every request validation; kin-openapi
// only reads them. With SkipSettingDefaults, it changes neither the URL nor
// the headers of the request.
var requestOptions = &openapi3filter.Options{
	MultiError:                        true,
	RejectWhenRequestBodyNotSpecified: true,
	SkipSettingDefaults:               true,
	AuthenticationFunc:                headerPresent,
}

// findRoute matches the request's method and path to an operation: the
// path as sent, then, with anyBase, its suffixes that have as many
// segments as one of the document's paths, longest first. The error is
// routers.ErrMethodNotAllowed when some path matched with another method.
func (v *Validator) findRoute(req *http.Request, anyBase bool) (*routers.Route, map[string]string, error) {
	route, params, err := v.router.FindRoute(req)
	if err == nil || !anyBase {
		return route, params, err
	}
	escaped := req.URL.EscapedPath()
	slashes := strings.Count(escaped, "/")
	for _, n := range v.slashes {
		if n >= slashes {
			continue // the whole path, tried above
		}
		cut := len(escaped)
		for range n {
			cut = strings.LastIndexByte(escaped[:cut], '/')
		}
		r, ok := withEscapedPath(req, escaped[cut:])
		if !ok {
			continue
		}
		route, params, serr := v.router.FindRoute(r)
		if serr == nil {
			return route, params, nil
		}
		if errors.Is(serr, routers.ErrMethodNotAllowed) {
			err = serr
		}
	}
	return nil, nil, err
}

// withEscapedPath returns a shallow copy of req whose URL has the given
// escaped path.
func withEscapedPath(req *http.Request, escaped string) (*http.Request, bool) {
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, false
	}
	u := *req.URL
	u.Path, u.RawPath = path, escaped
	r := req.WithContext(req.Context())
	r.URL = &u
	return r, true
}

// headerPresent accepts a security scheme when the request carries its
// header (or query or cookie) with a non-empty value. Whether the credential
// is good is for the service (or the mock) to say, not for the contract.
func headerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	r := in.RequestValidationInput.Request
	if s == nil {
		return fmt.Errorf("security scheme %q is not defined", in.SecuritySchemeName)
	}
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

// requestProblems sorts the errors of openapi3filter.ValidateRequest by
// their types: failed security requirements, and any other request error.
func requestProblems(err error) []Problem {
	if err == nil {
		return nil
	}
	var me openapi3.MultiError
	var se *openapi3filter.SecurityRequirementsError
	var re *openapi3filter.RequestError
	switch {
	case errors.As(err, &me):
		var out []Problem
		for _, e := range me {
			out = append(out, requestProblems(e)...)
		}
		return out
	case errors.As(err, &se):
		msgs := make([]string, 0, len(se.Errors))
		for _, e := range se.Errors {
			msgs = append(msgs, rootCause(e))
		}
		return []Problem{{KindSecurity, "no accepted credentials: " + strings.Join(msgs, "; ")}}
	case errors.As(err, &re):
		return []Problem{{KindRequest, firstLine(re.Error())}}
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
