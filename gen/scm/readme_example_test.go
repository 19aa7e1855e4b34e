package scm_test

// The Go snippets of the README's client sections, each quoted there
// verbatim from the body of one example below (after the line declaring
// ctx), so that they compile as pasted into a function that has a ctx.
// These examples have no "Output:" line, so `go test` compiles them but
// does not run them: they would reach Huawei Cloud, or the mock started by
// `make mock`. The examples with output in example_test.go run against
// stand-in servers.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// Quick start: cancel against the mock that `make mock` serves.
func Example_quickStart() {
	ctx := context.Background()
	client, err := scm.NewCertClient("http://127.0.0.1:8080", scm.WithToken("any-token"))
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.CancelCertificate(ctx, "p1", "scs1481110651012")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.CertId, res.Message)
}

// README, "Cancel a certificate application with AK/SK from the
// environment".
func ExampleCredentialsFromEnv() {
	ctx := context.Background()
	creds, err := scm.CredentialsFromEnv() // says which variables are missing
	if err != nil {
		log.Fatal(err)
	}
	endpoint, err := scm.EndpointForRegion("cn-north-4")
	if err != nil {
		log.Fatal(err) // lists the known regions
	}
	client, err := scm.NewCertClient(endpoint, scm.WithAKSK(creds))
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.CancelCertificate(ctx, creds.ProjectID, "scs1481110651012")
	if err != nil {
		log.Fatal(err) // an *scm.APIError for every answer but 200; see below
	}
	fmt.Println(res.CertId, res.Message)
}

// README, the same section: credentials built by hand.
func ExampleCredentials() {
	ctx := context.Background()
	ak, sk, projectID := os.Getenv("MY_AK"), os.Getenv("MY_SK"), os.Getenv("MY_PROJECT_ID") // or your own store
	creds := scm.Credentials{AK: scm.NewSecret(ak), SK: scm.NewSecret(sk), ProjectID: projectID}
	client, err := scm.NewCertClient("https://scm.cn-north-4.myhuaweicloud.com", scm.WithAKSK(creds))
	if err != nil {
		log.Fatal(err) // names the field that is wrong, never its value
	}
	_, err = client.CancelCertificate(ctx, creds.ProjectID, "scs1481110651012")
	fmt.Println(err)
}

// README, "Use a token, or any endpoint".
func ExampleWithToken() {
	ctx := context.Background()
	iamToken := os.Getenv("SCM_AUTH_TOKEN")
	client, err := scm.NewCertClient("https://scm.ap-southeast-1.myhuaweicloud.com",
		scm.WithToken(iamToken), scm.WithResponseLimit(64<<10))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.CancelCertificate(ctx, os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID"), "scs1481110651012")
	fmt.Println(err)
}

// README, "Handle an *APIError".
func ExampleAPIError_handle() {
	ctx := context.Background()
	client, err := scm.NewCertClient("https://scm.cn-north-4.myhuaweicloud.com", scm.WithToken(os.Getenv("SCM_AUTH_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	projectID, certID := os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID"), "scs1481110651012"
	_, err = client.CancelCertificate(ctx, projectID, certID)
	var apiErr *scm.APIError
	switch {
	case err == nil:
	case errors.Is(err, scm.ErrWrongState): // SCM.0010: the application cannot be cancelled now
	case errors.Is(err, scm.ErrNotFound): // SCM.0008, SCM.0020, or a 404 other than the gateway's "no such API"
	case errors.Is(err, scm.ErrAuth): // 401 / APIGW.0301
	case errors.Is(err, scm.ErrThrottled): // 429 / APIG.0308 on every attempt: the client's retries ran out
	case errors.Is(err, scm.ErrMalformedResponse): // a 200 that is no result: the service broke the contract
	case errors.As(err, &apiErr):
		log.Printf("cancel-cert: HTTP %d %s %s (request ID %s)", apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID)
	default:
		log.Printf("cancel-cert: %v", err) // the network, or an ID refused before sending
	}
	var attemptsErr *scm.AttemptsError
	if errors.As(err, &attemptsErr) { // every error of a call that sent something
		log.Printf("cancel-cert: %d attempts, stopped: %s", attemptsErr.Attempts, attemptsErr.Stop)
	}
}

// README, "Production use".
func ExampleNewCertClient_production() {
	ctx := context.Background()
	endpoint, err := scm.EndpointForRegion("cn-north-4")
	if err != nil {
		log.Fatal(err)
	}
	client, err := scm.NewCertClient(endpoint,
		scm.WithCredentialsProvider(scm.DefaultCredentialsChain()), // environment, profile file, ECS metadata
		scm.WithRetryPolicy(scm.RetryPolicy{MaxAttempts: 5, MaxElapsed: 30 * time.Second}),
		scm.WithTimeouts(scm.Timeouts{Attempt: 10 * time.Second}),
		scm.WithLogger(slog.Default()),
		scm.WithUserAgent("cert-rotator/2.1"),
	)
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.CancelCertificate(ctx, os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID"), "scs1481110651012")
	fmt.Println(err)
}

// README, "Production use": one attempt only.
func ExampleNoRetry() {
	ctx := context.Background()
	client, err := scm.NewCertClient("https://scm.cn-north-4.myhuaweicloud.com",
		scm.WithToken(os.Getenv("SCM_AUTH_TOKEN")), scm.WithRetryPolicy(scm.NoRetry()))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.CancelCertificate(ctx, os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID"), "scs1481110651012")
	fmt.Println(err) // a 429 comes back at once, as an *APIError wrapping scm.ErrThrottled
}
