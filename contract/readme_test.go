package contract_test

// The README's Go snippets about package contract, each held verbatim
// (one tab deeper) by a test below, in a function that has a ctx and a t,
// so that a snippet that stops compiling or working fails here.

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// TestReadmeMockInTests holds the README's "Run the mock" Go snippet.
func TestReadmeMockInTests(t *testing.T) {
	ctx := context.Background()
	srv := contract.StartMock(t, contract.WithTokens("my-iam-token")) // closed when the test ends
	client, err := scm.NewCertClient(srv.URL, scm.WithToken("my-iam-token"))
	require.NoError(t, err)
	res, err := client.CancelCertificate(ctx, "my-project-id", "scs1481110651012")
	require.NoError(t, err)
	require.Equal(t, "scs1481110651012", res.CertId)
}

// TestReadmeValidatingTransport holds the README's first "Validate your
// own exchanges" snippet.
func TestReadmeValidatingTransport(t *testing.T) {
	ctx := context.Background()
	endpoint := contract.StartMock(t).URL // or a real endpoint
	v, err := contract.NewValidator()
	require.NoError(t, err)
	tr := contract.NewValidatingTransport(v, http.DefaultTransport, contract.ReportTo(t)) // or nil: return violations as errors
	client, err := scm.NewCertClient(endpoint, scm.WithHTTPClient(&http.Client{Transport: tr}), scm.WithToken("my-iam-token"))
	require.NoError(t, err)
	_, err = client.CancelCertificate(ctx, "my-project-id", "scs1481110651012")
	require.NoError(t, err)
}

// TestReadmeValidate holds the README's second "Validate your own
// exchanges" snippet.
func TestReadmeValidate(t *testing.T) {
	ctx := context.Background()
	v, err := contract.NewValidator()
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://scm.cn-north-4.myhuaweicloud.com/v2/p1/scm/cert/scs1/cancel-cert", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "my-iam-token")
	err = v.Validate(ctx, &contract.Exchange{Request: req, StatusCode: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"cert_id":"scs1","message":"success"}`)})
	require.NoError(t, err)
}

// TestReadmeValidateWithNotes holds the README's third "Validate your own
// exchanges" snippet.
func TestReadmeValidateWithNotes(t *testing.T) {
	ctx := context.Background()
	v, err := contract.NewValidator()
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://scm.cn-north-4.myhuaweicloud.com/v2/p1/scm/cert/scs1/cancel-cert", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "my-iam-token")
	notes, err := v.ValidateWithNotes(ctx, &contract.Exchange{Request: req, StatusCode: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"cert_id":"scs1","message":"success","status":"PAID"}`)})
	require.NoError(t, err) // drift is no problem
	for _, n := range notes {
		t.Log(n) // member /status: the body member /status is not in the schema of response 200
	}
	require.Equal(t, []string{"member /status"}, subjects(notes))
}

// TestReadmeRecorder holds the README's recorder snippet.
func TestReadmeRecorder(t *testing.T) {
	ctx := context.Background()
	endpoint := contract.StartMock(t).URL // or a real endpoint
	v, err := contract.NewValidator()
	require.NoError(t, err)
	red, err := contract.NewRedactor("0a1b2c3d4e5f60718293a4b5c6d7e8f9", // the project ID
		contract.NamedSecret{Name: "token", Value: scm.NewSecret("my-iam-token")})
	require.NoError(t, err)
	rec := &contract.Recorder{Dir: t.TempDir(), Endpoint: endpoint, Redactor: red}
	tr := contract.NewValidatingTransport(v, http.DefaultTransport, contract.ReportTo(t), rec) // validates once, then records
	client, err := scm.NewCertClient(endpoint, scm.WithHTTPClient(&http.Client{Transport: tr}), scm.WithToken("my-iam-token"))
	require.NoError(t, err)
	_, err = client.CancelCertificate(ctx, "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "scs1481110651012")
	require.NoError(t, err)
	require.Equal(t, []string{"live-200"}, rec.Written())
	t.Log(red.Redact("any text, before it is printed"))
}
