package scm

import (
	"bytes"
	"crypto/fips140"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"sync"
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
// The HMAC is computed by crypto/hmac, inside the Go Cryptographic Module.
// Under GODEBUG=fips140=only the module refuses an SK shorter than 112
// bits: Sign then returns an error wrapping ErrKeyRefused, never a
// signature and never a panic, and leaves req unchanged.
//
// With WithUnsignedPayload, Sign sets X-Sdk-Content-Sha256 to
// UNSIGNED-PAYLOAD and signs it, and the canonical request carries that
// literal in place of the body hash, as the official SDK's signer does for
// a body that is neither JSON nor BSON; the body is then not read. A
// request that already carries that header with that value, and signs it,
// is treated the same way without the option (see VerifySignature).
//
// Sign refuses an empty AK or SK, or one holding control characters, and
// a header to sign whose name is not an HTTP token (such a request cannot
// be sent); its errors never contain the secret key. NOTE that every
// change to the method, URL, body or a signed header after Sign
// invalidates the signature.
func Sign(req *http.Request, ak, sk string, t time.Time, opts ...SignOption) error {
	if len(opts) > 0 && applySignOptions(opts).unsignedPayload && req != nil && req.URL != nil {
		if req.Header == nil {
			req.Header = make(http.Header)
		}
		req.Header.Set(HeaderContentSha256, UnsignedPayload)
	}
	return sign(req, ak, sk, t, nil)
}

// SignOption changes how Sign signs a request.
type SignOption func(*signOptions)

// signOptions holds what the SignOptions chose.
type signOptions struct {
	unsignedPayload bool
}

// applySignOptions returns what opts choose. It is a function of its own,
// called only when there are options, so that a call to Sign without any
// allocates nothing for them.
func applySignOptions(opts []SignOption) signOptions {
	var o signOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithUnsignedPayload makes Sign leave the body out of the signature: it
// sets and signs X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD, and the canonical
// request ends with that literal instead of the body's SHA-256 (facts
// file, "Body hash override"). The official SDK does so for a Content-Type
// that contains neither application/json nor application/bson, and the API
// gateway accepts it. The body is then not read, so a large or streamed
// body is not held in memory; NOTE that nothing then protects the body
// from being changed on the way.
func WithUnsignedPayload() SignOption {
	return func(o *signOptions) { o.unsignedPayload = true }
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
	if err := checkHMACKey(sk); err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	date := formatDate(t)
	req.Header.Set(HeaderSdkDate, date)
	if names == nil {
		names = defaultSignedHeaders(req.Header)
	}
	var body []byte
	if !payloadUnsigned(req.Header, names) {
		var err error
		if body, err = readRequestBody(req); err != nil {
			return fmt.Errorf("scm: sign request: %w", err)
		}
	}
	var canonicalBuf [512]byte // enough for most requests; larger ones grow on the heap
	canonical, signed, err := appendCanonicalRequest(canonicalBuf[:0], req, body, names)
	if err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	var sigBuf [sha256.Size]byte
	sig, err := appendSignature(sigBuf[:0], sk, date, canonical)
	if err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	var authBuf [256]byte
	auth := append(authBuf[:0], Algorithm+" Access="...)
	auth = append(auth, ak...)
	auth = append(auth, ", SignedHeaders="...)
	auth = append(auth, signed...)
	auth = append(auth, ", Signature="...)
	auth = hex.AppendEncode(auth, sig)
	req.Header.Set("Authorization", string(auth))
	return nil
}

// formatDate returns t in UTC in DateLayout, as t.UTC().Format(DateLayout)
// does, without parsing the layout on every call.
func formatDate(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	if year < 0 || year > 9999 {
		return t.Format(DateLayout)
	}
	var b [len(DateLayout)]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	put(4, int(month), 2)
	put(6, day, 2)
	b[8] = 'T'
	put(9, hour, 2)
	put(11, minute, 2)
	put(13, second, 2)
	b[15] = 'Z'
	return string(b[:])
}

// ErrKeyRefused means the Go Cryptographic Module refuses the secret key
// for HMAC-SHA256: under GODEBUG=fips140=only, a key shorter than 112 bits
// (14 bytes). Sign and VerifySignature return it, wrapped, instead of a
// signature or a verdict.
var ErrKeyRefused = errors.New("secret key refused by the Go Cryptographic Module")

// minFIPSKeyLen is the shortest HMAC key FIPS 140-only mode accepts, in
// bytes: 112 bits (FIPS 140-3 IG C.M; crypto/hmac.New panics below it).
const minFIPSKeyLen = 112 / 8

// checkHMACKey refuses, before anything is computed or changed, a key that
// crypto/hmac would refuse with a panic. It never quotes the key.
func checkHMACKey(sk string) error {
	if fips140.Enforced() && len(sk) < minFIPSKeyLen {
		return fmt.Errorf("%w: in FIPS 140-only mode the SK must be at least %d bytes (112 bits)", ErrKeyRefused, minFIPSKeyLen)
	}
	return nil
}

// appendSignature appends HMAC-SHA256(sk, string to sign) to dst, where
// the string to sign is the algorithm, the date and the hex SHA-256 of
// the canonical request, one per line. The MAC comes from crypto/hmac,
// the Go Cryptographic Module's HMAC, whatever mode it runs in.
func appendSignature(dst []byte, sk, date string, canonical []byte) ([]byte, error) {
	k, err := getMAC(sk)
	if err != nil {
		return nil, err
	}
	defer macs.Put(k)
	sum := sha256.Sum256(canonical)
	sts := append(k.buf[:0], Algorithm+"\n"...)
	sts = append(sts, date...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, sum[:])
	_, _ = k.mac.Write(sts) // a hash.Hash never fails to write
	return append(dst, k.mac.Sum(k.sum[:0])...), nil
}

// macs keeps keyed HMAC-SHA256 states for reuse, since most programs sign
// (or verify) with one key, and keying crypto/hmac anew costs two SHA-256
// blocks and several allocations per call. A state is reused only for the
// very key it was made with; the pool drops idle ones at garbage
// collection.
var macs sync.Pool // of *keyedMAC

// keyedMAC is an HMAC-SHA256 keyed with key, with scratch space.
type keyedMAC struct {
	key []byte
	mac hash.Hash
	buf [len(Algorithm) + 1 + len(DateLayout) + 1 + 2*sha256.Size]byte // the string to sign
	sum [sha256.Size]byte
}

// getMAC returns a reset HMAC keyed with sk, from macs when it holds one
// for that key; put it back with macs.Put.
func getMAC(sk string) (*keyedMAC, error) {
	if k, ok := macs.Get().(*keyedMAC); ok && sameKey(k.key, sk) {
		k.mac.Reset()
		return k, nil
	}
	mac, err := newHMAC(sk)
	if err != nil {
		return nil, err
	}
	return &keyedMAC{key: []byte(sk), mac: mac}, nil
}

// sameKey compares the keys in constant time for keys of equal length.
func sameKey(key []byte, sk string) bool {
	if len(key) != len(sk) {
		return false
	}
	var diff byte
	for i := range key {
		diff |= key[i] ^ sk[i]
	}
	return diff == 0
}

// newHMAC returns crypto/hmac's HMAC-SHA256 keyed with sk. crypto/hmac
// panics on a key or hash the module refuses; checkHMACKey catches the
// known case first, and a refusal added by a later Go release is turned
// into ErrKeyRefused here rather than crashing the caller.
func newHMAC(sk string) (mac hash.Hash, err error) {
	if err := checkHMACKey(sk); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			mac, err = nil, fmt.Errorf("%w: %v", ErrKeyRefused, r)
		}
	}()
	return hmac.New(sha256.New, []byte(sk)), nil
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
