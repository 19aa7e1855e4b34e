package contract

import (
	"bytes"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// This file finds the values a Redactor removes. It does not decode the
// whole text (a stray '%' or '\' before a secret would then change how the
// secret's own escapes are read); it decodes from each place where a value
// could start, as far as the value goes, trying every reading of each
// escape.

// maxDecodeDepth bounds how many layers of escaping (a percent-encoded
// value in a JSON string in a JSON string ...) the scanner looks through.
const maxDecodeDepth = 4

// stepsPerByte bounds the work of a scan: a text that needs more than
// this many steps per byte (JSON or percent-encoded text needs two or three;
// only a text built to defeat the scanner, such as a long run of
// backslashes, needs more) is redacted from where the budget
// ran out to its end, so that the Redactor errs on the side of removing
// too much and stays linear in time.
const stepsPerByte = 8

// overBudget names the match that covers the rest of a text past the
// budget, in the place of a secret's name.
const overBudget = "rest of a text too costly to scan"

// match is a span [start, end) of the original text holding a value.
type match struct {
	start, end int
	name, with string
}

// unit is one character read at some layer of decoding: its bytes (one,
// or the UTF-8 form of a \u escape) and the position in the text after it.
type unit struct {
	b   [utf8.UTFMax]byte
	n   int
	end int
}

func (u unit) bytes() []byte { return u.b[:u.n] }

func byteUnit(c byte, end int) unit { return unit{b: [utf8.UTFMax]byte{c}, n: 1, end: end} }

// scanner reads a lower-cased text at every layer of decoding, caching the
// readings of the escapes it has decoded.
type scanner struct {
	text   []byte
	cache  map[[2]int][]unit // readings at (layer, position) of '%' and '\'
	steps  int
	budget int
}

func newScanner(text []byte) *scanner {
	return &scanner{text: []byte(asciiLower(string(text))), cache: map[[2]int][]unit{},
		budget: stepsPerByte*len(text) + 1<<16}
}

// spent reports whether the scan has used up its budget.
func (s *scanner) spent() bool { return s.steps > s.budget }

// units returns every reading of one character at pos at the given layer:
// the character itself, and, where it starts an escape (%XX or a JSON
// escape) whose parts may themselves be escaped one layer down, what the
// escape stands for. Letters are lower-cased.
func (s *scanner) units(layer, pos int) []unit {
	if pos >= len(s.text) {
		return nil
	}
	c := s.text[pos]
	if layer == 0 || c != '%' && c != '\\' {
		return []unit{byteUnit(c, pos+1)}
	}
	key := [2]int{layer, pos}
	if us, ok := s.cache[key]; ok {
		return us
	}
	below := s.units(layer-1, pos)
	if s.spent() {
		return below // stop expanding; findAll redacts the rest
	}
	us := slices.Clone(below)
	for _, first := range below {
		if first.n != 1 {
			continue
		}
		switch first.b[0] {
		case '%':
			for _, hi := range s.hexDigits(layer-1, first.end) {
				for _, lo := range s.hexDigits(layer-1, hi.end) {
					us = append(us, byteUnit(lower(hi.v<<4|lo.v), lo.end))
				}
			}
		case '\\':
			us = append(us, s.jsonEscapes(layer-1, first.end)...)
		}
	}
	s.steps += len(us)
	us = dedupe(us)
	s.cache[key] = us
	return us
}

// dedupe drops the readings that repeat another (a run of backslashes
// reads the same many ways), so that their number stays small.
func dedupe(us []unit) []unit {
	out := us[:0]
	for _, u := range us {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// hexDigit is a hex digit read at some layer, with the position after it.
type hexDigit struct {
	v   byte
	end int
}

func (s *scanner) hexDigits(layer, pos int) []hexDigit {
	var out []hexDigit
	for _, u := range s.units(layer, pos) {
		if u.n == 1 && isHexDigit(u.b[0]) {
			out = append(out, hexDigit{hexValue(u.b[0]), u.end})
		}
	}
	return out
}

// jsonEscapes reads what follows a backslash at pos: / \ " b f n r t, or
// u and four hex digits (a high surrogate joined with a following \u low
// surrogate), each part read at the given layer.
func (s *scanner) jsonEscapes(layer, pos int) []unit {
	var out []unit
	for _, u := range s.units(layer, pos) {
		if u.n != 1 {
			continue
		}
		switch c := u.b[0]; c {
		case '/', '\\', '"':
			out = append(out, byteUnit(c, u.end))
		case 'b':
			out = append(out, byteUnit('\b', u.end))
		case 'f':
			out = append(out, byteUnit('\f', u.end))
		case 'n':
			out = append(out, byteUnit('\n', u.end))
		case 'r':
			out = append(out, byteUnit('\r', u.end))
		case 't':
			out = append(out, byteUnit('\t', u.end))
		case 'u':
			for _, h := range s.hex4(layer, u.end) {
				r, end := h.r, h.end
				if utf16.IsSurrogate(r) {
					r = utf8.RuneError // a lone surrogate, as encoding/json reads it
					for _, low := range s.lowSurrogates(layer, h.end) {
						if pair := utf16.DecodeRune(h.r, low.r); pair != utf8.RuneError {
							out = append(out, runeUnit(pair, low.end))
						}
					}
				}
				out = append(out, runeUnit(r, end))
			}
		}
	}
	return out
}

// codePoint is a rune read from \u escapes, with the position after it.
type codePoint struct {
	r   rune
	end int
}

func (s *scanner) hex4(layer, pos int) []codePoint {
	cps := []codePoint{{0, pos}}
	for range 4 {
		var next []codePoint
		for _, cp := range cps {
			for _, d := range s.hexDigits(layer, cp.end) {
				next = append(next, codePoint{cp.r<<4 | rune(d.v), d.end})
			}
		}
		cps = next
	}
	return cps
}

// lowSurrogates reads "\u" and a low surrogate at pos.
func (s *scanner) lowSurrogates(layer, pos int) []codePoint {
	var out []codePoint
	for _, bs := range s.units(layer, pos) {
		if bs.n != 1 || bs.b[0] != '\\' {
			continue
		}
		for _, u := range s.units(layer, bs.end) {
			if u.n == 1 && u.b[0] == 'u' {
				out = append(out, s.hex4(layer, u.end)...)
			}
		}
	}
	return out
}

func runeUnit(r rune, end int) unit {
	var u unit
	u.n = utf8.EncodeRune(u.b[:], r)
	for i := range u.n {
		u.b[i] = lower(u.b[i])
	}
	u.end = end
	return u
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchAt returns the end of a reading of value that starts at pos, at the
// top layer, or -1; once the budget is spent, the end of the text. A '+'
// in the text stands for a space of value as well. failed caches the
// (position, progress) pairs known not to lead to a match, across start
// positions of the same value.
func (s *scanner) matchAt(pos int, value []byte, failed map[[2]int]bool) int {
	var walk func(pos, k int) int
	walk = func(pos, k int) int {
		if k == len(value) {
			return pos
		}
		if failed[[2]int{pos, k}] {
			return -1
		}
		s.steps++
		if s.spent() {
			return len(s.text)
		}
		for _, u := range s.units(maxDecodeDepth, pos) {
			if k+u.n <= len(value) && unitMatches(u.bytes(), value[k:k+u.n]) {
				if end := walk(u.end, k+u.n); end >= 0 {
					return end
				}
			}
		}
		failed[[2]int{pos, k}] = true
		return -1
	}
	return walk(pos, 0)
}

func unitMatches(got, want []byte) bool {
	for i, c := range want {
		if g := got[i]; g != c && (c != ' ' || g != '+') {
			return false
		}
	}
	return true
}

// needle is one byte string to find, with what a match of it becomes.
type needle struct {
	text   []byte
	match  func(start, end int) match
	failed map[[2]int]bool
}

// needles lists what to find for p: its value, and its base64 fragments
// widened to the characters that mix its bits with others and to the
// padding.
func (s *scanner) needles(p pattern) []*needle {
	out := []*needle{{text: p.value, match: func(start, end int) match { return match{start, end, p.name, p.with} }}}
	for _, f := range p.base64 {
		out = append(out, &needle{text: f.text, match: func(start, end int) match {
			if f.partialLeft {
				start = s.widenLeft(start)
			}
			if f.partialRight {
				end = s.widenRight(end, isBase64Char)
			}
			for {
				next := s.widenRight(end, func(c byte) bool { return c == '=' })
				if next == end {
					break
				}
				end = next
			}
			return match{start, end, p.name, p.with}
		}})
	}
	return out
}

// findAll returns every match of the patterns, trying at each position
// only the needles whose first byte a reading there starts with.
func (s *scanner) findAll(patterns []pattern) []match {
	var byFirst [256][]*needle
	for _, p := range patterns {
		for _, n := range s.needles(p) {
			byFirst[n.text[0]] = append(byFirst[n.text[0]], n)
		}
	}
	var ms []match
	t := s.text
	for pos := 0; pos < len(t); pos++ {
		if s.spent() {
			return append(ms, match{pos, len(t), overBudget, Redacted})
		}
		if c := t[pos]; c != '%' && c != '\\' {
			for _, n := range byFirst[c] {
				if end := s.matchRaw(pos, n); end >= 0 {
					ms = append(ms, n.match(pos, end))
				}
			}
			continue
		}
		var tried []*needle
		for _, u := range s.units(maxDecodeDepth, pos) {
			for _, n := range byFirst[u.b[0]] {
				if slices.Contains(tried, n) {
					continue
				}
				tried = append(tried, n)
				if end := s.matchAt(pos, n.text, n.failedSet()); end >= 0 {
					ms = append(ms, n.match(pos, end))
				}
			}
		}
	}
	return ms
}

func (n *needle) failedSet() map[[2]int]bool {
	if n.failed == nil {
		n.failed = map[[2]int]bool{}
	}
	return n.failed
}

// matchRaw matches n at pos, which holds its first byte raw: it compares
// raw bytes until a mismatch, the end of the needle or an escape, and only
// in the last case reads on through the escapes.
func (s *scanner) matchRaw(pos int, n *needle) int {
	t, value := s.text, n.text
	j, k := pos, 0
	for k < len(value) && j < len(t) && t[j] != '%' && t[j] != '\\' && unitMatches(t[j:j+1], value[k:k+1]) {
		j++
		k++
	}
	switch {
	case k == len(value):
		return j
	case j == len(t) || t[j] != '%' && t[j] != '\\':
		return -1 // a raw mismatch: no reading can match here
	}
	return s.matchAt(pos, value, n.failedSet())
}

// widenRight returns the end of one character after pos that ok accepts,
// read at any layer, or pos.
func (s *scanner) widenRight(pos int, ok func(byte) bool) int {
	for _, u := range s.units(maxDecodeDepth, pos) {
		if u.n == 1 && ok(u.b[0]) {
			return u.end
		}
	}
	return pos
}

// widenLeft returns the start of a base64 character just before pos,
// written raw, as %XX or as \/, or pos.
func (s *scanner) widenLeft(pos int) int {
	t := s.text
	switch {
	case pos >= 1 && isBase64Char(t[pos-1]):
		return pos - 1
	case pos >= 3 && t[pos-3] == '%' && isHexDigit(t[pos-2]) && isHexDigit(t[pos-1]) &&
		isBase64Char(lower(hexValue(t[pos-2])<<4|hexValue(t[pos-1]))):
		return pos - 3
	case pos >= 2 && bytes.Equal(t[pos-2:pos], []byte(`\/`)):
		return pos - 2
	}
	return pos
}

func isBase64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
