package scm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Algorithm is the name of the Huawei Cloud API gateway's AK/SK signing
// algorithm, the first word of the Authorization header.
const Algorithm = "SDK-HMAC-SHA256"

// DateLayout is the time layout of the X-Sdk-Date header, always in UTC.
const DateLayout = "20060102T150405Z"

// HeaderSdkDate is the header carrying the signing time.
const HeaderSdkDate = "X-Sdk-Date"

// Sign signs req with the access key ak and the secret key sk at time t,
// as the API gateway's SDK-HMAC-SHA256 algorithm prescribes. It sets the
// X-Sdk-Date header to t in UTC and the Authorization header to
//
//	SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<a;b;c>, Signature=<hex>
//
// The signed headers are host (from req.Host, else req.URL.Host),
// x-sdk-date, content-type when present, and every header whose name
// starts with "X-" (such as X-Project-Id and X-Security-Token) except
// those holding an underscore, which proxies tend to drop, as the
// official SDK does.
//
// The body is hashed and left readable: through req.GetBody when set,
// otherwise by reading req.Body and replacing it (GetBody and
// ContentLength are then set too).
//
// The canonical URI is built from the segments of the path as sent
// (req.URL.EscapedPath), each unescaped and then encoded with the
// algorithm's rules, so a segment sent as "a%2Fb" stays one segment.
// NOTE that a signer splitting the decoded path would see two segments
// for such an ID; following the path as sent matches what the gateway
// receives (inferred: a live recording must confirm it).
//
// Sign refuses an empty AK or SK, or one holding control characters, and
// a header to sign whose name is not an HTTP token (such a request cannot
// be sent); its errors never contain the secret key. NOTE that every
// change to the method, URL, body or a signed header after Sign
// invalidates the signature.
func Sign(req *http.Request, ak, sk string, t time.Time) error {
	return sign(req, ak, sk, t, nil)
}

// sign is Sign with a chosen set of signed header names; nil means the
// default set that Sign documents.
func sign(req *http.Request, ak, sk string, t time.Time, names []string) error {
	if req == nil || req.URL == nil {
		return errors.New("scm: sign request: request or its URL is nil")
	}
	if err := checkKeys(ak, sk); err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	date := t.UTC().Format(DateLayout)
	req.Header.Set(HeaderSdkDate, date)
	body, err := readRequestBody(req)
	if err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	if names == nil {
		names = defaultSignedHeaders(req.Header)
	}
	var canonicalBuf [512]byte // enough for most requests; larger ones grow on the heap
	canonical, signed, err := appendCanonicalRequest(canonicalBuf[:0], req, body, names)
	if err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	var sigBuf [sha256.Size]byte
	var authBuf [256]byte
	auth := append(authBuf[:0], Algorithm+" Access="...)
	auth = append(auth, ak...)
	auth = append(auth, ", SignedHeaders="...)
	auth = append(auth, signed...)
	auth = append(auth, ", Signature="...)
	auth = hex.AppendEncode(auth, appendSignature(sigBuf[:0], sk, date, canonical))
	req.Header.Set("Authorization", string(auth))
	return nil
}

// appendSignature appends HMAC-SHA256(sk, string to sign) to dst, where
// the string to sign is the algorithm, the date and the hex SHA-256 of
// the canonical request, one per line.
func appendSignature(dst []byte, sk, date string, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	var buf [len(Algorithm) + 1 + len(DateLayout) + 1 + 2*sha256.Size]byte
	stringToSign := append(buf[:0], Algorithm+"\n"...)
	stringToSign = append(stringToSign, date...)
	stringToSign = append(stringToSign, '\n')
	stringToSign = hex.AppendEncode(stringToSign, sum[:])
	mac := hmacSHA256(sk, stringToSign)
	return append(dst, mac[:]...)
}

// hmacSHA256 returns HMAC-SHA256(key, msg) as RFC 2104 defines it:
// SHA-256((K ^ opad) || SHA-256((K ^ ipad) || msg)), with K the key padded
// to the block size (or its hash when longer). It works on the stack,
// where crypto/hmac allocates two hash states and two pads for every new
// key, more than the rest of signing a request costs.
// sign_reference_test.go checks it against crypto/hmac.
func hmacSHA256(key string, msg []byte) [sha256.Size]byte {
	const blockSize = 64
	var k [blockSize]byte
	if len(key) > blockSize {
		sum := sha256.Sum256([]byte(key))
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var innerBuf [blockSize + 128]byte
	inner := innerBuf[:blockSize]
	for i, b := range k {
		inner[i] = b ^ 0x36
	}
	innerSum := sha256.Sum256(append(inner, msg...))
	var outer [blockSize + sha256.Size]byte
	for i, b := range k {
		outer[i] = b ^ 0x5c
	}
	copy(outer[blockSize:], innerSum[:])
	return sha256.Sum256(outer[:])
}

// readRequestBody returns the body of req and leaves it readable.
func readRequestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("get body: %w", err)
		}
		defer func() { _ = rc.Close() }()
		body, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return body, nil
	}
	body, err := io.ReadAll(req.Body)
	closeErr := req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("close body: %w", closeErr)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	return body, nil
}
