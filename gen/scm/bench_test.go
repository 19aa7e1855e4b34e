package scm

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// benchRequest is a cancel-cert request as CertClient builds it.
func benchRequest(tb testing.TB, headers map[string]string) *http.Request {
	tb.Helper()
	return newRequest(tb, http.MethodPost,
		"https://scm.cn-north-4.myhuaweicloud.com/v2/77b6a44cba5143ab91d13ab9a8ff44fd/scm/cert/scs1481110651012/cancel-cert",
		nil, headers)
}

// BenchmarkSign signs one cancel-cert request: with only the headers Sign
// sets, and with the project ID and security token that WithAKSK adds.
func BenchmarkSign(b *testing.B) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for name, headers := range map[string]map[string]string{
		"minimal":         nil,
		"project+sts":     {HeaderProjectID: "77b6a44cba5143ab91d13ab9a8ff44fd", HeaderSecurityToken: "sts-token"},
		"content-type+x3": {"Content-Type": "application/json", "X-A": "1", "X-B": "2", "X-C": "3"},
	} {
		b.Run(name, func(b *testing.B) {
			req := benchRequest(b, headers)
			b.ReportAllocs()
			for b.Loop() {
				if err := Sign(req, testAK, testSK, at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifySignature verifies one signed request, as the mock does
// for every call.
func BenchmarkVerifySignature(b *testing.B) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	req := benchRequest(b, map[string]string{HeaderProjectID: "77b6a44cba5143ab91d13ab9a8ff44fd"})
	if err := Sign(req, testAK, testSK, at); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifySignature(req, nil, testSecrets, at, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCancelCert turns one response into a result or an
// *APIError.
func BenchmarkParseCancelCert(b *testing.B) {
	for name, resp := range map[string]struct {
		status int
		body   string
	}{
		"200":            {200, `{"cert_id":"scs1481110651012","message":"success"}`},
		"400 error body": {400, `{"error_code":"SCM.0010","error_msg":"This operation is not allowed by the current certificate type or status."}`},
	} {
		b.Run(name, func(b *testing.B) {
			body := []byte(resp.body)
			header := http.Header{"Content-Type": {"application/json;charset=UTF-8"}, HeaderRequestID: {"rid"}}
			b.ReportAllocs()
			for b.Loop() {
				r := &http.Response{StatusCode: resp.status, Header: header, Body: io.NopCloser(bytes.NewReader(body))}
				got, err := ParseCancelCertResult(r, 0)
				if (got != nil) != (resp.status == 200) {
					b.Fatalf("got %v, %v", got, err)
				}
			}
		})
	}
}

// BenchmarkBuildRequest builds the cancel-cert request: with the generated
// NewCancelCertRequest, which CertClient uses, and by hand with
// http.NewRequest, as the baseline of contract's BenchmarkCancelCert
// does. The difference is most of what CertClient costs over the baseline.
func BenchmarkBuildRequest(b *testing.B) {
	const server = "https://scm.cn-north-4.myhuaweicloud.com"
	build := map[string]func() (*http.Request, error){
		"impl=generated": func() (*http.Request, error) {
			return NewCancelCertRequest(server, "77b6a44cba5143ab91d13ab9a8ff44fd", "scs1481110651012")
		},
		"impl=by-hand": func() (*http.Request, error) {
			return http.NewRequestWithContext(context.Background(), http.MethodPost, server+"/v2/"+url.PathEscape("77b6a44cba5143ab91d13ab9a8ff44fd")+
				"/scm/cert/"+url.PathEscape("scs1481110651012")+"/cancel-cert", nil)
		},
	}
	for _, name := range []string{"impl=by-hand", "impl=generated"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := build[name](); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
