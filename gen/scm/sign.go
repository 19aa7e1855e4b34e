package scm

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
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
// Sign refuses an empty AK or SK, or one holding control characters; its
// errors never contain the secret key. NOTE that every change to the
// method, URL, body or a signed header after Sign invalidates the
// signature.
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
	canonical, signed, err := canonicalRequest(req, body, names)
	if err != nil {
		return fmt.Errorf("scm: sign request: %w", err)
	}
	sig := hex.EncodeToString(signature(sk, date, canonical))
	req.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		Algorithm, ak, signed, sig))
	return nil
}

// CanonicalRequest returns the canonical request that the SDK-HMAC-SHA256
// algorithm hashes for req with the given body and signed header names
// (any case, any order; they are lower-cased, sorted and deduplicated).
// The value of "host" comes from req.Host, else req.URL.Host, because Go
// keeps it out of req.Header; a named header that req lacks counts as
// empty. It is meant for debugging signature mismatches and for tests.
func CanonicalRequest(req *http.Request, body []byte, signedHeaders []string) (string, error) {
	if req == nil || req.URL == nil {
		return "", errors.New("scm: canonical request: request or its URL is nil")
	}
	canonical, _, err := canonicalRequest(req, body, signedHeaders)
	if err != nil {
		return "", fmt.Errorf("scm: canonical request: %w", err)
	}
	return canonical, nil
}

// canonicalRequest returns the canonical request and the signed header
// names in their canonical form (lower-case, sorted, joined by ';').
func canonicalRequest(req *http.Request, body []byte, names []string) (string, string, error) {
	uri, err := canonicalURI(req.URL)
	if err != nil {
		return "", "", err
	}
	query, err := canonicalQuery(req.URL.RawQuery)
	if err != nil {
		return "", "", err
	}
	signed, err := normaliseHeaderNames(names)
	if err != nil {
		return "", "", err
	}
	var headers strings.Builder
	for _, name := range signed {
		headers.WriteString(name + ":" + headerValue(req, name) + "\n")
	}
	sum := sha256.Sum256(body)
	signedList := strings.Join(signed, ";")
	canonical := strings.Join([]string{
		req.Method, uri, query, headers.String(), signedList, hex.EncodeToString(sum[:]),
	}, "\n")
	return canonical, signedList, nil
}

// signature returns HMAC-SHA256(sk, string to sign).
func signature(sk, date, canonical string) []byte {
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := Algorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(stringToSign))
	return mac.Sum(nil)
}

// canonicalURI splits the path as sent into its segments, unescapes each
// and encodes it again with the algorithm's rules, and ends it with '/'.
func canonicalURI(u *url.URL) (string, error) {
	segments := strings.Split(u.EscapedPath(), "/")
	for i, s := range segments {
		raw, err := url.PathUnescape(s)
		if err != nil {
			return "", fmt.Errorf("canonical URI: %w", err)
		}
		segments[i] = encodeComponent(raw)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri, nil
}

// canonicalQuery sorts the decoded keys, and each key's values, and
// joins the encoded k=v pairs with '&'.
func canonicalQuery(rawQuery string) (string, error) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("canonical query: %w", err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		vs := slices.Clone(values[k])
		slices.Sort(vs)
		for _, v := range vs {
			pairs = append(pairs, encodeComponent(k)+"="+encodeComponent(v))
		}
	}
	return strings.Join(pairs, "&"), nil
}

// encodeComponent keeps the unreserved bytes A-Z a-z 0-9 - _ . ~ and
// writes every other byte as %XX in upper-case hex.
func encodeComponent(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// normaliseHeaderNames lower-cases, sorts and deduplicates names.
func normaliseHeaderNames(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, ";:, \t") || hasControl(n) {
			return nil, fmt.Errorf("invalid signed header name %q", n)
		}
		out = append(out, strings.ToLower(n))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// headerValue returns the trimmed value of the header name (lower-case);
// several values are joined by ','.
func headerValue(req *http.Request, name string) string {
	if name == "host" {
		if req.Host != "" {
			return strings.TrimSpace(req.Host)
		}
		return strings.TrimSpace(req.URL.Host)
	}
	values := req.Header.Values(name)
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.TrimSpace(v)
	}
	return strings.Join(trimmed, ",")
}

// defaultSignedHeaders returns host, x-sdk-date, content-type when
// present, and every X- header without an underscore.
func defaultSignedHeaders(h http.Header) []string {
	names := []string{"host", strings.ToLower(HeaderSdkDate)}
	for k := range h {
		lk := strings.ToLower(k)
		if lk == "content-type" || strings.HasPrefix(lk, "x-") && !strings.Contains(lk, "_") {
			names = append(names, lk)
		}
	}
	return names
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
