package contract_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// secretEncoding is one way a server or proxy may echo a secret. inURL
// says whether its output can stand in a URL's query as it is.
type secretEncoding struct {
	name  string
	inURL bool
	apply func(rng *rand.Rand, s string) string
}

// secretEncodings are the encodings FuzzRedact applies; the first
// layerEncodings of them can also wrap another (percent-encoding or JSON
// escaping of what is already encoded).
var secretEncodings = []secretEncoding{
	{"raw", false, func(_ *rand.Rand, s string) string { return s }},
	{"trimmed", false, func(_ *rand.Rand, s string) string { return strings.TrimSpace(s) }},
	{"ASCII case changed", false, func(rng *rand.Rand, s string) string {
		if rng.IntN(2) == 0 {
			return asciiCase(s, unicode.ToUpper)
		}
		return asciiCase(s, unicode.ToLower)
	}},
	{"JSON", false, func(_ *rand.Rand, s string) string { return jsonInner(s) }},
	{`JSON with \/`, false, func(_ *rand.Rand, s string) string { return strings.ReplaceAll(jsonInner(s), "/", `\/`) }},
	{`JSON \u of every character, lower-case hex`, false, func(_ *rand.Rand, s string) string { return uEscape(s, func(rune) bool { return true }, "%04x") }},
	{`JSON \u of some characters, upper-case hex`, false, func(rng *rand.Rand, s string) string {
		return uEscape(s, func(rune) bool { return rng.IntN(2) == 0 }, "%04X")
	}},
	{"base64 standard, padded", false, func(_ *rand.Rand, s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
	{"base64 standard, unpadded", false, func(_ *rand.Rand, s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }},
	{"base64 URL, padded", true, func(_ *rand.Rand, s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }},
	{"base64 URL, unpadded", true, func(_ *rand.Rand, s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }},
	{"base64 of the secret between other bytes", false, func(rng *rand.Rand, s string) string {
		return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(":", rng.IntN(3)) + s + strings.Repeat("@", rng.IntN(3))))
	}},
	{"base64 in a JSON string", false, func(_ *rand.Rand, s string) string {
		return strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte(s)), "/", `\/`)
	}},
	{"percent-encoded, every byte, upper case", true, func(_ *rand.Rand, s string) string { return percentAll(s, "%%%02X") }},
	{"percent-encoded, every byte, lower case", true, func(_ *rand.Rand, s string) string { return percentAll(s, "%%%02x") }},
	{"query escape", true, func(_ *rand.Rand, s string) string { return url.QueryEscape(s) }},
	{"path escape", true, func(_ *rand.Rand, s string) string { return url.PathEscape(s) }},
	{"percent-encoded in part, either case", true, percentSome},
	{"percent-encoded in a JSON string", false, func(rng *rand.Rand, s string) string { return jsonInner(percentSome(rng, s)) }},
	{"JSON escaped, then percent-encoded", true, func(_ *rand.Rand, s string) string { return url.QueryEscape(jsonInner(s)) }},
}

// layerEncodings are the encodings that can wrap another.
var layerEncodings = []secretEncoding{
	secretEncodings[3], secretEncodings[4], secretEncodings[5], secretEncodings[6],
	secretEncodings[13], secretEncodings[14], secretEncodings[15], secretEncodings[17],
}

// asciiCase maps the ASCII letters of s with to, and leaves the others.
func asciiCase(s string, to func(rune) rune) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 {
			return to(r)
		}
		return r
	}, s)
}

func jsonInner(s string) string {
	js, _ := json.Marshal(s) // a string always marshals
	return string(js[1 : len(js)-1])
}

// uEscape writes s as valid JSON string content: the runes chosen by pick
// as \u escapes (surrogate pairs beyond the BMP), with the hex format
// given, and of the others, '"' and '\' escaped by a backslash.
func uEscape(s string, pick func(rune) bool, format string) string {
	var b strings.Builder
	for _, r := range s {
		if !pick(r) {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
			continue
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
			fmt.Fprintf(&b, `\u`+format+`\u`+format, r1, r2)
		} else {
			fmt.Fprintf(&b, `\u`+format, r)
		}
	}
	return b.String()
}

