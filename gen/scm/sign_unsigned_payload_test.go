package scm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// handSign signs req the way the official SDK's signer does, written out
// here without the package's canonical-request code: canonical is the
// canonical request spelled out by the test, signedHeaders its list.
func handSign(req *http.Request, ak, sk, date, signedHeaders, canonical string) {
	sum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(sum[:])))
	req.Header.Set(HeaderSdkDate, date)
	req.Header.Set("Authorization", fmt.Sprintf("SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%x",
		ak, signedHeaders, mac.Sum(nil)))
}

// TestSignUnsignedPayloadPublishedBehaviour checks WithUnsignedPayload
// against the SDK's published behaviour (facts file, "Body hash
// override"): X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is set and signed,
// and the literal stands where the body hash would be. The expected
// canonical request is written out by hand.
func TestSignUnsignedPayloadPublishedBehaviour(t *testing.T) {
	body := "not JSON \x00\x01"
	// A reader of a type http.NewRequest does not know, so that it sets no
	// GetBody: a GetBody after Sign would mean that Sign read the body.
	req := newRequest(t, http.MethodPost, "https://example.huaweicloud.com/path?key=value",
		struct{ io.Reader }{strings.NewReader(body)}, map[string]string{"Content-Type": "application/octet-stream"})
	at := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	require.NoError(t, Sign(req, "AccessKey", "SecretKey", at, WithUnsignedPayload()))

	const canonical = "POST\n/path/\nkey=value\n" +
		"content-type:application/octet-stream\nhost:example.huaweicloud.com\n" +
		"x-sdk-content-sha256:UNSIGNED-PAYLOAD\nx-sdk-date:20060102T150405Z\n\n" +
		"content-type;host;x-sdk-content-sha256;x-sdk-date\nUNSIGNED-PAYLOAD"
	want := newRequest(t, http.MethodPost, "https://example.huaweicloud.com/path?key=value", nil, nil)
	handSign(want, "AccessKey", "SecretKey", "20060102T150405Z", "content-type;host;x-sdk-content-sha256;x-sdk-date", canonical)

	require.Equal(t, UnsignedPayload, req.Header.Get(HeaderContentSha256))
	require.Equal(t, want.Header.Get("Authorization"), req.Header.Get("Authorization"))
	got, err := CanonicalRequest(req, []byte(body), []string{"content-type", "host", "x-sdk-content-sha256", "x-sdk-date"})
	require.NoError(t, err)
	require.Equal(t, canonical, got)
	require.Nil(t, req.GetBody, "the body is not read, so it is not buffered either")
	sent, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	require.Equal(t, body, string(sent), "the body is left as it was")

	// Without the option the same request is signed over the body's hash.
	plain := newRequest(t, http.MethodPost, "https://example.huaweicloud.com/path?key=value",
		strings.NewReader(body), map[string]string{"Content-Type": "application/octet-stream"})
	require.NoError(t, Sign(plain, "AccessKey", "SecretKey", at))
	require.Empty(t, plain.Header.Get(HeaderContentSha256))
	require.NotContains(t, plain.Header.Get("Authorization"), "x-sdk-content-sha256")
}

