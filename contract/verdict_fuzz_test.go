package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// FuzzVerdict is the differential test of the four judges of a response:
// the Validator, the client (scm.ParseCancelCertResult), the mock's check of its
// own answers and the Recorder's valid/invalid mark. Given any status,
// content type and body answering a good cancel-cert request:
//
//   - the mock sends the answer exactly when the validator calls it valid,
//     and the recorder marks it valid exactly then;
//   - for a 200, the validator calls it valid exactly when the client
//     returns a result, exactly when the standards say it is one (see
//     standardVerdict), and the result's fields are the body's exact
//     members;
//   - for another status, the client's Code, Message and request ID come
//     from the body's exact members or not at all, and the validator finds
//     the body well-formed exactly when the standards do.
//
// Seeds: every case of issue 9, and the documented answers.
func FuzzVerdict(f *testing.F) {
	ok := `{"cert_id":"c","message":"m"}`
	for _, seed := range []struct {
		status      int
		contentType string
		body        string
	}{
		{200, "application/json", `{ "cert_id": " scs1481110651012", "message": "success" }`},
		{200, "application/json", ok + ` garbage!!`},
		{200, "application/json", ok + ok},
		{200, "application/json", ok + "\x00"},
		{200, `application/json; charset="utf-8`, ok},
		{200, "application/json;charset=UTF-8", ok},
		{200, "application/json; charset=utf-8; charset=utf-8", ok},
		{200, "application/problem+json", ok},
		{200, "application/json", `{"CERT_ID":"upper","Message":"m"}`},
		{200, "application/json", `{"cert_id":"real","CERT_ID":"fake","message":"m"}`},
		{200, "application/json", `{"cert_id":"c","meſſage":"m"}`},
		{200, "application/json", `{"cert_id":"c","message":"m","cert_id":"d"}`},
		{200, "application/json", "{\"cert_id\":\"c\xff\",\"message\":\"m\"}"},
		{200, "application/json", `{"cert_id":"\ud800","message":"m"}`},
		{200, "application/json", `{"cert\u005fid":"c","message":"m","n":1e400}`},
		{200, "application/json", ""},
		{200, "text/plain", ok},
		{400, "application/json", `{"error_code":"SCM.0010","error_msg":"m"}`},
		{400, "application/json", `{"ERROR_CODE":"SCM.0010","error_msg":"m"}`},
		{400, "application/json", `{"error_code":"SCM.0010","error_msg":"m","error_code":"SCM.0003"}`},
		{401, "application/json", `{"error_code":"APIGW.0301","error_msg":"m","request_id":"r"} x`},
		{404, "text/plain", `{"error_code":"APIGW.0101","error_msg":"m"}`},
		{429, "application/json", `{"error_code":3,"error_msg":"m"}`},
		{502, "text/html", "<html>bad gateway</html>"},
	} {
		f.Add(seed.status, seed.contentType, []byte(seed.body))
	}
	v, err := NewValidator()
	require.NoError(f, err)
	var logged []string
	m, err := NewMock(WithRequestIDs(func() string { return verdictRequestID }),
		WithLogf(func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		status = 100 + (status%500+500)%500 // an HTTP status
		header := http.Header{"Content-Type": {contentType}, "X-Request-Id": {verdictRequestID}}
		ex := &Exchange{Request: verdictRequest(t), StatusCode: status, Header: header, Body: body}

		// The validator.
		verr := v.Validate(context.Background(), ex)
		var ve *ValidationError
		require.True(t, verr == nil || errors.As(verr, &ve), "nil or a *ValidationError, got %v", verr)
		valid := verr == nil

		// The mock, answering with this response.
		logged = nil
		m.handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write(body)
		})
		w := httptest.NewRecorder()
		m.ServeHTTP(w, verdictRequest(t))
		sent := w.Code == status && bytes.Equal(w.Body.Bytes(), body)
		require.Equal(t, valid, sent, "the mock sends what the validator calls valid (validator: %v)", verr)
		require.Equal(t, !valid, len(logged) == 1, "the mock reports exactly the answers it refuses: %v", logged)

		// The recorder's mark, when no transport validated the exchange first.
		rec, err := (&Recorder{Dir: "not-written", Endpoint: "http://127.0.0.1"}).recording(ex, Verdict{})
		require.NoError(t, err)
		require.Equal(t, valid, rec.Expect.Valid, "the recorder marks what the validator says (validator: %v)", verr)

		// The client.
		resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body))}
		got, cerr := scm.ParseCancelCertResult(resp, int64(len(body))+1)
		std := standardVerdict(contentType, body)
		if status == http.StatusOK {
			require.Equal(t, std.result, got != nil, "the client returns a result exactly when the standards say (client: %v)", cerr)
			require.Equal(t, std.result, valid, "the validator calls a 200 valid exactly when the standards say (validator: %v)", verr)
			if got != nil {
				require.Equal(t, std.members["cert_id"], got.CertId)
				require.Equal(t, std.members["message"], got.Message)
			}
			return
		}
		var apiErr *scm.APIError
		require.True(t, errors.As(cerr, &apiErr), "any other status is an *APIError, got %v", cerr)
		require.Equal(t, std.members["error_code"], apiErr.Code, "Code is the exact error_code or empty")
		require.Equal(t, std.members["error_msg"], apiErr.Message, "Message is the exact error_msg or empty")
		if id := std.members["request_id"]; id != "" {
			require.Equal(t, id, apiErr.RequestID)
		} else {
			require.Equal(t, verdictRequestID, apiErr.RequestID, "without request_id, the header's")
		}
		require.Equal(t, len(body) > 0 && !std.object, errors.Is(cerr, scm.ErrBodyNotRead),
			"an error body is not read exactly when it is not one well-formed object (client: %v)", cerr)
		if skipsBody[status] {
			return // kin-openapi does not look at these bodies
		}
		notJSON := ve != nil && ve.Has(KindResponseBody, "body is not valid JSON")
		require.Equal(t, !std.wellFormed, notJSON, "the validator finds the body well-formed exactly when the standards do (validator: %v)", verr)
	})
}

