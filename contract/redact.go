package contract

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// Redacted replaces every secret, and the value of every credential
// header, in recordings and in failure messages.
const Redacted = scm.Redacted

// ProjectIDPlaceholder replaces the project ID in live recordings.
const ProjectIDPlaceholder = "PROJECT_ID"

// minSecretLen is the shortest secret a Redactor accepts: a shorter one
// would match ordinary text and mangle the recording.
const minSecretLen = 6

// NamedSecret is a secret for a Redactor, with the name its errors use
// for it, so that they can say which value is wrong without showing it.
type NamedSecret struct {
	// Name says which value it is: "AK", "SK", "token", "security token".
	Name string
	// Value is the secret.
	Value scm.Secret
}

// Redactor removes secrets and the project ID from text before it is
// written or printed. It replaces each secret by Redacted and the project
// ID by ProjectIDPlaceholder in every form a server or a proxy could echo
// them in:
//
//   - raw, trimmed of surrounding spaces or not, in any ASCII letter case;
//   - percent-encoded, in upper or lower case, wholly or in part, with '+'
//     for a space (a path, a query value);
//   - JSON-escaped in any valid way: \/, \", \\, \n ..., and \u escapes
//     of any character in either case, surrogate pairs included;
//   - any nesting of those, up to four layers (percent-encoding inside a
//     JSON string inside another one);
//   - base64, standard or URL alphabet, padded or not, at any alignment
//     (base64("user:" + secret) too), raw or under the layers above.
//
// It does not look for a fixed list of encodings: from each place in the
// text where a value could start (its first character, a '%' or a '\'),
// it reads on, decoding each escape it meets in every way it can be read,
// layer below layer, and compares the decoded characters with the value.
// It replaces the union of the spans found, so that overlapping secrets
// (one the prefix of another) leave no tail, and runs again until nothing
// is found. Its work is bounded by a budget in proportion to the length of
// the text; a text built to exceed it (only adversarial input, such as a
// long run of backslashes, does) is removed from that point to its end.
//
// A Redactor also drops the userinfo of URLs (https://user:pass@host)
// and, through RedactHeaders, hides the value of every credential header.
// Build one with NewRedactor; the zero Redactor knows no secret.
type Redactor struct {
	patterns []pattern
}

// pattern is one value to find, in the forms searched for directly: the
// trimmed value, lower-cased, and its base64 fragments.
type pattern struct {
	name   string
	value  []byte // trimmed and ASCII lower-cased
	base64 []base64Fragment
	with   string
}

// base64Fragment is the part of the base64 encoding of a value that does
// not depend on the bytes around it, when the value starts at offset
// (0, 1 or 2) of a 3-byte group of the encoded data; lower-cased, since
// the search is.
type base64Fragment struct {
	text         []byte
	partialLeft  bool // a character before text mixes value bits with others
	partialRight bool // so does the character after it
}

// NewRedactor returns a Redactor that removes each secret and the project
// ID (either may be empty: it is then skipped). It refuses a value that,
// trimmed, is shorter than six characters, or that is part of Redacted or
// ProjectIDPlaceholder (redacting it would never end); the error names
// the value ("the SK", "the project ID") and never shows it.
func NewRedactor(projectID string, secrets ...NamedSecret) (*Redactor, error) {
	r := &Redactor{}
	add := func(name, value, with string) error {
		value = strings.TrimSpace(value)
		switch {
		case value == "":
			return nil
		case len(value) < minSecretLen:
			return fmt.Errorf("contract: new redactor: the %s is too short to redact safely (under %d characters)", name, minSecretLen)
		case strings.Contains(asciiLower(Redacted), asciiLower(value)) || strings.Contains(asciiLower(ProjectIDPlaceholder), asciiLower(value)):
			return fmt.Errorf("contract: new redactor: the %s is part of the placeholder %s or %s", name, Redacted, ProjectIDPlaceholder)
		}
		r.patterns = append(r.patterns, newPattern(name, value, with))
		return nil
	}
	for _, s := range secrets {
		name := s.Name
		if name == "" {
			name = "secret"
		}
		if err := add(name, s.Value.Reveal(), Redacted); err != nil {
			return nil, err
		}
	}
	if err := add("project ID", projectID, ProjectIDPlaceholder); err != nil {
		return nil, err
	}
	// The longest first: of two matches starting at one place, the longer
	// is found first (the spans are merged anyway).
	slices.SortStableFunc(r.patterns, func(a, b pattern) int { return len(b.value) - len(a.value) })
	return r, nil
}

