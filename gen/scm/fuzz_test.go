package scm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/require"
)

// FuzzParseCancelCert feeds ParseCancelCertResult arbitrary statuses, content
// types and bodies. Whatever a server sends, the answer is exactly one of a
// result (only for HTTP 200, with the body's cert_id and message) and an
// *APIError carrying the status; never both, never neither, never a panic.
// An error's Code, when set, is the body's error_code member exactly.
// Seeds: f.Add below (the cases of issue 9 among them) and
// testdata/fuzz/FuzzParseCancelCert. contract's FuzzVerdict checks the
// same answers against the validator's.
func FuzzParseCancelCert(f *testing.F) {
	f.Add(200, "application/json", []byte(`{ "cert_id": " scs1481110651012", "message": "success" }`), "req-1")
	f.Add(200, "application/json;charset=UTF-8", []byte(`{"cert_id":"c","message":"m","extra":[1,2]}`), "")
	f.Add(200, "application/problem+json", []byte(`{"cert_id":null,"message":"m"}`), "")
	f.Add(200, "text/plain", []byte(`{"cert_id":"c","message":"m"}`), "")
	f.Add(200, "application/json; charset", []byte(`[]`), "")
	f.Add(400, "application/json", []byte(`{"error_code":" SCM.0010 ","error_msg":"wrong state","request_id":"r"}`), "hdr")
	f.Add(401, "text/html", []byte(`<html>401</html>`), "")
	f.Add(302, "", []byte(nil), "")
	f.Add(502, "application/json", []byte(`{"error_code":3}`), "line\r\nbreak")
	f.Add(-1, "\x00", []byte("\xff\xfe"), "\x85")
	f.Add(200, "application/json", []byte(`{"cert_id":"c","message":"m"} garbage!!`), "")
	f.Add(200, "application/json", []byte(`{"cert_id":"c","message":"m"}{"cert_id":"c","message":"m"}`), "")
	f.Add(200, "application/json", []byte("{\"cert_id\":\"c\",\"message\":\"m\"}\x00"), "")
	f.Add(200, `application/json; charset="utf-8`, []byte(`{"cert_id":"c","message":"m"}`), "")
	f.Add(200, "application/json", []byte(`{"CERT_ID":"upper","Message":"m"}`), "")
	f.Add(200, "application/json", []byte(`{"cert_id":"real","CERT_ID":"fake","message":"m"}`), "")
	f.Add(200, "application/json", []byte(`{"cert_id":"c","meſſage":"m"}`), "")
	f.Add(200, "application/json", []byte(`{"cert_id":"c","message":"m","cert_id":"d"}`), "")
	f.Add(200, "application/json", []byte("{\"cert_id\":\"c\xff\",\"message\":\"m\"}"), "")
	f.Add(400, "application/json", []byte(`{"ERROR_CODE":"SCM.0010","error_msg":"m"}`), "")
	f.Add(400, "application/json", []byte(`{"error_code":"SCM.0010","error_msg":"m","error_code":"SCM.0003"}`), "")
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, requestID string) {
		resp := &http.Response{
			StatusCode: status,
			Header:     http.Header{"Content-Type": {contentType}, HeaderRequestID: {requestID}},
			Body:       &trackedBody{Reader: bytes.NewReader(body)},
		}
		got, err := ParseCancelCertResult(resp, 0)
		require.True(t, resp.Body.(*trackedBody).closed, "the body is always closed")
		require.False(t, got == nil && err == nil, "never neither a result nor an error")
		require.False(t, got != nil && err != nil, "never both a result and an error")
		if got != nil {
			require.Equal(t, http.StatusOK, status, "only HTTP 200 yields a result")
			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &raw), "a result comes from a JSON object")
			requireJSONString(t, raw["cert_id"], got.CertId)
			requireJSONString(t, raw["message"], got.Message)
			return
		}
		var apiErr *APIError
		require.True(t, errors.As(err, &apiErr), "every answer that is not a result is an *APIError, got %T", err)
		require.Equal(t, status, apiErr.StatusCode)
		if apiErr.Code != "" {
			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &raw), "a code comes from a JSON object")
			requireJSONString(t, raw["error_code"], apiErr.Code)
		}
		require.LessOrEqual(t, len(apiErr.Body), MaxBodyExcerpt)
		if status == http.StatusOK {
			require.ErrorIs(t, err, ErrMalformedResponse, "a refused 200 says why")
		}
		msg := err.Error()
		require.NotContains(t, msg, "\n", "one error, one log line")
		require.NotContains(t, msg, "\r", "one error, one log line")
	})
}