// TestVerifyUnsignedPayload sends requests signed by hand the SDK's way
// (only X- headers signed, content-type not, as the SDK's signer does) to a
// server that checks them with VerifySignature. The header replaces the
// body hash only when it is signed and holds exactly UNSIGNED-PAYLOAD.
func TestVerifyUnsignedPayload(t *testing.T) {
	signedAt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	const date = "20240506T070809Z"
	const sentBody = "raw bytes, not JSON"
	sum := sha256.Sum256([]byte(sentBody))
	bodyHash := hex.EncodeToString(sum[:])
	canonical := func(headerValue, signed, payload string) string {
		lines := ""
		if strings.Contains(signed, "x-sdk-content-sha256") {
			lines = "x-sdk-content-sha256:" + headerValue + "\n"
		}
		return "POST\n/v1/upload/\n\n" + lines + "x-sdk-date:" + date + "\n\n" + signed + "\n" + payload
	}
	tests := []struct {
		name        string
		headerValue string // X-Sdk-Content-Sha256 as sent; "" leaves it out
		signed      string // SignedHeaders
		payload     string // the last line of the canonical request the client signed
		body        string // the body actually sent; sentBody when empty
		wantErr     error
	}{
		{name: "SDK style: signed header, literal in place of the hash",
			headerValue: UnsignedPayload, signed: "x-sdk-content-sha256;x-sdk-date", payload: UnsignedPayload},
		{name: "SDK style with a body changed on the way: the body is not covered",
			headerValue: UnsignedPayload, signed: "x-sdk-content-sha256;x-sdk-date", payload: UnsignedPayload, body: "another body"},
		// Unsigned, the header could have been added by anyone: the server
		// hashes the body, so a signature over the literal does not match.
		{name: "header present but not signed does not switch hashing off",
			headerValue: UnsignedPayload, signed: "x-sdk-date", payload: UnsignedPayload, wantErr: ErrSignatureMismatch},
		{name: "header added unsigned to a request signed over the body hash",
			headerValue: UnsignedPayload, signed: "x-sdk-date", payload: bodyHash},
		{name: "header added unsigned does not let the body change",
			headerValue: UnsignedPayload, signed: "x-sdk-date", payload: bodyHash, body: "another body", wantErr: ErrSignatureMismatch},
		// Only the literal UNSIGNED-PAYLOAD counts: any other value leaves
		// the body hashed, so it verifies only when it is the true hash.
		{name: "signed header holding the true body hash",
			headerValue: bodyHash, signed: "x-sdk-content-sha256;x-sdk-date", payload: bodyHash},
		{name: "signed header holding another value cannot stand for the body",
			headerValue: strings.Repeat("0", 64), signed: "x-sdk-content-sha256;x-sdk-date", payload: strings.Repeat("0", 64), wantErr: ErrSignatureMismatch},
		{name: "the literal in another case is another value",
			headerValue: "unsigned-payload", signed: "x-sdk-content-sha256;x-sdk-date", payload: "unsigned-payload", wantErr: ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, results := verifyingServer(t, signedAt)
			body := tt.body
			if body == "" {
				body = sentBody
			}
			req := newRequest(t, http.MethodPost, base+"/v1/upload", strings.NewReader(body),
				map[string]string{"Content-Type": "application/octet-stream"})
			if tt.headerValue != "" {
				req.Header.Set(HeaderContentSha256, tt.headerValue)
			}
			handSign(req, testAK, testSK, date, tt.signed, canonical(tt.headerValue, tt.signed, tt.payload))
			err := send(t, req, results)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

// TestSignUnsignedPayloadRoundTrip signs with WithUnsignedPayload and
// verifies on a server: accepted, whatever the body, until the signed
// header itself is changed.
func TestSignUnsignedPayloadRoundTrip(t *testing.T) {
	signedAt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name    string
		tamper  func(*http.Request)
		wantErr error
	}{
		{name: "as signed"},
		{name: "header value changed to a hash", tamper: func(r *http.Request) {
			r.Header.Set(HeaderContentSha256, strings.Repeat("a", 64))
		}, wantErr: ErrSignatureMismatch},
		{name: "header removed", tamper: func(r *http.Request) { r.Header.Del(HeaderContentSha256) }, wantErr: ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, results := verifyingServer(t, signedAt)
			req := newRequest(t, http.MethodPut, base+"/v1/object", strings.NewReader("payload"),
				map[string]string{"Content-Type": "application/octet-stream"})
			require.NoError(t, Sign(req, testAK, testSK, signedAt, WithUnsignedPayload()))
			if tt.tamper != nil {
				tt.tamper(req)
			}
			err := send(t, req, results)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}
