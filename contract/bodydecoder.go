package contract

import (
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// jsonMediaTypes are the JSON media types whose bodies kin-openapi decodes
// with its own JSON decoder unless told otherwise: application/json and the
// +json types it registers. Any other +json type falls back to
// application/json's decoder.
var jsonMediaTypes = []string{
	"application/json",
	"application/json-patch+json",
	"application/merge-patch+json",
	"application/ld+json",
	"application/hal+json",
	"application/vnd.api+json",
	"application/problem+json",
}

var registerJSON sync.Once

// RegisterJSONBodyDecoder makes kin-openapi's openapi3filter decode every
// JSON body (application/json and any +json type), of requests and
// responses, with
// scm.DecodeJSON: the definition of a well-formed body that the client
// applies. openapi3filter's own decoder takes the first JSON value and
// ignores what follows, keeps the last of repeated member names and
// replaces invalid UTF-8, so without this the validator would call valid
// what the client refuses.
//
// NOTE that the registration is global: openapi3filter keeps one registry
// per process, and has no option to set a decoder for one validation, so
// every openapi3filter validation in the program decodes JSON this way
// afterwards. That only refuses bodies that RFC 8259 and RFC 7493 do not
// allow. NewValidatorFromDoc calls it. It is idempotent (it registers
// once, however often it is called) and safe for concurrent use; a later
// openapi3filter.RegisterBodyDecoder for one of these media types, by
// other code, replaces it.
func RegisterJSONBodyDecoder() {
	registerJSON.Do(func() {
		for _, mediaType := range jsonMediaTypes {
			openapi3filter.RegisterBodyDecoder(mediaType, decodeJSONBody)
		}
	})
}

// decodeJSONBody is the openapi3filter.BodyDecoder of JSON bodies. Its
// errors are scm.DecodeJSON's, which wrap scm.ErrMalformedJSON.
func decodeJSONBody(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return scm.DecodeJSON(data)
}
