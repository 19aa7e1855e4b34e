package contract_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// TestMockAcceptsUnsignedPayload sends the mock a cancel-cert request
// signed the official SDK's way for a body that is not JSON (facts file,
// "Body hash override"): X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is sent and
// signed, and the literal stands in the canonical request where the body
// hash would be. The canonical request is written out here, not built by
// package scm. The mock verifies with scm.VerifySignature, as the gateway
// does, and accepts it; the same signature with the header left out of
// SignedHeaders is refused, since an unsigned header must not take the
// body out of the signature.
func TestMockAcceptsUnsignedPayload(t *testing.T) {
	now := time.Now().UTC()
	srv := contract.StartMock(t, contract.WithKeyPair(testAK, testSK), contract.WithClock(func() time.Time { return now }))
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	path := "/v2/" + projectID + "/scm/cert/" + certID + "/cancel-cert"
	date := now.Format(scm.DateLayout)

	tests := []struct {
		name      string
		signed    string // SignedHeaders
		wantCode  int
		wantInMsg string
	}{
		{name: "SDK style", signed: "host;x-sdk-content-sha256;x-sdk-date", wantCode: http.StatusOK},
		{name: "header not signed", signed: "host;x-sdk-date", wantCode: http.StatusUnauthorized, wantInMsg: "signature mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := "host:" + u.Host + "\n"
			if strings.Contains(tt.signed, "x-sdk-content-sha256") {
				headers += "x-sdk-content-sha256:UNSIGNED-PAYLOAD\n"
			}
			headers += "x-sdk-date:" + date + "\n"
			canonical := "POST\n" + path + "/\n\n" + headers + "\n" + tt.signed + "\nUNSIGNED-PAYLOAD"
			sum := sha256.Sum256([]byte(canonical))
			mac := hmac.New(sha256.New, []byte(testSK))
			mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(sum[:])))

			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+path, http.NoBody)
			require.NoError(t, err)
			req.Header.Set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
			req.Header.Set("X-Sdk-Date", date)
			req.Header.Set("Authorization", fmt.Sprintf("SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%x",
				testAK, tt.signed, mac.Sum(nil)))
			resp, err := http.DefaultClient.Do(req) //nolint:bodyclose // ParseCancelCertResult reads and closes the body
			require.NoError(t, err)
			res, err := scm.ParseCancelCertResult(resp, 0)
			if tt.wantCode == http.StatusOK {
				require.NoError(t, err)
				require.Equal(t, certID, res.CertId)
				return
			}
			var apiErr *scm.APIError
			require.True(t, errors.As(err, &apiErr), "want *scm.APIError, got %v", err)
			require.Equal(t, tt.wantCode, apiErr.StatusCode)
			require.Equal(t, "APIGW.0301", apiErr.Code)
			require.Contains(t, apiErr.Message, tt.wantInMsg)
		})
	}
}
