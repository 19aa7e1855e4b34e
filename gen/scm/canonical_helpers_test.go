package scm

import (
	"net/url"
	"testing"
)

// String forms of the append* functions, for tests.

func canonicalURI(u *url.URL) (string, error) {
	uri, err := appendCanonicalURI(nil, u)
	return string(uri), err
}

func canonicalQuery(rawQuery string) (string, error) {
	query, err := appendCanonicalQuery(nil, rawQuery)
	return string(query), err
}

func signature(tb testing.TB, sk, date, canonical string) []byte {
	tb.Helper()
	sig, err := appendSignature(nil, sk, date, []byte(canonical))
	if err != nil {
		tb.Fatalf("signature: %v", err)
	}
	return sig
}