const verdictRequestID = "0123456789abcdef0123456789abcdef"

// skipsBody are the statuses whose bodies openapi3filter.ValidateResponse
// never checks. The validator still reports them as undocumented.
var skipsBody = map[int]bool{301: true, 304: true, 307: true, 308: true}

// verdictRequest is a cancel-cert request that keeps the contract.
func verdictRequest(t *testing.T) *http.Request {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "http://scm.example/v2/p1/scm/cert/scs1/cancel-cert", nil)
	req.Header.Set("X-Auth-Token", "a-token")
	return req
}

// standard is what RFC 8259, RFC 7493 and RFC 9110 say of a response.
type standard struct {
	wellFormed bool              // valid UTF-8, one JSON value, no repeated member name
	object     bool              // wellFormed, and the value is an object
	members    map[string]string // the object's members whose values are strings, by exact name
	result     bool              // a 200 with this content type and body is a cancel-cert result
}

// standardVerdict judges a content type and a body by reading them token
// by token, apart from the code under test: the body with a jsontext
// Decoder and its default options (RFC 8259 and RFC 7493: valid UTF-8,
// duplicate names refused), the content type with mime.ParseMediaType.
func standardVerdict(contentType string, body []byte) standard {
	var std standard
	std.wellFormed, std.object, std.members = readObject(body)
	mediaType, params, err := mime.ParseMediaType(contentType)
	jsonType := err == nil && mediaType == "application/json"
	for name := range params {
		jsonType = jsonType && name == "charset"
	}
	_, hasID := std.members["cert_id"]
	_, hasMsg := std.members["message"]
	std.result = jsonType && std.object && hasID && hasMsg
	return std
}

func readObject(body []byte) (wellFormed, object bool, members map[string]string) {
	if !utf8.Valid(body) {
		return false, false, nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	members = map[string]string{}
	tok, err := dec.ReadToken()
	if err != nil {
		return false, false, nil
	}
	if tok.Kind() == '{' {
		object = true
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return false, false, nil
			}
			name := tok.String() // before the next call voids the token
			if dec.PeekKind() == '"' {
				value, err := dec.ReadToken()
				if err != nil {
					return false, false, nil
				}
				members[name] = value.String()
				continue
			}
			if err := dec.SkipValue(); err != nil {
				return false, false, nil
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return false, false, nil
		}
	} else if k := tok.Kind(); k == '[' {
		if err := skipRest(dec); err != nil {
			return false, false, nil
		}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return false, false, nil // more than one value
	}
	if !object {
		members = nil
	}
	return true, object, members
}

// skipRest skips what is left of the array the decoder is in.
func skipRest(dec *jsontext.Decoder) error {
	for dec.PeekKind() != ']' {
		if err := dec.SkipValue(); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// TestStandardVerdict checks the fuzz target's reading of the standards on
// the cases it exists for, so that FuzzVerdict's oracle can fail.
func TestStandardVerdict(t *testing.T) {
	for _, tt := range []struct {
		contentType, body string
		want              standard
	}{
		{"application/json", `{"cert_id":"c","message":"m"}`,
			standard{true, true, map[string]string{"cert_id": "c", "message": "m"}, true}},
		{"application/json", `{"cert_id":"c","message":"m"} x`, standard{}},
		{"application/json", `{"cert_id":"c","message":"m"}{}`, standard{}},
		{"application/json", `{"a":"1","a":"2"}`, standard{}},
		{"application/json", "\"\xff\"", standard{}},
		{"application/json", `"\ud800"`, standard{}},
		{"application/json", `[1,{"a":2}]`, standard{wellFormed: true}},
		{"application/json", ` "s" `, standard{wellFormed: true}},
		{"application/json", `{"CERT_ID":"c","message":"m","n":1}`, standard{true, true, map[string]string{"CERT_ID": "c", "message": "m"}, false}},
		{`application/json; charset="utf-8`, `{"cert_id":"c","message":"m"}`,
			standard{true, true, map[string]string{"cert_id": "c", "message": "m"}, false}},
		{"application/problem+json", `{"cert_id":"c","message":"m"}`,
			standard{true, true, map[string]string{"cert_id": "c", "message": "m"}, false}},
	} {
		t.Run(tt.contentType+" "+strings.ToValidUTF8(tt.body, "?"), func(t *testing.T) {
			require.Equal(t, tt.want, standardVerdict(tt.contentType, []byte(tt.body)))
		})
	}
}
