package contract_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/openapi"
)

// driftSpec documents one operation whose 200 body uses every construct
// DriftNotes follows: nested objects, arrays, additionalProperties (schema
// and true), allOf and a free-form member.
const driftSpec = `
openapi: 3.0.3
info: {title: drift, version: "1"}
paths:
  /things:
    get:
      operationId: GetThing
      responses:
        '200':
          description: ok
          headers:
            X-Request-Id: {schema: {type: string}}
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  owner:
                    type: object
                    properties:
                      name: {type: string}
                  tags:
                    type: array
                    items:
                      type: object
                      properties:
                        key: {type: string}
                  labels:
                    type: object
                    additionalProperties:
                      type: object
                      properties:
                        v: {type: string}
                  extra:
                    type: object
                    additionalProperties: true
                  mixed:
                    allOf:
                      - type: object
                        properties: {a: {type: string}}
                      - type: object
                        properties: {b: {type: string}}
                  free: {}
        '400':
          description: an error whose media type documents its charset
          content:
            application/json; charset=utf-8:
              schema:
                type: object
                properties:
                  code: {type: string}
        default:
          description: any other status
          content:
            application/json:
              schema:
                type: object
                properties:
                  code: {type: string}
  /bare:
    get:
      operationId: GetBare
      responses:
        '200':
          description: ok, and nothing else documented
`

func driftOperation(tb testing.TB, id string) *openapi3.Operation {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(driftSpec))
	require.NoError(tb, err)
	require.NoError(tb, doc.Validate(tb.Context()))
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	tb.Fatalf("no operation %s", id)
	return nil
}

