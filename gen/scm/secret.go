package scm

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// Redacted is what a set Secret renders as, everywhere.
const Redacted = "REDACTED"

// Secret holds a credential (an access key, a secret key, a token) so that
// it cannot be printed by accident. A set Secret renders as "REDACTED"
// under every fmt verb (%v, %+v, %#v, %s, %q, %x, %d ...), in JSON and
// text encodings, and through log/slog; an empty one renders as the empty
// string, so that an unset value shows as unset. Reveal returns the value:
// call it only where the value is sent or checked.
//
// A struct that holds Secrets in exported fields therefore prints safely
// without a String method of its own. The value sits behind a pointer, so
// that even a Secret in an unexported field, whose methods fmt cannot call,
// prints as an address and never as the value.
//
// The zero Secret is empty. Compare Secrets with Equal, in constant time;
// == compares the pointers.
type Secret struct {
	v *string
}

// NewSecret returns a Secret holding value.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{v: &value}
}

// Reveal returns the value. It is the only way to get it.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether s is empty.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// Equal reports, in constant time for values of equal length, whether s
// and other hold the same value.
func (s Secret) Equal(other Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(other.Reveal())) == 1
}

// text is what s renders as.
func (s Secret) text() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// String returns "REDACTED", or "" for an empty Secret.
func (s Secret) String() string { return s.text() }

// GoString returns the quoted redacted form, for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.text()) }

// Format implements fmt.Formatter, so that no verb reaches the value: %q
// and %#v print the quoted redacted form, every other verb the bare one.
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.text()
	if verb == 'q' || verb == 'v' && f.Flag('#') {
		out = strconv.Quote(out)
	}
	_, _ = io.WriteString(f, out)
}

// MarshalJSON implements json.Marshaler with the redacted form. There is
// no UnmarshalJSON: a redacted document cannot be read back into working
// Secrets, and trying fails loudly.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.text()) }

// MarshalText implements encoding.TextMarshaler with the redacted form,
// for text encoders and as map keys.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.text()), nil }

// LogValue implements slog.LogValuer with the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.text()) }