func newPattern(name, value, with string) pattern {
	p := pattern{name: name, value: []byte(asciiLower(value)), with: with}
	n := len(value)
	for offset := range 3 {
		data := append(make([]byte, offset), value...)
		enc := base64.RawStdEncoding.EncodeToString(data)
		from := (8*offset + 5) / 6  // the first character made of value bits only
		to := (8*offset + 8*n) / 6  // past the last one
		if to-from < minSecretLen { // too short to tell apart from other text
			continue
		}
		frag := base64Fragment{
			partialLeft:  offset > 0,
			partialRight: (8*offset+8*n)%6 != 0,
		}
		std := enc[from:to]
		frag.text = []byte(asciiLower(std))
		p.base64 = append(p.base64, frag)
		if url := strings.NewReplacer("+", "-", "/", "_").Replace(std); url != std {
			frag.text = []byte(asciiLower(url))
			p.base64 = append(p.base64, frag)
		}
	}
	return p
}

// Redact returns s with every secret replaced by Redacted, the project ID
// by ProjectIDPlaceholder, and the userinfo of URLs dropped.
func (r *Redactor) Redact(s string) string {
	return string(r.redact([]byte(s)))
}

// RedactURL returns u as a string without its userinfo, redacted.
func (r *Redactor) RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	return r.Redact(c.String())
}

// RedactHeaders returns h with RedactHeaders applied and every secret and
// the project ID removed from the names and values of the other headers.
// Two names that become one after redaction keep all their values.
func (r *Redactor) RedactHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range RedactHeaders(h) {
		name := http.CanonicalHeaderKey(r.Redact(k))
		for _, v := range vs {
			out[name] = append(out[name], r.Redact(v))
		}
	}
	return out
}

// Describe renders an exchange for a failure message: the request line and
// headers, the status, headers and body of the response, with credential
// headers, secrets, the project ID and URL userinfo redacted.
func (r *Redactor) Describe(ex *Exchange) string {
	var b strings.Builder
	u := *ex.Request.URL
	u.User = nil
	fmt.Fprintf(&b, "%s %s\n", ex.Request.Method, u.String())
	writeHeaders(&b, RedactHeaders(ex.Request.Header))
	if len(ex.RequestBody) > 0 {
		fmt.Fprintf(&b, "\n%s\n", ex.RequestBody)
	}
	fmt.Fprintf(&b, "--> %d\n", ex.StatusCode)
	writeHeaders(&b, RedactHeaders(ex.Header))
	fmt.Fprintf(&b, "\n%s\n", ex.Body)
	return r.Redact(b.String())
}

