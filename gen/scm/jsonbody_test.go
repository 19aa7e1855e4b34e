package scm

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckContentType checks the documented media type, as RFC 9110
// §8.3.1 parses it.
func TestCheckContentType(t *testing.T) {
	for _, ct := range []string{
		"application/json",
		"application/json;charset=UTF-8",
		"application/json; charset=utf-8",
		`Application/JSON; Charset="ISO-8859-1"`,
		"application/json;",
		"application/json ; charset=utf-8",
	} {
		require.NoError(t, CheckContentType(ct), ct)
	}
	for _, tt := range []struct{ contentType, why, want string }{
		{"", "no media type at all", "no content type"},
		{`application/json; charset="utf-8`, "an unterminated quoted string does not parse", "mime: invalid media parameter"},
		{"application/json; =utf-8", "a parameter needs a name", "mime: invalid media parameter"},
		{"application/json; charset=utf-8; charset=latin1", "a parameter may not repeat", "mime: duplicate parameter name"},
		{"application/json charset=utf-8", "parameters follow a semicolon", "mime: unexpected content after media subtype"},
		{"application/problem+json", "only application/json is documented, not any +json type", `"application/problem+json" is not application/json`},
		{"text/json", "another media type", `"text/json" is not application/json`},
		{"application/json; version=2", "application/json defines no parameter but charset is harmless", `parameter "version" is not defined for application/json`},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			require.ErrorContains(t, CheckContentType(tt.contentType), tt.want, "must be refused: %s", tt.why)
		})
	}
}

// TestUnmarshalJSON checks the definition of a well-formed body: valid
// UTF-8, exactly one JSON value, no repeated member name; member names
// match exactly.
func TestUnmarshalJSON(t *testing.T) {
	type result struct {
		CertID  *string `json:"cert_id"`
		Message *string `json:"message"`
	}
	for _, tt := range []struct{ body, why, want string }{
		{"", "no value", "not valid JSON: body is empty"},
		{" \t\r\n", "no value, only whitespace", "not valid JSON: body is empty"},
		{`{"cert_id":"c"} garbage!!`, "data after the value", "invalid character 'g' after top-level value"},
		{`{"cert_id":"c"}{"cert_id":"d"}`, "two values", "invalid character '{' after top-level value"},
		{"{\"cert_id\":\"c\"}\x00", "a NUL after the value", `invalid character '\x00' after top-level value`},
		{`{"cert_id":"c","cert_id":"d"}`, "a repeated member name (RFC 7493 §2.3)", `duplicate object member name "cert_id"`},
		{`{"cert_id":1,"x":{"a":1,"a":2}}`, "a repeated name deeper down, even after a value that does not fit", `duplicate object member name "a" within "/x"`},
		{"{\"cert_id\":\"\xff\"}", "invalid UTF-8 (RFC 8259 §8.1)", "invalid UTF-8"},
		{`{"cert_id":"\udc00"}`, "an escaped lone surrogate", "invalid surrogate pair"},
		{"\ufeff{}", "a byte order mark", "invalid character"},
	} {
		t.Run(tt.why, func(t *testing.T) {
			var r result
			err := UnmarshalJSON([]byte(tt.body), &r)
			require.ErrorIs(t, err, ErrMalformedJSON, "must be refused: %s", tt.why)
			require.ErrorContains(t, err, tt.want)
		})
	}

	var r result
	err := UnmarshalJSON([]byte(`{"cert_id":1}`), &r)
	require.Error(t, err, "a number is no string")
	require.NotErrorIs(t, err, ErrMalformedJSON, "a value that does not fit is not a malformed body")

	r = result{}
	require.NoError(t, UnmarshalJSON([]byte(`{"CERT_ID":"upper","cert_id":"exact","Message":"m","meſſage":"s"}`), &r))
	require.Equal(t, "exact", *r.CertID, "names match exactly")
	require.Nil(t, r.Message, "neither Message nor meſſage is message")
}

// TestDecodeJSON checks the generic form given to kin-openapi.
func TestDecodeJSON(t *testing.T) {
	got, err := DecodeJSON([]byte(` {"n":[1, 1e400, -0.5],"s":"x","b":false,"z":null} `))
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"n": []any{json.Number("1"), json.Number("1e400"), json.Number("-0.5")},
		"s": "x", "b": false, "z": nil,
	}, got)

	_, err = DecodeJSON([]byte(`{"a":1,"a":2}`))
	require.ErrorIs(t, err, ErrMalformedJSON)
	_, err = DecodeJSON([]byte(`1 2`))
	require.ErrorIs(t, err, ErrMalformedJSON)
}
