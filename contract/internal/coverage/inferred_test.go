package coverage_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/contract/internal/coverage"
	"github.com/scmcontract/cancelcert/openapi"
)

// inferredSpec is a one-operation spec whose 200 response, its header and
// media type, a shared header and a schema property carry the extension
// given in the test (%[1]s, indented for each place) or prose.
const inferredSpec = `
openapi: 3.0.3
info: {title: inferred, version: "1"}
paths:
  /things:
    get:
      operationId: GetThing
      responses:
        '200':
          description: ok
%[1]s
          headers:
            X-Inline:
              schema: {type: string}
%[2]s
            X-Shared:
              $ref: '#/components/headers/Shared'
          content:
            application/json:
%[3]s
              schema:
                $ref: '#/components/schemas/Thing'
        '404':
          description: gone
          headers:
            X-Shared:
              $ref: '#/components/headers/Shared'
components:
  headers:
    Shared:
      description: Shared by two responses.
%[4]s
      schema: {type: string}
  schemas:
    Thing:
      type: object
      properties:
        id:
          type: string
          description: The ID. Its format is inferred from examples.
        owner:
          type: object
%[5]s
`

func indent(s string, n int) string {
	if s == "" {
		return ""
	}
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad)
}

func inferredOf(t *testing.T, response, inlineHeader, media, shared, property string) ([]*coverage.Inferred, error) {
	t.Helper()
	spec := fmt.Sprintf(inferredSpec, indent(response, 10), indent(inlineHeader, 14), indent(media, 14), indent(shared, 6), indent(property, 10))
	doc, err := openapi.LoadData([]byte(spec))
	require.NoError(t, err, spec)
	r, err := coverage.Build(doc, nil, coverage.Options{})
	if err != nil {
		return nil, err
	}
	return r.Inferred, nil
}

func TestInferredMarkers(t *testing.T) {
	proseOnly := coverage.Inferred{Operation: "GetThing", Where: "components/schemas/Thing property id",
		Statement: "Its format is inferred from examples.", Marked: "description", ConfirmedBy: []string{}}
	marked := func(where, statement string, rule coverage.Rule) *coverage.Inferred {
		return &coverage.Inferred{Operation: "GetThing", Where: where, Statement: statement, Marked: coverage.InferredExtension, Rule: rule, ConfirmedBy: []string{}}
	}
	tests := []struct {
		name                                            string
		response, inlineHeader, media, shared, property string
		want                                            []*coverage.Inferred // besides proseOnly, which comes last
	}{
		{name: "prose only: the sentence, no rule"},
		{name: "on a response written in place, the status is taken from it",
			response: "x-inferred: [The body is small.]",
			want:     []*coverage.Inferred{marked("response 200", "The body is small.", coverage.Rule{Status: 200})}},
		{name: "a plain string is one entry",
			response: "x-inferred: The body is small.",
			want:     []*coverage.Inferred{marked("response 200", "The body is small.", coverage.Rule{Status: 200})}},
		{name: "an entry's own fields win over what the place gives",
			response: "x-inferred:\n  - statement: Errors come as 200.\n    status: 299\n    error_code: E.0001",
			want:     []*coverage.Inferred{marked("response 200", "Errors come as 200.", coverage.Rule{Status: 299, ErrorCode: "E.0001"})}},
		{name: "on a header written in place: its name and the response's status",
			inlineHeader: "x-inferred: [Sent by the gateway.]",
			want:         []*coverage.Inferred{marked("response 200 header X-Inline", "Sent by the gateway.", coverage.Rule{Status: 200, Header: "X-Inline"})}},
		{name: "on a shared header: listed once, its name only",
			shared: "x-inferred: [Every response has it.]",
			want:   []*coverage.Inferred{marked("components/headers/Shared", "Every response has it.", coverage.Rule{Header: "X-Shared"})}},
		{name: "on a media type: the media type and the status",
			media: "x-inferred: [Sent with charset.]",
			want:  []*coverage.Inferred{marked("response 200 media type application/json", "Sent with charset.", coverage.Rule{Status: 200, MediaType: "application/json"})}},
		{name: "in a schema nothing is taken from the place",
			property: "x-inferred:\n  - statement: The owner is sent.\n    member: /owner",
			want:     []*coverage.Inferred{marked("components/schemas/Thing property owner", "The owner is sent.", coverage.Rule{Member: "/owner"})}},
		{name: "a schema entry without fields has no rule",
			property: "x-inferred: [The owner is sent.]",
			want:     []*coverage.Inferred{marked("components/schemas/Thing property owner", "The owner is sent.", coverage.Rule{})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inferredOf(t, tc.response, tc.inlineHeader, tc.media, tc.shared, tc.property)
			require.NoError(t, err)
			want := append(slices.Clone(tc.want), &proseOnly)
			byPlace := func(l []*coverage.Inferred) {
				sort.Slice(l, func(i, j int) bool { return l[i].Where < l[j].Where })
			}
			byPlace(want)
			byPlace(got)
			require.Equal(t, want, got)
		})
	}
}

