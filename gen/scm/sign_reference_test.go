package scm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The signer builds the canonical request in one buffer and computes the
// HMAC on the stack, for speed. This file keeps the plain versions it
// replaced, written as the algorithm reads, and checks that both agree.

// referenceURI splits the path as sent, unescapes and re-encodes each
// segment, and ends it with '/'.
func referenceURI(u *url.URL) (string, error) {
	segments := strings.Split(u.EscapedPath(), "/")
	for i, s := range segments {
		raw, err := url.PathUnescape(s)
		if err != nil {
			return "", err
		}
		segments[i] = referenceEncode(raw)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri, nil
}

func referenceEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// referenceHeaderValue reads the header through http.Header.Values.
func referenceHeaderValue(h http.Header, name string) string {
	values := h.Values(name)
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.TrimSpace(v)
	}
	return strings.Join(trimmed, ",")
}

func referenceHMAC(key string, msg []byte) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(msg)
	return mac.Sum(nil)
}

// TestHMACMatchesCryptoHMAC checks hmacSHA256 against crypto/hmac for
// keys shorter than, as long as and longer than the block size, and
// messages of every length up to past its stack buffer.
func TestHMACMatchesCryptoHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	for _, keyLen := range []int{0, 1, 40, 63, 64, 65, 128, 300} {
		for msgLen := range 400 {
			key, msg := string(random(keyLen)), random(msgLen)
			got := hmacSHA256(key, msg)
			require.Equal(t, referenceHMAC(key, msg), got[:], "key %d bytes, message %d bytes", keyLen, msgLen)
		}
	}
}

// FuzzCanonicalMatchesReference checks, on arbitrary paths, header names
// and values, that the canonical URI, the header value and the HMAC the
// signer computes are those of the plain versions. Seeds: f.Add below and
// testdata/fuzz/FuzzCanonicalMatchesReference.
func FuzzCanonicalMatchesReference(f *testing.F) {
	f.Add("/v2/p/scm/cert/a%2Fb/cancel-cert", "X-Project-Id", " v ", "sk")
	f.Add("", "x-multi", "", "")
	f.Add("/%zz/%2", "content-type", "application/json", strings.Repeat("k", 65))
	f.Add("//a b/证书/", "X-LONG-"+strings.Repeat("N", 64), "\tx\t", "\x00")
	f.Fuzz(func(t *testing.T, rawPath, name, value, key string) {
		u, err := url.Parse("https://scm.example" + rawPath)
		if err != nil {
			u = &url.URL{Scheme: "https", Host: "scm.example", Path: rawPath}
		}
		want, wantErr := referenceURI(u)
		got, err := canonicalURI(u)
		if wantErr != nil {
			require.Error(t, err, "the reference refuses %q", u.EscapedPath())
		} else {
			require.NoError(t, err)
			require.Equal(t, want, got)
		}

		if isToken(name) {
			h := http.Header{}
			h.Add(name, value)
			h.Add(name, value+"2")
			req := &http.Request{Header: h, URL: u}
			lower := asciiLower(name)
			require.Equal(t, referenceHeaderValue(h, lower), string(appendHeaderValue(nil, req, lower)))
		}

		mac := hmacSHA256(key, []byte(value))
		require.Equal(t, referenceHMAC(key, []byte(value)), mac[:])
	})
}
