package scm_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// Sign a request at a fixed time. The request, keys and time are the
// worked example of the API gateway's signing documentation.
func ExampleSign() {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet,
		"https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	at := time.Date(2019, 11, 15, 3, 36, 55, 0, time.UTC)
	if err := scm.Sign(req, "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", at); err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.Header.Get("X-Sdk-Date"))
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// 20191115T033655Z
	// SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe
}

// A server checks a signature and tells why it refuses one.
func ExampleVerifySignature() {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	secrets := func(ak string) (string, bool) { return "secret", ak == "MYACCESSKEY1" }

	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "https://scm.example/v2/p/scm/cert/c/cancel-cert", nil)
	if err := scm.Sign(req, "MYACCESSKEY1", "secret", at); err != nil {
		log.Fatal(err)
	}
	fmt.Println(scm.VerifySignature(req, nil, secrets, at.Add(time.Minute), scm.DefaultMaxSkew))

	err := scm.VerifySignature(req, nil, secrets, at.Add(time.Hour), scm.DefaultMaxSkew)
	fmt.Println(errors.Is(err, scm.ErrDateSkew))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// scm: verify signature: request date outside the allowed skew: X-Sdk-Date 20240506T070809Z is 1h0m0s away from the server clock (limit 15m0s)
}

func ExampleEndpointForRegion() {
	endpoint, err := scm.EndpointForRegion("eu-west-101")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(endpoint)

	_, err = scm.EndpointForRegion("mars-1")
	fmt.Println(err)
	// Output:
	// https://scm.eu-west-101.myhuaweicloud.eu
	// scm: unknown region "mars-1" (known: ap-southeast-1, cn-north-4, eu-west-101, my-kualalumpur-1)
}

// Act on an API error without matching strings.
func ExampleAPIError() {
	resp := &http.Response{
		StatusCode: http.StatusBadRequest,
		Header: http.Header{
			"Content-Type": {"application/json"},
			"X-Request-Id": {"2b4b2f3c2f9a4d3c8f6e1a7b9c0d1e2f"},
		},
		Body: io.NopCloser(strings.NewReader(
			`{"error_code":"SCM.0010","error_msg":"This operation is not allowed by the current certificate type or status."}`)),
	}
	_, err := scm.ParseCancelCertResult(resp, 0)

	var apiErr *scm.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
	}
	fmt.Println(errors.Is(err, scm.ErrWrongState), errors.Is(err, scm.ErrNotFound))
	fmt.Println(err)
	// Output:
	// 400 SCM.0010 2b4b2f3c2f9a4d3c8f6e1a7b9c0d1e2f
	// true false
	// scm: cancel-cert: HTTP 400 SCM.0010: This operation is not allowed by the current certificate type or status. (request ID 2b4b2f3c2f9a4d3c8f6e1a7b9c0d1e2f)
}

// Read credentials through a lookup function; os.LookupEnv is what
// CredentialsFromEnv passes. Printing them never shows the secrets.
func ExampleCredentialsFromLookup() {
	env := map[string]string{
		scm.EnvAK:            "QTWAOYTTINDUT2QVKYUC",
		scm.EnvSK:            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
		scm.EnvProjectID:     "77b6a44cba5143ab91d13ab9a8ff44fd",
		scm.EnvSecurityToken: "temporary-token",
	}
	lookup := func(key string) (string, bool) {
		v, ok := env[key]
		return v, ok
	}
	creds, err := scm.CredentialsFromLookup(lookup)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", creds)

	_, err = scm.CredentialsFromLookup(func(string) (string, bool) { return "", false })
	fmt.Println(err)
	// Output:
	// {AK:REDACTED SK:REDACTED SecurityToken:REDACTED ProjectID:77b6a44cba5143ab91d13ab9a8ff44fd}
	// scm: credentials from environment: missing HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID
}

// Cancel a certificate application against a stand-in server that checks
// the signature.
func ExampleCertClient_CancelCertificate() {
	secrets := func(ak string) (string, bool) { return "secret", ak == "MYACCESSKEY1" }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := `{"cert_id":"scs1481110651012","message":"success"}`
		if err := scm.VerifySignature(r, nil, secrets, time.Now(), 0); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			body = `{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail","request_id":"r1"}`
		}
		if _, err := io.WriteString(w, body); err != nil {
			log.Print(err)
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	good, err := scm.NewCertClient(srv.URL, scm.WithAKSK(scm.Credentials{AK: scm.NewSecret("MYACCESSKEY1"), SK: scm.NewSecret("secret")}))
	if err != nil {
		fmt.Println(err)
		return
	}
	result, err := good.CancelCertificate(ctx, "p", "scs1481110651012")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(result.CertId, result.Message)

	bad, err := scm.NewCertClient(srv.URL, scm.WithAKSK(scm.Credentials{AK: scm.NewSecret("MYACCESSKEY1"), SK: scm.NewSecret("wrong")}))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = bad.CancelCertificate(ctx, "p", "scs1481110651012")
	fmt.Println(errors.Is(err, scm.ErrAuth))
	fmt.Println(err)
	// Output:
	// scs1481110651012 success
	// true
	// scm: cancel-cert: HTTP 401 APIGW.0301: verify aksk signature fail (request ID r1)
}

// Bound what a CertClient reads of a response, next to the generated
// client's options.
func ExampleWithResponseLimit() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, `{"cert_id":"scs1481110651012","message":"`+strings.Repeat("x", 100)+`"}`); err != nil {
			log.Print(err)
		}
	}))
	defer srv.Close()

	client, err := scm.NewCertClient(srv.URL, scm.WithToken("my-iam-token"), scm.WithResponseLimit(64))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.CancelCertificate(context.Background(), "p", "scs1481110651012")
	fmt.Println(errors.Is(err, scm.ErrBodyTooLarge))
	fmt.Println(err)

	_, err = scm.NewCertClient(srv.URL, scm.WithResponseLimit(0))
	fmt.Println(err)
	// Output:
	// true
	// scm: cancel-cert: HTTP 200: read body: body too large: more than 64 bytes
	// scm: with response limit: 0 bytes is not a positive limit
}

// Retry a throttled call, and log each attempt. The stand-in server
// throttles the first request; the policy's clock is real, so the wait is
// the Retry-After the server sends (none here: a short backoff).
func ExampleWithRetryPolicy() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := `{"cert_id":"scs1481110651012","message":"success"}`
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			body = `{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached","request_id":"r1"}`
		}
		if _, err := io.WriteString(w, body); err != nil {
			log.Print(err)
		}
	}))
	defer srv.Close()

	// A text logger on stdout without the attributes that vary: time,
	// duration and the random delay.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "delay":
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := scm.NewCertClient(srv.URL, scm.WithToken("my-iam-token"),
		scm.WithRetryPolicy(scm.RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond}),
		scm.WithLogger(logger))
	if err != nil {
		fmt.Println(err)
		return
	}
	result, err := client.CancelCertificate(context.Background(), "my-project", "scs1481110651012")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(result.Message)
	// Output:
	// level=WARN msg="scm: attempt" operation=cancel-cert attempt=1 status=429 error_code=APIG.0308 request_id=r1 retry=true reason="throttled by the gateway"
	// level=INFO msg="scm: attempt" operation=cancel-cert attempt=2 status=200 error_code="" request_id="" retry=false reason="a final answer"
	// success
}