// requireJSONString checks that raw is the JSON string want.
func requireJSONString(t *testing.T, raw json.RawMessage, want string) {
	t.Helper()
	var s string
	require.NoError(t, json.Unmarshal(raw, &s))
	require.Equal(t, want, s)
}

// FuzzSign signs arbitrary requests. Sign either refuses the request with
// an error or signs it so that VerifySignature accepts it, and then
// refuses it again once any signed part changes: the method, the path, the
// value of a signed header or the body. Seeds: f.Add below and
// testdata/fuzz/FuzzSign.
func FuzzSign(f *testing.F) {
	f.Add("POST", "/v2/p/scm/cert/c/cancel-cert", "", "Project-Id", "p", []byte(nil))
	f.Add("GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", "limit=2&marker=13551d6b", "Security-Token", " t ", []byte(""))
	f.Add("PUT", "/cert/a%2Fb/证书 x", "b=2&a=%E4%B8%80&a=0", "Custom", "", []byte(`{"Name":"test","Id":1}`+"\n"))
	f.Add("", "", "q=%zz", "a(b", "v", []byte{0})
	f.Add("get", "relative/..//x/", ";", "Sdk-Date", "20240506T070809Z", []byte("x"))
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	f.Fuzz(func(t *testing.T, method, path, query, name, value string, body []byte) {
		build := func() *http.Request {
			req := &http.Request{
				Method: method,
				URL:    &url.URL{Scheme: "https", Host: "scm.example", Path: path, RawQuery: query},
				Header: http.Header{},
				Body:   io.NopCloser(bytes.NewReader(body)),
			}
			req.Header.Set("X-"+name, value)
			return req
		}
		req := build()
		if err := Sign(req, testAK, testSK, at); err != nil {
			require.ErrorContains(t, err, "scm: sign request: ", "a refusal says what was being done")
			require.NotContains(t, err.Error(), testSK)
			return
		}
		require.NoError(t, VerifySignature(req, body, testSecrets, at, 0), "a signed request verifies")

		signed := req.Header.Get("Authorization")
		names := signed[strings.Index(signed, "SignedHeaders=")+len("SignedHeaders=") : strings.Index(signed, ", Signature=")]
		tampers := map[string]func(r *http.Request, body []byte) []byte{
			"method": func(r *http.Request, b []byte) []byte { r.Method += "X"; return b },
			"path":   func(r *http.Request, b []byte) []byte { r.URL.Path += "x"; return b },
			"body":   func(_ *http.Request, b []byte) []byte { return append(bytes.Clone(b), 'x') },
		}
		if lname := strings.ToLower("X-" + name); strings.Contains(";"+names+";", ";"+lname+";") {
			tampers["signed header "+lname] = func(r *http.Request, b []byte) []byte {
				r.Header.Set("X-"+name, value+"x")
				return b
			}
		}
		for part, tamper := range tampers {
			r := req.Clone(req.Context())
			b := tamper(r, body)
			err := VerifySignature(r, b, testSecrets, at, 0)
			require.Error(t, err, "changing the %s must break the signature", part)
			require.True(t, errors.Is(err, ErrSignatureMismatch) || errors.Is(err, ErrSignatureMalformed),
				"changing the %s: %v", part, err)
		}
	})
}

// FuzzDecodeJSON holds the two readers of a body to one definition of
// well-formed: DecodeJSON (kin-openapi's, in the validator) refuses a body
// exactly when UnmarshalJSON (the client's) finds it malformed, and what it
// accepts, encoding/json reads as the same value. Seeds: f.Add below.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"cert_id":"c","message":"m"}`, `{"cert_id":"c","message":"m"} garbage!!`, `{}{}`, "{}\x00",
		`{"a":1,"a":2}`, `{"a":{"b":[1,{"c":1,"c":2}]}}`, "\"\xff\"", `"\ud800"`, `"\ud83d\ude00"`,
		` [1e400, -0, 0.5e-3, true, false, null] `, "", " ", `{"A":1,"a":2,"ſ":3,"s":4}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeJSON(body)
		uerr := UnmarshalJSON(body, new(jsontext.Value))
		require.Equal(t, errors.Is(uerr, ErrMalformedJSON), err != nil, "one definition of well-formed: %v / %v", err, uerr)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedJSON)
			return
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var want any
		require.NoError(t, dec.Decode(&want), "encoding/json, which is laxer, reads it too")
		require.Equal(t, want, got)
	})
}