func TestInferredMarkersMalformed(t *testing.T) {
	tests := []struct {
		name, response string
		want           []string // why it must fail: the place, the entry and the fault are named
	}{
		{"an unknown field, such as a misspelt rule",
			"x-inferred:\n  - statement: S.\n    code: E.0001",
			[]string{"x-inferred at response 200, entry 1", `unknown field "code"`}},
		{"an entry without its statement",
			"x-inferred:\n  - status: 429",
			[]string{"x-inferred at response 200, entry 1: the statement is missing"}},
		{"a member that is not a JSON pointer",
			"x-inferred:\n  - statement: S.\n  - statement: T.\n    member: request_id",
			[]string{"x-inferred at response 200, entry 2", `member "request_id" is not a JSON pointer`}},
		{"a status that is not a number",
			"x-inferred:\n  - statement: S.\n    status: many",
			[]string{"x-inferred at response 200, entry 1", "status"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inferredOf(t, tc.response, "", "", "", "")
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

// TestRuleMatches checks what confirms an inferred statement: a live
// recording that shows every field the rule sets.
func TestRuleMatches(t *testing.T) {
	ex := func(status int, contentType, body string, headers ...string) *contract.Recording {
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		for _, name := range headers {
			h.Set(name, "v")
		}
		return &contract.Recording{Name: "live-x", Provenance: contract.Provenance{Source: contract.SourceLive, Date: "2026-11-27", Endpoint: "https://e"},
			Expect:   contract.Expectation{Valid: true},
			Request:  contract.RecordedRequest{Method: "GET", URL: "https://e/things"},
			Response: contract.RecordedResponse{Status: status, Headers: h, Body: contract.Body(body)}}
	}
	errBody := `{"error_code":"APIG.0308","detail":{"a/b":[1,{"c":null}]}}`
	tests := []struct {
		name  string
		rule  []string // the fields of the x-inferred entry
		rec   *contract.Recording
		match bool
	}{
		{"status and code", []string{"status: 429", "error_code: APIG.0308"}, ex(429, "application/json", errBody), true},
		{"another status", []string{"status: 429", "error_code: APIG.0308"}, ex(503, "application/json", errBody), false},
		{"another code", []string{"status: 429", "error_code: APIG.0309"}, ex(429, "application/json", errBody), false},
		{"a code in a body that is not JSON", []string{"error_code: APIG.0308"}, ex(429, "text/html", "<html>APIG.0308</html>"), false},
		{"media type with a parameter", []string{"media_type: application/json"}, ex(200, "application/json;charset=UTF-8", `{}`), true},
		{"media type, case aside", []string{"media_type: Application/JSON"}, ex(200, "application/json", `{}`), true},
		{"another media type", []string{"media_type: application/json"}, ex(200, "text/plain", `{}`), false},
		{"no Content-Type", []string{"media_type: application/json"}, ex(200, "", `{}`), false},
		{"header present, any case", []string{"header: x-trace-id"}, ex(200, "application/json", `{}`, "X-Trace-Id"), true},
		{"header absent", []string{"header: X-Trace-Id"}, ex(200, "application/json", `{}`), false},
		{"member, escaped and in an array, null included", []string{"member: /detail/a~1b/1/c"}, ex(429, "application/json", errBody), true},
		{"member absent", []string{"member: /detail/a~1b/2"}, ex(429, "application/json", errBody), false},
		{"member under a scalar", []string{"member: /error_code/x"}, ex(429, "application/json", errBody), false},
		{"no field: nothing confirms it", nil, ex(429, "application/json", errBody), false},
		// Bodies are read as the client reads them (scm.DecodeJSON): member
		// names exactly, and a body repeating one holds nothing.
		{"a code in a case-folded member", []string{"error_code: APIG.0308"}, ex(429, "application/json", `{"Error_Code":"APIG.0308"}`), false},
		{"a code in a body repeating it", []string{"error_code: APIG.0308"}, ex(429, "application/json", `{"error_code":"APIG.0307","error_code":"APIG.0308"}`), false},
		{"a member in a body repeating a name", []string{"member: /detail"}, ex(429, "application/json", `{"detail":1,"detail":2}`), false},
		{"a member, case aside", []string{"member: /detail"}, ex(429, "application/json", `{"Detail":1}`), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var entry strings.Builder
			entry.WriteString("        - statement: S.\n")
			for _, f := range tc.rule {
				entry.WriteString("          " + f + "\n")
			}
			spec := `
openapi: 3.0.3
info: {title: rules, version: "1"}
paths:
  /things:
    get:
      operationId: GetThing
      x-inferred:
` + entry.String() + `      responses:
        default:
          description: any
`
			doc, err := openapi.LoadData([]byte(spec))
			require.NoError(t, err, spec)
			r, err := coverage.Build(doc, []*contract.Recording{tc.rec}, coverage.Options{})
			require.NoError(t, err)
			require.Len(t, r.Inferred, 1)
			require.Equal(t, tc.match, r.Inferred[0].Confirmed(), "rule %s", r.Inferred[0].Rule)
		})
	}
}