func TestDriftNotes(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		op     string
		status int
		header http.Header
		body   string
		want   []contract.Note // Kind and Subject; Message is checked to name the response
		resp   string          // the response the messages must name
	}{
		{name: "everything documented", status: 200,
			header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}},
			body:   `{"id":"1","owner":{"name":"n"},"tags":[{"key":"k"}],"labels":{"x":{"v":"1"}},"extra":{"any":1},"mixed":{"a":"1","b":"2"},"free":{"any":{"deep":1}}}`},
		{name: "top-level member", status: 200, header: jsonHeader, body: `{"id":"1","new":1}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/new"}}, resp: "200"},
		{name: "an undocumented member is noted once, not its own members", status: 200, header: jsonHeader, body: `{"new":{"a":{"b":1}}}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/new"}}, resp: "200"},
		{name: "nested member", status: 200, header: jsonHeader, body: `{"owner":{"name":"n","age":3}}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/owner/age"}}, resp: "200"},
		{name: "member of an array item, by index", status: 200, header: jsonHeader, body: `{"tags":[{"key":"a"},{"key":"b","color":"red"}]}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/tags/1/color"}}, resp: "200"},
		{name: "additionalProperties schema is followed", status: 200, header: jsonHeader, body: `{"labels":{"x":{"v":"1","w":"2"}}}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/labels/x/w"}}, resp: "200"},
		{name: "allOf branches are merged", status: 200, header: jsonHeader, body: `{"mixed":{"a":"1","b":"2","c":"3"}}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/mixed/c"}}, resp: "200"},
		// JSON member names are case-sensitive, whatever encoding/json v1 does.
		{name: "a member differing only in case is undocumented", status: 200, header: jsonHeader, body: `{"ID":"1"}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/ID"}}, resp: "200"},
		{name: "pointer tokens are escaped", status: 200, header: jsonHeader, body: `{"a/b~c":1}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/a~1b~0c"}}, resp: "200"},
		{name: "members in pointer order", status: 200, header: jsonHeader, body: `{"z":1,"owner":{"y":1},"a":1}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/a"}, {Kind: contract.NoteMember, Subject: "/owner/y"}, {Kind: contract.NoteMember, Subject: "/z"}}, resp: "200"},
		{name: "undocumented header, standard ones ignored, any case", status: 200,
			header: http.Header{"Content-Type": {"application/json"}, "x-request-id": {"r"}, "X-Trace-Id": {"t"}, "Date": {"d"}, "Server": {"s"}, "Content-Length": {"2"}, "Connection": {"close"}},
			body:   `{}`,
			want:   []contract.Note{{Kind: contract.NoteHeader, Subject: "X-Trace-Id"}}, resp: "200"},
		{name: "media-type parameter", status: 200, header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}}, body: `{}`,
			want: []contract.Note{{Kind: contract.NoteMediaTypeParameter, Subject: "charset=UTF-8"}}, resp: "200"},
		{name: "a documented parameter, in another case, is not drift; another one is", status: 400,
			header: http.Header{"Content-Type": {"application/json; charset=UTF-8; v=2"}}, body: `{"code":"E"}`,
			want: []contract.Note{{Kind: contract.NoteMediaTypeParameter, Subject: "v=2"}}, resp: "400"},
		// An undocumented media type is the validator's problem, not drift;
		// the body is still compared with the only documented schema.
		{name: "undocumented media type: no parameter note, members still compared", status: 200,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: `{"new":1}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/new"}}, resp: "200"},
		{name: "the default response serves other statuses", status: 503, header: jsonHeader, body: `{"code":"E","retry":true}`,
			want: []contract.Note{{Kind: contract.NoteMember, Subject: "/retry"}}, resp: "default"},
		{name: "a body that is not JSON has no members", status: 200,
			header: http.Header{"Content-Type": {"application/json"}, "X-Cache": {"miss"}}, body: `<html>`,
			want: []contract.Note{{Kind: contract.NoteHeader, Subject: "X-Cache"}}, resp: "200"},
		// A body the client refuses (scm.DecodeJSON) has no members to
		// compare; the Validator reports it. encoding/json v1 would read
		// the first value, or keep the last of repeated names, and note /new.
		{name: "two JSON values: not well-formed, no member notes", status: 200, header: jsonHeader, body: `{"new":1} {"id":"1"}`},
		{name: "a repeated member: not well-formed, no member notes", status: 200, header: jsonHeader, body: `{"new":1,"new":2}`},
		{name: "invalid UTF-8: not well-formed, no member notes", status: 200, header: jsonHeader, body: "{\"new\":\"\xff\"}"},
		{name: "no response for the status and no default: nothing to compare", op: "GetBare", status: 418,
			header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}, "X-Trace-Id": {"t"}}, body: `{"new":1}`},
		{name: "a response without content documents no body", op: "GetBare", status: 200,
			header: http.Header{"X-Trace-Id": {"t"}}, body: `{"new":1}`,
			want: []contract.Note{{Kind: contract.NoteHeader, Subject: "X-Trace-Id"}}, resp: "200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.op
			if id == "" {
				id = "GetThing"
			}
			got := contract.DriftNotes(driftOperation(t, id), tc.status, tc.header, []byte(tc.body))
			require.Len(t, got, len(tc.want), "notes: %v", got)
			for i, n := range got {
				require.Equal(t, tc.want[i].Kind, n.Kind, "note %d: %v", i, n)
				require.Equal(t, tc.want[i].Subject, n.Subject, "note %d: %v", i, n)
				require.Contains(t, n.Message, "response "+tc.resp, "note %d names the response", i)
				require.Contains(t, n.Message, n.Subject, "note %d names its subject", i)
			}
		})
	}
}

func TestDriftNotesNilOperation(t *testing.T) {
	require.Nil(t, contract.DriftNotes(nil, 200, http.Header{"X-Trace-Id": {"t"}}, []byte(`{"a":1}`)))
}

func TestIgnoredResponseHeaders(t *testing.T) {
	h := contract.IgnoredResponseHeaders()
	require.True(t, sort.StringsAreSorted(h), "sorted")
	for _, name := range []string{"Date", "Content-Length", "Connection", "Server", "Transfer-Encoding", "Content-Type"} {
		require.Contains(t, h, name)
	}
	for _, name := range h {
		require.Equal(t, http.CanonicalHeaderKey(name), name, "canonical form")
	}
	require.NotContains(t, h, "X-Request-Id", "a header of the contract is never ignored")
	h[0] = "changed"
	require.NotEqual(t, "changed", contract.IgnoredResponseHeaders()[0], "a copy")
}

