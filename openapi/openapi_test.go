package openapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/openapi"
)

func TestLoad(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)

	op := doc.Paths.Find("/v2/{project_id}/scm/cert/{cert_id}/cancel-cert").GetOperation(http.MethodPost)
	require.NotNil(t, op, "the cancel-cert operation is missing")
	require.Equal(t, "CancelCert", op.OperationID)
	require.Nil(t, op.RequestBody, "cancel-cert has no request body")
	require.Contains(t, op.Description, "取消申请")

	for _, name := range []string{"project_id", "cert_id"} {
		p := op.Parameters.GetByInAndName("path", name)
		require.NotNil(t, p, "path parameter %s", name)
		require.True(t, p.Required, "path parameter %s must be required", name)
		require.NotNil(t, p.Example, "path parameter %s needs an example", name)
	}

	for _, code := range []string{"200", "400", "401", "403", "404", "500", "default"} {
		resp := op.Responses.Value(code)
		require.NotNil(t, resp, "response %s", code)
		require.Contains(t, resp.Value.Headers, "X-Request-Id", "response %s documents X-Request-Id", code)
		require.Len(t, resp.Value.Content, 1, "response %s has one media type", code)
		mt := resp.Value.Content.Get("application/json")
		require.NotNil(t, mt, "response %s uses plain application/json", code)
		require.NotNil(t, mt.Example, "response %s has an example", code)
	}

	require.Len(t, doc.Servers, 4, "the four documented SCM endpoints")
	require.Nil(t, op.Security, "the operation inherits the document's security")
	require.Len(t, doc.Security, 2, "either a token or an AK/SK signature")
}

func TestLoadDataRejectsBadExample(t *testing.T) {
	// An example that contradicts its schema must keep the spec from loading:
	// cert_id is a string, so 42 is not a valid example of it.
	bad := bytes.Replace(openapi.YAML(), []byte("cert_id: ' scs1481110651012'"), []byte("cert_id: 42"), 1)
	require.NotEqual(t, openapi.YAML(), bad, "the edit must apply")
	_, err := openapi.LoadData(bad)
	require.ErrorContains(t, err, "validate spec")
	require.ErrorContains(t, err, "cert_id")
}

func TestYAMLIsACopy(t *testing.T) {
	a := openapi.YAML()
	a[0] = 'X'
	require.NotEqual(t, a[0], openapi.YAML()[0])
}
