package compat_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi/internal/compat"
)

const cancelCertPath = "/v2/{project_id}/scm/cert/{cert_id}/cancel-cert"

// TestBreakingEditsAreCaught makes one edit at a time to a copy of the
// fixture spec, each of which breaks callers, and checks that the check
// catches it for the stated reason and for no other.
func TestBreakingEditsAreCaught(t *testing.T) {
	tests := []struct {
		name string
		// why the edit breaks callers
		why    string
		edit   func(doc *openapi3.T)
		wantID string
		// wantText is part of the message the maintainer reads
		wantText string
	}{
		{
			name: "error status removed",
			why:  "a 404 would fall through to the default response and the client loses JSON404",
			edit: func(doc *openapi3.T) {
				cancelCert(doc).Responses.Delete("404")
			},
			wantID:   "response-non-success-status-removed",
			wantText: "removed the non-success response with the status `404`",
		},
		{
			name: "success status changed",
			why:  "callers check for 200 and read JSON200",
			edit: func(doc *openapi3.T) {
				responses := cancelCert(doc).Responses
				responses.Set("201", responses.Value("200"))
				responses.Delete("200")
			},
			wantID:   "response-success-status-removed",
			wantText: "status `200`",
		},
		{
			name: "required response property made optional",
			why:  "callers rely on message being present",
			edit: func(doc *openapi3.T) {
				schema(doc, "CancelCertResult").Required = []string{"cert_id"}
			},
			wantID:   "response-property-became-optional",
			wantText: "the response property `message` became optional for the status `200`",
		},
		{
			name: "required response property removed",
			why:  "callers read cert_id from every 200",
			edit: func(doc *openapi3.T) {
				result := schema(doc, "CancelCertResult")
				delete(result.Properties, "cert_id")
				result.Required = []string{"message"}
				cancelCert(doc).Responses.Value("200").Value.Content.Get("application/json").Example = map[string]any{"message": "success"}
			},
			wantID:   "response-required-property-removed",
			wantText: "removed the required property `cert_id` from the response with the `200` status",
		},
		{
			name: "optional response property removed",
			why:  "the client loses the field ErrorBody.RequestId",
			edit: func(doc *openapi3.T) {
				delete(schema(doc, "ErrorBody").Properties, "request_id")
			},
			wantID:   "response-optional-property-removed",
			wantText: "removed the optional property `request_id` from the response with the `401` status",
		},
		{
			name: "response property type changed",
			why:  "a client decoding cert_id as a string fails on a number",
			edit: func(doc *openapi3.T) {
				certID := schema(doc, "CancelCertResult").Properties["cert_id"].Value
				certID.Type = &openapi3.Types{openapi3.TypeInteger}
				certID.Example = 1481110651012
				cancelCert(doc).Responses.Value("200").Value.Content.Get("application/json").Example = map[string]any{"cert_id": 1481110651012, "message": "success"}
			},
			wantID:   "response-property-type-changed",
			wantText: "`cert_id`",
		},
		{
			name: "path parameter type changed",
			why:  "callers send certificate IDs such as scs1481110651012, which are not integers",
			edit: func(doc *openapi3.T) {
				certID := doc.Components.Parameters["CertId"].Value
				certID.Schema.Value.Type = &openapi3.Types{openapi3.TypeInteger}
				certID.Example = 1481110651012
			},
			wantID:   "request-parameter-type-changed",
			wantText: "for the `path` request parameter `cert_id`, the `type` was changed from `string` to `integer`",
		},
		{
			name: "new required query parameter",
			why:  "existing callers do not send it",
			edit: func(doc *openapi3.T) {
				addParameter(doc, openapi3.NewQueryParameter("region").WithRequired(true))
			},
			wantID:   "new-required-request-parameter",
			wantText: "added the new required `query` request parameter `region`",
		},
		{
			name: "new required request header",
			why:  "existing callers do not send it",
			edit: func(doc *openapi3.T) {
				addParameter(doc, openapi3.NewHeaderParameter("X-Region").WithRequired(true))
			},
			wantID:   "new-required-request-parameter",
			wantText: "added the new required `header` request parameter `X-Region`",
		},
		{
			name: "new required request body",
			why:  "existing callers send no body",
			edit: func(doc *openapi3.T) {
				body := openapi3.NewRequestBody().WithRequired(true).WithJSONSchema(openapi3.NewObjectSchema())
				cancelCert(doc).RequestBody = &openapi3.RequestBodyRef{Value: body}
			},
			wantID:   "request-body-added-required",
			wantText: "added required request body",
		},
		{
			name: "response header removed",
			why:  "the client loses the field CancelCertResponse200Headers.XRequestId",
			edit: func(doc *openapi3.T) {
				delete(cancelCert(doc).Responses.Value("200").Value.Headers, "X-Request-Id")
			},
			wantID:   "optional-response-header-removed",
			wantText: "`X-Request-Id`",
		},
		{
			name: "operationId renamed",
			why:  "the client's methods CancelCert and CancelCertWithResponse are renamed",
			edit: func(doc *openapi3.T) {
				cancelCert(doc).OperationID = "CancelCertificate"
			},
			wantID:   "api-operation-id-removed",
			wantText: "API operation id `CancelCert` removed and replaced with `CancelCertificate`",
		},
		{
			name: "component schema renamed",
			why:  "the Go type ErrorBody is renamed",
			edit: func(doc *openapi3.T) {
				renameSchema(doc, "ErrorBody", "Error")
			},
			wantID:   "api-schema-removed",
			wantText: "removed the schema `ErrorBody`",
		},
		{
			name: "security alternative removed",
			why:  "callers that sign with AK/SK are no longer documented as allowed",
			edit: func(doc *openapi3.T) {
				doc.Security = *openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("AuthToken"))
			},
			wantID:   "api-security-removed",
			wantText: "the endpoint scheme security `AkSk` was removed from the API",
		},
		{
			name: "path parameter renamed",
			why:  "the name becomes the client's parameter and the server's request field (CancelCertRequestObject.CertId)",
			edit: func(doc *openapi3.T) {
				item := doc.Paths.Value(cancelCertPath)
				doc.Paths.Delete(cancelCertPath)
				doc.Paths.Set("/v2/{project_id}/scm/cert/{certificate_id}/cancel-cert", item)
				doc.Components.Parameters["CertId"].Value.Name = "certificate_id"
			},
			wantID:   compat.PathParameterRenamedID,
			wantText: "renamed the path parameter `cert_id` to `certificate_id`",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := load(t)
			revision := edited(t, base, tt.edit)

			changes, err := compat.Breaking(base, revision)
			require.NoError(t, err)
			require.NotEmpty(t, changes, "the edit breaks callers: %s", tt.why)
			for _, c := range changes {
				require.Equal(t, tt.wantID, c.ID, "the edit is caught for its own reason only: %s", c)
			}
			require.Contains(t, texts(changes), tt.wantText)
		})
	}
}

