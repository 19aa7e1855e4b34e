package scm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxSkew is the largest difference between X-Sdk-Date and the
// server's clock that the API gateway accepts: 15 minutes.
const DefaultMaxSkew = 15 * time.Minute

// Reasons why VerifySignature refuses a request. Its errors wrap exactly
// one of them (or ErrKeyRefused), so a server can say why with errors.Is.
var (
	// ErrSignatureMissing means the request has no Authorization header.
	ErrSignatureMissing = errors.New("signature missing")
	// ErrSignatureMalformed means the Authorization or X-Sdk-Date header
	// cannot be parsed, or SignedHeaders leaves out x-sdk-date or is not
	// lower-case, sorted and unique.
	ErrSignatureMalformed = errors.New("signature malformed")
	// ErrUnknownAccessKey means the secret lookup knows no such AK.
	ErrUnknownAccessKey = errors.New("unknown access key")
	// ErrSignatureMismatch means the signature does not match the request.
	ErrSignatureMismatch = errors.New("signature mismatch")
	// ErrDateSkew means X-Sdk-Date is too far from the server's clock.
	ErrDateSkew = errors.New("request date outside the allowed skew")
)

// authorization is a parsed SDK-HMAC-SHA256 Authorization header.
type authorization struct {
	access        string
	signedHeaders string
	signature     []byte
}

// VerifySignature checks the SDK-HMAC-SHA256 signature of a request
// received by a server, as the API gateway does. body is the request body
// as received (nil for none); the caller reads it, so that it can still
// use it. secretFor returns the secret key for an access key, and false for
// an unknown one. now is the server's clock; maxSkew is the largest
// accepted distance between it and X-Sdk-Date (DefaultMaxSkew when zero or
// negative).
//
// The canonical request is rebuilt from the header names listed in
// SignedHeaders, with host taken from req.Host, since Go servers move the
// Host header out of req.Header. SignedHeaders must include x-sdk-date so
// that the date cannot be changed.
//
// A request whose SignedHeaders include x-sdk-content-sha256, with the
// value UNSIGNED-PAYLOAD, is checked with that literal in place of the
// body hash, as the official SDK signs it and the API gateway accepts it
// (facts file, "Body hash override"); body is then not part of the check.
// The header must be signed: unsigned, it changes nothing, so that no one
// on the way can take the body out of the signature by adding it.
//
// Errors wrap one of ErrSignatureMissing, ErrSignatureMalformed,
// ErrUnknownAccessKey, ErrSignatureMismatch and ErrDateSkew, or
// ErrKeyRefused when the Go Cryptographic Module refuses the secret key
// (see Sign); they never contain a secret key.
func VerifySignature(req *http.Request, body []byte, secretFor func(ak string) (sk string, ok bool),
	now time.Time, maxSkew time.Duration) error {
	if req == nil || req.URL == nil || secretFor == nil {
		return errors.New("scm: verify signature: nil request, URL or secret lookup")
	}
	header := req.Header.Get("Authorization")
	if header == "" {
		return fmt.Errorf("scm: verify signature: %w: no Authorization header", ErrSignatureMissing)
	}
	auth, err := parseAuthorization(header)
	if err != nil {
		return fmt.Errorf("scm: verify signature: %w: %w", ErrSignatureMalformed, err)
	}
	date, err := checkDate(req.Header.Get(HeaderSdkDate), now, maxSkew)
	if err != nil {
		return fmt.Errorf("scm: verify signature: %w", err)
	}
	sk, ok := secretFor(auth.access)
	if !ok {
		return fmt.Errorf("scm: verify signature: %w", ErrUnknownAccessKey)
	}
	names := strings.Split(auth.signedHeaders, ";")
	canonical, signed, err := appendCanonicalRequest(make([]byte, 0, 512), req, body, names)
	if err != nil {
		return fmt.Errorf("scm: verify signature: %w: %w", ErrSignatureMalformed, err)
	}
	if signed != auth.signedHeaders {
		return fmt.Errorf("scm: verify signature: %w: SignedHeaders %q is not lower-case, sorted and unique",
			ErrSignatureMalformed, auth.signedHeaders)
	}
	if !strings.Contains(";"+signed+";", ";x-sdk-date;") {
		return fmt.Errorf("scm: verify signature: %w: SignedHeaders leaves out x-sdk-date", ErrSignatureMalformed)
	}
	var sigBuf [sha256.Size]byte
	sig, err := appendSignature(sigBuf[:0], sk, date, canonical)
	if err != nil {
		return fmt.Errorf("scm: verify signature: %w", err)
	}
	if !hmac.Equal(sig, auth.signature) {
		sum := sha256.Sum256(canonical)
		return fmt.Errorf("scm: verify signature: %w: the server's canonical request hashes to %x",
			ErrSignatureMismatch, sum)
	}
	return nil
}

// checkDate parses the X-Sdk-Date value and checks its distance to now.
func checkDate(value string, now time.Time, maxSkew time.Duration) (string, error) {
	if value == "" {
		return "", fmt.Errorf("%w: no %s header", ErrSignatureMalformed, HeaderSdkDate)
	}
	t, err := time.Parse(DateLayout, value)
	if err != nil {
		return "", fmt.Errorf("%w: %s %q is not in the layout %s", ErrSignatureMalformed, HeaderSdkDate, value, DateLayout)
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	if d := now.Sub(t).Abs(); d > maxSkew {
		return "", fmt.Errorf("%w: %s %s is %s away from the server clock (limit %s)",
			ErrDateSkew, HeaderSdkDate, value, d, maxSkew)
	}
	return value, nil
}

// parseAuthorization parses
// "SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<names>, Signature=<hex>".
func parseAuthorization(header string) (authorization, error) {
	var auth authorization
	rest, ok := strings.CutPrefix(header, Algorithm+" ")
	if !ok {
		return auth, fmt.Errorf("the Authorization header does not start with %q", Algorithm+" ")
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || value == "" {
			return auth, fmt.Errorf("the Authorization part %q is not key=value", strings.TrimSpace(part))
		}
		if seen[key] {
			return auth, fmt.Errorf("the Authorization header repeats %s", key)
		}
		seen[key] = true
		switch key {
		case "Access":
			auth.access = value
		case "SignedHeaders":
			auth.signedHeaders = value
		case "Signature":
			sig, err := hex.DecodeString(value)
			if err != nil || len(sig) != sha256.Size {
				return auth, errors.New("the Signature is not 64 hex digits")
			}
			auth.signature = sig
		default:
			return auth, fmt.Errorf("the Authorization header has an unknown part %q", key)
		}
	}
	for _, key := range []string{"Access", "SignedHeaders", "Signature"} {
		if !seen[key] {
			return auth, fmt.Errorf("the Authorization header lacks %s", key)
		}
	}
	return auth, nil
}
