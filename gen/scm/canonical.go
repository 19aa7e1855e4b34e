package scm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// headerSdkDateLower is HeaderSdkDate as it is listed in SignedHeaders.
const headerSdkDateLower = "x-sdk-date"

// HeaderContentSha256 is the header that, signed and holding
// UnsignedPayload, takes the place of the body hash in the canonical
// request (see Sign and VerifySignature).
const HeaderContentSha256 = "X-Sdk-Content-Sha256"

// headerContentSha256Lower is HeaderContentSha256 as listed in SignedHeaders.
const headerContentSha256Lower = "x-sdk-content-sha256"

// UnsignedPayload is the value of HeaderContentSha256 that the official
// SDK's signer sends for a body that is neither JSON nor BSON, and that
// then stands in the canonical request where the hex SHA-256 of the body
// would be.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// CanonicalRequest returns the canonical request that the SDK-HMAC-SHA256
// algorithm hashes for req with the given body and signed header names
// (any case, any order; they are lower-cased, sorted and deduplicated).
// The value of "host" comes from req.Host, else req.URL.Host, because Go
// keeps it out of req.Header; a named header that req lacks counts as
// empty. When X-Sdk-Content-Sha256 is signed and holds UNSIGNED-PAYLOAD,
// the last line is that literal instead of the body's hash. It is meant
// for debugging signature mismatches and for tests.
func CanonicalRequest(req *http.Request, body []byte, signedHeaders []string) (string, error) {
	if req == nil || req.URL == nil {
		return "", errors.New("scm: canonical request: request or its URL is nil")
	}
	canonical, _, err := appendCanonicalRequest(nil, req, body, signedHeaders)
	if err != nil {
		return "", fmt.Errorf("scm: canonical request: %w", err)
	}
	return string(canonical), nil
}

// appendCanonicalRequest appends the canonical request to dst, building it
// in place so that signing allocates little, and returns it with the
// signed header names in their canonical form.
func appendCanonicalRequest(dst []byte, req *http.Request, body []byte, names []string) ([]byte, string, error) {
	dst = append(dst, req.Method...)
	dst = append(dst, '\n')
	dst, err := appendCanonicalURI(dst, req.URL)
	if err != nil {
		return nil, "", err
	}
	dst = append(dst, '\n')
	if dst, err = appendCanonicalQuery(dst, req.URL.RawQuery); err != nil {
		return nil, "", err
	}
	dst = append(dst, '\n')
	signed, err := normaliseHeaderNames(names)
	if err != nil {
		return nil, "", err
	}
	for _, name := range signed {
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, req, name)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	start := len(dst)
	for i, name := range signed {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, name...)
	}
	signedList := string(dst[start:])
	dst = append(dst, '\n')
	if payloadUnsigned(req.Header, signed) {
		return append(dst, UnsignedPayload...), signedList, nil
	}
	sum := sha256.Sum256(body)
	return hex.AppendEncode(dst, sum[:]), signedList, nil
}

// payloadUnsigned reports whether the canonical request ends with the
// literal UnsignedPayload instead of the hex SHA-256 of the body: when
// X-Sdk-Content-Sha256 is among the signed header names (in any case) and
// its trimmed value is exactly
// UNSIGNED-PAYLOAD. The official SDK's signer puts the header's value in
// place of the body hash whenever the header is present (facts file, "Body
// hash override"); here only that one value counts, and only when the
// header is signed: an unsigned header could be added by anyone on the
// way, and must not switch the body's protection off. Any other value is
// ignored and the body hashed as usual, so a request whose header holds
// the true hash verifies and one holding another value does not.
func payloadUnsigned(h http.Header, signed []string) bool {
	if !slices.ContainsFunc(signed, func(n string) bool { return strings.EqualFold(n, headerContentSha256Lower) }) {
		return false
	}
	values := h.Values(HeaderContentSha256)
	return len(values) == 1 && strings.TrimSpace(values[0]) == UnsignedPayload
}

