package scm

import "net/url"

// String forms of the append* functions, for tests.

func canonicalURI(u *url.URL) (string, error) {
	uri, err := appendCanonicalURI(nil, u)
	return string(uri), err
}

func canonicalQuery(rawQuery string) (string, error) {
	query, err := appendCanonicalQuery(nil, rawQuery)
	return string(query), err
}

func signature(sk, date, canonical string) []byte {
	return appendSignature(nil, sk, date, []byte(canonical))
}
