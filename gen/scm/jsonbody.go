package scm

import (
	"bytes"
	encjson "encoding/json"
	"errors"
	"fmt"
	"mime"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// This file holds the one definition of a well-formed body and of the
// documented media type. The client (ParseCancelCert) applies it, and so do
// package contract's validator (through kin-openapi's body decoding), its
// mock (which validates its own responses) and its recorder (which marks
// each recording valid or invalid): every judge reaches the same verdict.
//
// JSON is read with github.com/go-json-experiment/json, the prototype of
// encoding/json/v2, whose defaults are the standards' rules: the input must
// be valid UTF-8 (RFC 8259 §8.1), hold exactly one JSON value with only
// whitespace around it, and repeat no member name within an object (RFC 7493,
// I-JSON §2.3); member names match struct fields exactly, case included.
// encoding/json (v1) breaks each of these: it folds case and matches "ſ"
// with "s", keeps the last of duplicate names, replaces invalid UTF-8, and
// its Decoder stops after the first value.

// MediaTypeJSON is the media type the spec documents for every response
// body, a result or an error.
const MediaTypeJSON = "application/json"

// ErrMalformedJSON is wrapped by the errors of UnmarshalJSON and DecodeJSON
// when a body is not well-formed JSON: empty, not valid UTF-8, not exactly
// one JSON value, or an object repeating a member name.
var ErrMalformedJSON = errors.New("not valid JSON")

// ParseContentType parses a Content-Type field value as RFC 9110 §8.3.1
// says, with mime.ParseMediaType: it returns the media type ("type/subtype")
// in lower case, since type and subtype compare case-insensitively, and the
// parameters, with lower-case names. A value that does not parse is an
// error: an empty one, an unterminated quoted string, a duplicate or
// nameless parameter.
func ParseContentType(contentType string) (mediaType string, params map[string]string, err error) {
	if contentType == "" {
		return "", nil, errors.New("no content type")
	}
	mediaType, params, err = mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	return mediaType, params, nil
}

// CheckContentType reports whether a Content-Type field value names the
// documented media type. It must parse (see ParseContentType) and be
// application/json: not another media type, not even a +json one. Its only
// allowed parameter is charset, with any value: application/json defines
// no parameter (RFC 8259 §11) and a charset has no effect, the body being
// UTF-8 in any case.
func CheckContentType(contentType string) error {
	switch contentType {
	case MediaTypeJSON, "application/json;charset=UTF-8", "application/json; charset=utf-8", "application/json;charset=utf-8":
		return nil // the usual ones, accepted without parsing
	}
	mediaType, params, err := ParseContentType(contentType)
	if err != nil {
		return err
	}
	if mediaType != MediaTypeJSON {
		return fmt.Errorf("content type %q is not %s", contentType, MediaTypeJSON)
	}
	for name := range params {
		if name != "charset" {
			return fmt.Errorf("content type %q: parameter %q is not defined for %s", contentType, name, MediaTypeJSON)
		}
	}
	return nil
}

// UnmarshalJSON decodes a well-formed JSON body into v, a non-nil pointer.
// Member names match the `json` tags of struct fields exactly; unknown
// members are ignored. An error about the body itself wraps
// ErrMalformedJSON; any other error says why the value does not fit v (a
// number where v has a string, an array where v has a struct).
func UnmarshalJSON(body []byte, v any) error {
	return unmarshal(body, v)
}

// DecodeJSON decodes a well-formed JSON body into the generic form of a
// JSON value: map[string]any, []any, string, bool, nil, and numbers as
// encoding/json's Number, their text kept as sent, as kin-openapi's schema
// validation expects them. An error wraps ErrMalformedJSON.
func DecodeJSON(body []byte) (any, error) {
	r := readers.Get().(*bodyReader)
	defer readers.Put(r)
	r.src.Reset(body)
	r.dec.Reset(&r.src)
	v, err := decodeValue(&r.dec)
	if err == nil && len(bytes.TrimLeft(body[r.dec.InputOffset():], jsonSpace)) == 0 {
		return v, nil
	}
	// A Decoder reads a stream of values; whether the body is one value is
	// for Unmarshal to say, which also words the fault for the body whole.
	if serr := unmarshal(body, new(jsontext.Value)); serr != nil {
		return nil, serr
	}
	return nil, fmt.Errorf("%w: %w", ErrMalformedJSON, err)
}

// jsonSpace holds the whitespace characters of RFC 8259 §2.
const jsonSpace = " \t\r\n"

// bodyReader is a jsontext Decoder with its source, for DecodeJSON to
// reuse. The Decoder's default options are the rules: valid UTF-8, no
// repeated member name.
type bodyReader struct {
	src bytes.Reader
	dec jsontext.Decoder
}

var readers = sync.Pool{New: func() any { return new(bodyReader) }}

// decodeValue reads one JSON value from dec, token by token.
func decodeValue(dec *jsontext.Decoder) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		obj := map[string]any{}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			key := name.String() // before the next read voids the token
			value, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			obj[key] = value
		}
		_, err = dec.ReadToken()
		return obj, err
	case '[':
		arr := []any{}
		for dec.PeekKind() != ']' {
			value, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, value)
		}
		_, err = dec.ReadToken()
		return arr, err
	case '"':
		return tok.String(), nil
	case '0':
		return encjson.Number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	}
	return nil, nil // null
}

func unmarshal(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	if len(bytes.TrimLeft(body, jsonSpace)) == 0 {
		return fmt.Errorf("%w: body is empty", ErrMalformedJSON)
	}
	// A body that does not fit v may also be malformed further on; that is
	// the more basic fault, so say so.
	var syntax *jsontext.SyntacticError
	if !errors.As(err, &syntax) {
		if serr := json.Unmarshal(body, new(jsontext.Value)); serr != nil {
			err = serr
		}
	}
	if errors.As(err, &syntax) {
		return fmt.Errorf("%w: %w", ErrMalformedJSON, err)
	}
	return err
}

// jsonString is an object member that is read only when its value is a
// JSON string; any other value is skipped and leaves it empty.
type jsonString string

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (s *jsonString) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '"' {
		return dec.SkipValue()
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	*s = jsonString(tok.String())
	return nil
}