// TestCompatibleEditsPass makes one edit at a time to a copy of the fixture
// spec, none of which breaks callers, and checks that the check lets it
// through while the changelog still lists it.
func TestCompatibleEditsPass(t *testing.T) {
	tests := []struct {
		name string
		// why the edit keeps callers working
		why  string
		edit func(doc *openapi3.T)
		// wantID is the oasdiff check that lists the edit in the changelog,
		// empty for an edit the changelog does not list
		wantID string
	}{
		{
			name: "new optional response property",
			why:  "decoders ignore a property they do not know",
			edit: func(doc *openapi3.T) {
				schema(doc, "CancelCertResult").Properties["order_id"] = openapi3.NewStringSchema().NewRef()
			},
			wantID: "response-optional-property-added",
		},
		{
			name: "new documented error status",
			why:  "a 429 was already documented by default, with the same body",
			edit: func(doc *openapi3.T) {
				responses := cancelCert(doc).Responses
				throttled := *responses.Default().Value
				throttled.Description = openapi3.Ptr("Throttled by the API gateway (APIG.0308).")
				responses.Set("429", &openapi3.ResponseRef{Value: &throttled})
			},
			wantID: "response-non-success-status-added",
		},
		{
			name: "new optional query parameter",
			why:  "existing callers may leave it out",
			edit: func(doc *openapi3.T) {
				addParameter(doc, openapi3.NewQueryParameter("lang"))
			},
			wantID: "new-optional-request-parameter",
		},
		{
			name: "descriptions changed",
			why:  "descriptions are documentation, not the wire format",
			edit: func(doc *openapi3.T) {
				cancelCert(doc).Description = "Cancels a certificate application."
				schema(doc, "ErrorBody").Properties["error_msg"].Value.Description = "Error message, in English."
			},
		},
		{
			name: "examples changed",
			why:  "examples are documentation, not the wire format",
			edit: func(doc *openapi3.T) {
				cancelCert(doc).Responses.Value("400").Value.Content.Get("application/json").Example = map[string]any{
					"error_code": "SCM.0016",
					"error_msg":  "The certificate does not exist.",
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := load(t)
			revision := edited(t, base, tt.edit)

			changes, err := compat.Compare(base, revision)
			require.NoError(t, err)
			for _, c := range changes {
				require.False(t, c.Breaking(), "%s: %s", tt.why, c)
			}
			if tt.wantID == "" {
				require.Empty(t, changes)
				return
			}
			require.Len(t, changes, 1)
			require.Equal(t, tt.wantID, changes[0].ID)
		})
	}
}

func TestSameSpecHasNoChanges(t *testing.T) {
	changes, err := compat.Compare(load(t), load(t))
	require.NoError(t, err)
	require.Empty(t, changes)
}

// fixture is the spec the self-tests edit: a frozen copy of release 1.0.0,
// so that edits of openapi/scm.yaml do not change what they test.
const fixture = "testdata/scm.yaml"

// load returns a fresh copy of the fixture spec.
func load(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := compat.LoadFile(fixture)
	require.NoError(t, err)
	return doc
}

// edited returns a fresh copy of the fixture spec with edit applied. It checks that
// the edit changed the document, so that a case cannot pass by editing
// something the spec no longer has, and that it left a valid OpenAPI
// document, examples included, so that each case is an edit a maintainer
// could commit.
func edited(t testing.TB, base *openapi3.T, edit func(doc *openapi3.T)) *openapi3.T {
	t.Helper()
	doc := load(t)
	edit(doc)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()), "the edited spec must stay valid")
	d, err := diff.Get(diff.NewConfig(), base, doc)
	require.NoError(t, err)
	require.False(t, d.Empty(), "the edit must change the spec")
	return doc
}

func cancelCert(doc *openapi3.T) *openapi3.Operation {
	return doc.Paths.Value(cancelCertPath).GetOperation(http.MethodPost)
}

func schema(doc *openapi3.T, name string) *openapi3.Schema {
	return doc.Components.Schemas[name].Value
}

func addParameter(doc *openapi3.T, p *openapi3.Parameter) {
	p.Description = "A parameter added by the test."
	p.Schema = openapi3.NewStringSchema().NewRef()
	op := cancelCert(doc)
	op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: p})
}

// renameSchema renames a component schema and the references to it.
func renameSchema(doc *openapi3.T, from, to string) {
	doc.Components.Schemas[to] = doc.Components.Schemas[from]
	delete(doc.Components.Schemas, from)
	for _, resp := range cancelCert(doc).Responses.Map() {
		for _, mt := range resp.Value.Content {
			if mt.Schema.Ref == "#/components/schemas/"+from {
				mt.Schema.Ref = "#/components/schemas/" + to
			}
		}
	}
}

func texts(changes []compat.Change) string {
	var s string
	for _, c := range changes {
		s += c.Text + "\n"
	}
	return s
}