// TestRecordingNotes checks that notes survive the trip to disk and back,
// and that a note no DriftNotes could make keeps a recording from loading.
func TestRecordingNotes(t *testing.T) {
	rec, err := contract.ReadRecording(filepath.Join(recordingsDir, "document-200-success.json"))
	require.NoError(t, err)
	rec.Name = "with-notes"
	rec.Notes = []contract.Note{{Kind: contract.NoteHeader, Subject: "X-Trace-Id", Message: "the header X-Trace-Id is not documented for response 200"}}
	dir := t.TempDir()
	require.NoError(t, contract.WriteRecording(dir, rec))
	back, err := contract.ReadRecording(filepath.Join(dir, "with-notes.json"))
	require.NoError(t, err)
	require.Equal(t, rec.Notes, back.Notes)

	tests := []struct {
		name string
		note contract.Note
		want string
	}{
		{"unknown kind", contract.Note{Kind: "value", Subject: "/a"}, `unknown kind "value"`},
		{"no subject", contract.Note{Kind: contract.NoteMember}, "needs its subject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := *rec
			bad.Notes = []contract.Note{tc.note}
			err := bad.Check()
			require.ErrorContains(t, err, "notes: ")
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// ExampleDriftNotes shows the notes for a 200 from the service that uses a
// charset, adds a tracing header and a member: all tolerated by the
// Validator, none documented.
func ExampleDriftNotes() {
	doc, err := openapi.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	op := doc.Paths.Find("/v2/{project_id}/scm/cert/{cert_id}/cancel-cert").Post
	header := http.Header{
		"Content-Type": {"application/json;charset=UTF-8"},
		"X-Request-Id": {"2b4b2f3c2f9a4d3c8f6e1a7b9c0d1e2f"},
		"X-Trace-Id":   {"abc"},
		"Date":         {"Fri, 27 Nov 2026 04:23:00 GMT"},
	}
	body := []byte(`{"cert_id":"scs1481110651012","message":"success","status":"PAID"}`)
	for _, n := range contract.DriftNotes(op, 200, header, body) {
		fmt.Println(n)
	}
	// Output:
	// media-type-parameter charset=UTF-8: Content-Type "application/json;charset=UTF-8": the parameter charset=UTF-8 is not documented for response 200 (documented: application/json)
	// header X-Trace-Id: the header X-Trace-Id is not documented for response 200
	// member /status: the body member /status is not in the schema of response 200
}

// BenchmarkDriftNotes measures DriftNotes on a 200 that keeps to the spec
// and on one with three notes, to weigh wiring it into every Validate (see
// BenchmarkValidate).
func BenchmarkDriftNotes(b *testing.B) {
	doc, err := openapi.Load()
	require.NoError(b, err)
	op := doc.Paths.Find("/v2/{project_id}/scm/cert/{cert_id}/cancel-cert").Post
	for _, bc := range []struct {
		name   string
		header http.Header
		body   string
		notes  int
	}{
		{"none", http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r"}, "Date": {"d"}},
			`{"cert_id":"scs1481110651012","message":"success"}`, 0},
		{"three", http.Header{"Content-Type": {"application/json;charset=UTF-8"}, "X-Request-Id": {"r"}, "X-Trace-Id": {"t"}},
			`{"cert_id":"scs1481110651012","message":"success","status":"PAID"}`, 3},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := []byte(bc.body)
			b.ReportAllocs()
			for b.Loop() {
				if n := len(contract.DriftNotes(op, 200, bc.header, body)); n != bc.notes {
					b.Fatalf("%d notes, want %d", n, bc.notes)
				}
			}
		})
	}
}