// appendCanonicalURI takes the path as sent, unescapes each segment and
// encodes it again with the algorithm's rules, and ends it with '/'.
func appendCanonicalURI(dst []byte, u *url.URL) ([]byte, error) {
	path := u.EscapedPath()
	start := len(dst)
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch c {
		case '/':
			dst = append(dst, '/')
			continue
		case '%':
			if i+2 >= len(path) || !isHex(path[i+1]) || !isHex(path[i+2]) {
				bad, _, _ := strings.Cut(path[i:], "/")
				return nil, fmt.Errorf("canonical URI: %w", url.EscapeError(bad[:min(len(bad), 3)]))
			}
			c = unhex(path[i+1])<<4 | unhex(path[i+2])
			i += 2
		}
		dst = appendEncodedByte(dst, c)
	}
	if len(dst) == start || dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst, nil
}

// appendCanonicalQuery sorts the decoded keys, and each key's values, and
// joins the encoded k=v pairs with '&'.
func appendCanonicalQuery(dst []byte, rawQuery string) ([]byte, error) {
	if rawQuery == "" {
		return dst, nil
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("canonical query: %w", err)
	}
	first := true
	keys := slices.Sorted(maps.Keys(values))
	for _, k := range keys {
		vs := slices.Clone(values[k])
		slices.Sort(vs)
		for _, v := range vs {
			if !first {
				dst = append(dst, '&')
			}
			first = false
			dst = appendEncoded(dst, k)
			dst = append(dst, '=')
			dst = appendEncoded(dst, v)
		}
	}
	return dst, nil
}

// appendEncoded appends s with the unreserved bytes A-Z a-z 0-9 - _ . ~
// kept and every other byte written as %XX in upper-case hex.
func appendEncoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = appendEncodedByte(dst, s[i])
	}
	return dst
}

func appendEncodedByte(dst []byte, c byte) []byte {
	const hexDigits = "0123456789ABCDEF"
	if isUnreserved(c) {
		return append(dst, c)
	}
	return append(dst, '%', hexDigits[c>>4], hexDigits[c&0x0f])
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// normaliseHeaderNames lower-cases, sorts and deduplicates names. A name
// must be an HTTP token (RFC 9110): any other name cannot be sent, and
// http.Header would not find its value, so that a signature would cover
// an empty value instead of the one present.
func normaliseHeaderNames(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !isToken(n) {
			return nil, fmt.Errorf("invalid signed header name %q", n)
		}
		out = append(out, asciiLower(n))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// isToken reports whether s is a non-empty HTTP token: letters, digits
// and !#$%&'*+-.^_`|~ only.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isUnreserved(c) && !strings.ContainsRune("!#$%&'*+^`|", rune(c)) {
			return false
		}
	}
	return true
}

// appendHeaderValue appends the trimmed value of the header name (a
// lower-case token); several values are joined by ','.
func appendHeaderValue(dst []byte, req *http.Request, name string) []byte {
	if name == "host" {
		host := req.Host
		if host == "" {
			host = req.URL.Host
		}
		return append(dst, strings.TrimSpace(host)...)
	}
	var (
		values []string
		key    [64]byte
	)
	if len(name) <= len(key) {
		values = req.Header[string(appendCanonicalKey(key[:0], name))] // looked up without allocating
	} else {
		values = req.Header.Values(name)
	}
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, strings.TrimSpace(v)...)
	}
	return dst
}

// appendCanonicalKey appends the canonical form of the header name token,
// as http.CanonicalHeaderKey makes it: upper case at the start and after
// each '-', lower case elsewhere.
func appendCanonicalKey(dst []byte, token string) []byte {
	upper := true
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst
}

// asciiLower lower-cases the ASCII letters of s and leaves every other
// byte as it is, so that a name that is not a token stays one (Unicode
// lower-casing would turn the Kelvin sign into 'k').
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// defaultSignedHeaders returns host, x-sdk-date, content-type when
// present, and every X- header without an underscore.
func defaultSignedHeaders(h http.Header) []string {
	names := make([]string, 2, 2+len(h))
	names[0], names[1] = "host", headerSdkDateLower
	for k := range h {
		switch {
		case k == HeaderSdkDate: // listed already
		case len(k) == len("content-type") && strings.EqualFold(k, "content-type"):
			names = append(names, "content-type")
		case len(k) >= 2 && k[0]|0x20 == 'x' && k[1] == '-' && !strings.Contains(k, "_"):
			names = append(names, asciiLower(k))
		}
	}
	return names
}