func writeHeaders(b *strings.Builder, h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

// Find reports the name of a secret (or "project ID") that text holds in
// any form Redact removes, or "" when it holds none; for a text too costly
// to scan (see Redactor) it reports that. The Recorder calls it on each
// recording as written, and refuses to write one it finds anything in.
func (r *Redactor) Find(text []byte) string {
	if r == nil {
		return ""
	}
	for _, m := range r.matches(text) {
		return m.name
	}
	return ""
}

// redactRecording returns a copy of rec with every text field redacted and
// the userinfo of its URLs dropped.
func (r *Redactor) redactRecording(rec *Recording) *Recording {
	out := *rec
	out.Description = r.Redact(rec.Description)
	out.Provenance.Reference = r.Redact(rec.Provenance.Reference)
	out.Provenance.Endpoint = r.redactURLString(rec.Provenance.Endpoint)
	out.Provenance.Note = r.Redact(rec.Provenance.Note)
	out.Expect.Reason = r.Redact(rec.Expect.Reason)
	out.Expect.Contains = r.Redact(rec.Expect.Contains)
	out.Request.URL = r.redactURLString(rec.Request.URL)
	out.Request.Headers = r.RedactHeaders(rec.Request.Headers)
	out.Request.Body = r.redact(rec.Request.Body)
	out.Response.Headers = r.RedactHeaders(rec.Response.Headers)
	out.Response.Body = r.redact(rec.Response.Body)
	if rec.Notes != nil {
		out.Notes = make([]Note, len(rec.Notes))
		for i, n := range rec.Notes {
			out.Notes[i] = Note{Kind: n.Kind, Subject: r.Redact(n.Subject), Message: r.Redact(n.Message)}
		}
	}
	return &out
}

func (r *Redactor) redactURLString(s string) string {
	if u, err := url.Parse(s); err == nil {
		return r.RedactURL(u)
	}
	return r.Redact(s)
}

// userinfo finds the userinfo of a URL, also when the URL is JSON-escaped
// (https:\/\/user:pass@host).
var userinfo = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*:(?:\\?/){2})[^/\\?#@\s"'<>]*@`)

// redact removes the userinfo of URLs, then replaces what matches until
// nothing does (a replacement can complete a secret with the text beside
// it); it gives up after a few rounds, which only a contrived set of
// secrets needs, and then Find still reports what is left.
func (r *Redactor) redact(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	out := userinfo.ReplaceAll(b, []byte("$1"))
	if r == nil || len(r.patterns) == 0 {
		return out
	}
	for range 4 {
		ms := r.matches(out)
		if len(ms) == 0 {
			break
		}
		out = replaceSpans(out, ms)
	}
	return out
}

// matches finds every value in text, as spans sorted by start.
func (r *Redactor) matches(text []byte) []match {
	ms := newScanner(text).findAll(r.patterns)
	slices.SortFunc(ms, func(a, b match) int { return a.start - b.start })
	return ms
}

// replaceSpans replaces the union of the spans by the placeholders:
// Redacted where a secret was, else ProjectIDPlaceholder.
func replaceSpans(text []byte, ms []match) []byte {
	var out bytes.Buffer
	pos := 0
	for i := 0; i < len(ms); {
		start, end, with := ms[i].start, ms[i].end, ms[i].with
		for i++; i < len(ms) && ms[i].start < end; i++ {
			end = max(end, ms[i].end)
			if ms[i].with == Redacted {
				with = Redacted
			}
		}
		out.Write(text[pos:start])
		out.WriteString(with)
		pos = end
	}
	out.Write(text[pos:])
	return out.Bytes()
}

// asciiLower lower-cases the ASCII letters of s only, so that the length
// and the positions of s stay as they are.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// credentialWords mark a header name as a credential header: its value is
// replaced by Redacted whatever it holds.
var credentialWords = []string{"auth", "token", "secret", "password", "passwd", "cookie", "session",
	"credential", "signature", "api-key", "apikey", "access-key", "private-key"}

// IsCredentialHeader reports whether the header name marks a credential:
// Authorization, Proxy-Authorization, X-Auth-Token, X-Security-Token,
// X-Subject-Token, Cookie, Set-Cookie, and any name holding one of the
// words auth, token, secret, password, passwd, cookie, session,
// credential, signature, api-key, apikey, access-key or private-key, in
// any case.
func IsCredentialHeader(name string) bool {
	name = asciiLower(name)
	for _, w := range credentialWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// RedactHeaders returns a copy of h with the value of every credential
// header (see IsCredentialHeader) replaced by Redacted, and the headers
// that change on every call and say nothing about the contract (Date,
// Content-Length) dropped. It knows no secret: a Redactor's RedactHeaders
// also removes secrets from the other headers.
func RedactHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		k = http.CanonicalHeaderKey(k)
		switch {
		case k == "Date" || k == "Content-Length":
			continue
		case IsCredentialHeader(k):
			out[k] = append(out[k], slices.Repeat([]string{Redacted}, len(vs))...)
		default:
			out[k] = append(out[k], vs...)
		}
	}
	return out
}

// errSecretSurvives is returned by the Recorder when a recording still
// holds a secret after redaction; it is never written.
var errSecretSurvives = errors.New("a secret survives redaction")
