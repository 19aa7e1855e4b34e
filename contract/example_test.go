package contract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// Serve the mock on a loopback port and cancel a certificate application
// with scm.CertClient. In a test, contract.StartMock(t) does the first two
// steps and closes the server when the test ends.
func ExampleStartMock() {
	m, err := contract.NewMock(contract.WithTokens("my-iam-token"), contract.WithRequestIDs(func() string { return "rid-1" }))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()

	client, err := scm.NewCertClient(srv.URL, scm.WithToken("my-iam-token"))
	if err != nil {
		panic(err)
	}
	res, err := client.CancelCertificate(context.Background(), "my-project-id", "scs1481110651012")
	if err != nil {
		panic(err)
	}
	fmt.Println(res.CertId, res.Message)

	// A scenario the client asks for: a documented error.
	client, err = scm.NewCertClient(srv.URL, scm.WithToken("an-unknown-token"))
	if err != nil {
		panic(err)
	}
	_, err = client.CancelCertificate(context.Background(), "my-project-id", "scs1481110651012")
	var apiErr *scm.APIError
	fmt.Println(errors.As(err, &apiErr), apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
	// Output:
	// scs1481110651012 success
	// true 401 APIGW.0301 rid-1
}

// Wrap a client's transport so that every exchange is checked against the
// spec. Here the server answers 200 without the required message.
func ExampleNewValidatingTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"cert_id":"scs1481110651012"}`)
	}))
	defer srv.Close()

	v, err := contract.NewValidator()
	if err != nil {
		panic(err)
	}
	tr := contract.NewValidatingTransport(v, http.DefaultTransport, func(_ *contract.Exchange, err error) {
		var ve *contract.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				fmt.Println("violation:", p)
			}
		}
	})
	client, err := scm.NewCertClient(srv.URL, scm.WithToken("my-iam-token"), scm.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		panic(err)
	}
	_, err = client.CancelCertificate(context.Background(), "my-project-id", "scs1481110651012")
	fmt.Println("client:", errors.Is(err, scm.ErrMalformedResponse))
	// Output:
	// violation: response-body: at "/message": property "message" is missing
	// client: true
}

// Check one exchange already held, such as one read from a log.
func ExampleValidator_Validate() {
	v, err := contract.NewValidator()
	if err != nil {
		panic(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://scm.cn-north-4.myhuaweicloud.com/v2/p1/scm/cert/scs1/cancel-cert", nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("X-Auth-Token", "my-iam-token")
	ex := &contract.Exchange{Request: req, StatusCode: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"cert_id":"scs1","message":"success"}`)}
	fmt.Println(v.Validate(context.Background(), ex))

	ex.StatusCode = http.StatusTeapot
	fmt.Println(v.Validate(context.Background(), ex))
	// Output:
	// <nil>
	// contract: POST /v2/p1/scm/cert/scs1/cancel-cert -> 418: 3 problem(s)
	//   - status: status 418 is not documented (documented: 200, 400, 401, 403, 404, 429, 500)
	//   - response-body: at "/error_code": property "error_code" is missing
	//   - response-body: at "/error_msg": property "error_msg" is missing
}

// Get the drift notes of an exchange beside its verdict: what the service
// sent that the spec does not document but the contract tolerates.
func ExampleValidator_ValidateWithNotes() {
	v, err := contract.NewValidator()
	if err != nil {
		panic(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://scm.cn-north-4.myhuaweicloud.com/v2/p1/scm/cert/scs1/cancel-cert", nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("X-Auth-Token", "my-iam-token")
	ex := &contract.Exchange{Request: req, StatusCode: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}, "X-Trace-Id": {"abc"}},
		Body:   []byte(`{"cert_id":"scs1","message":"success","status":"PAID"}`)}
	notes, err := v.ValidateWithNotes(context.Background(), ex)
	fmt.Println(err)
	for _, n := range notes {
		fmt.Println(n.Kind, n.Subject)
	}
	// Output:
	// <nil>
	// media-type-parameter charset=UTF-8
	// header X-Trace-Id
	// member /status
}