// percentSome encodes every byte that a URL query value needs encoded, and
// each other byte with a chance of one in two, in upper or lower case.
func percentSome(rng *rand.Rand, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		unreserved := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0
		switch {
		case unreserved && rng.IntN(2) == 0:
			b.WriteByte(c)
		case rng.IntN(2) == 0:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// fuzzSecret turns fuzz input into a secret: printable, valid UTF-8, at
// most 40 characters, and holding 8 hex digits derived from seed, so that
// no secret is a word the recording format itself uses.
func fuzzSecret(in string, seed uint64) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(in, "") {
		if b.Len() >= 40 {
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		}
	}
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d|%s", seed, in) // a hash.Hash never fails to write
	mark := fmt.Sprintf("%08x", h.Sum64()&0xffffffff)
	s := b.String()
	cut := len(s) / 2
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark + s[cut:]
}

func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }

// FuzzRedact embeds secrets, chosen by the fuzzer, in random encodings
// (each possibly wrapped in up to two layers of percent-encoding or JSON
// escaping) in the request URL's query, request and response headers and both bodies,
// records the exchange through a Recorder, describes it and redacts it as
// text, and checks that no form of any secret survives in any output:
// neither the forms embedded nor any of secretForms. Seeds: f.Add below
// and testdata/fuzz/FuzzRedact.
func FuzzRedact(f *testing.F) {
	f.Add("sk/secret+value=Z9", "TAIL", "filler ", uint64(0), false, false)
	f.Add("ABCDEFGH12", "secretTAIL", "", uint64(1), true, false)
	f.Add("  sts token  ", "", "%", uint64(2), false, true)
	f.Add("证书-token-😀", "é", `\`, uint64(3), false, false)
	f.Add("a\"b\\c<d>&e#f?g", "=+/", "%2", uint64(4), true, true)
	f.Fuzz(func(t *testing.T, a, b, filler string, choice uint64, overlap, spaces bool) {
		secretA := fuzzSecret(a, choice)
		secretB := fuzzSecret(b, choice+1)
		if overlap {
			secretB = secretA + secretB // one secret starts with the other
		}
		if spaces {
			secretA = "  " + secretA + " " // given untrimmed
		}
		project := fuzzSecret("", choice+2) + fuzzSecret("", choice+3)
		red, err := contract.NewRedactor(project,
			contract.NamedSecret{Name: "SK", Value: scm.NewSecret(secretA)},
			contract.NamedSecret{Name: "token", Value: scm.NewSecret(secretB)})
		require.NoError(t, err)

		rng := rand.New(rand.NewPCG(choice, 0x5ec7e7))
		secrets := []string{secretA, secretB, project}
		var embedded []string
		embed := func(inURL bool) string {
			s := secrets[rng.IntN(len(secrets))]
			for {
				enc := secretEncodings[rng.IntN(len(secretEncodings))]
				if inURL && !enc.inURL {
					continue
				}
				out := enc.apply(rng, s)
				for range rng.IntN(3) { // and up to two layers more
					layer := layerEncodings[rng.IntN(len(layerEncodings))]
					if inURL && !layer.inURL {
						continue
					}
					out = layer.apply(rng, out)
				}
				embedded = append(embedded, out)
				return out
			}
		}
		text := func() string { return filler + embed(false) + filler }

		req := cancelRequest(t, "https://scm.example/v2/"+project+"/scm/cert/c1/cancel-cert?q="+embed(true)+"&r="+embed(true))
		req.Header.Set("X-Note", text())
		req.Header.Set("X-Auth-Token", text())
		req.Body = http.NoBody
		respHeader := map[string]string{"X-Echo": text(), "Location": "https://h.example/p?x=" + embed(true)}
		body := `{"error_code":"SCM.0005","error_msg":"` + text() + `","detail":"` + text() + `"}`
		files, recorded := record(t, red, req, respHeader, body)

		ex := &contract.Exchange{Request: req, StatusCode: 400, Header: http.Header{"X-Echo": {respHeader["X-Echo"]}}, Body: []byte(body)}
		outputs := strings.Join(files, "\n") + "\n" + recorded + "\n" + red.Describe(ex) + "\n" +
			red.Redact(strings.Join(embedded, " "+filler+" "))
		requireNoForm(t, outputs, secrets...)
		lower := strings.ToLower(outputs)
		for _, e := range embedded {
			if strings.Contains(lower, strings.ToLower(e)) {
				t.Fatalf("an embedded form (%d bytes: %q) survives", len(e), redactedPreview(e))
			}
		}
	})
}
