package scm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// The environment variables that the official Huawei Cloud SDKs read
// credentials from (SDK core/auth/provider/env_provider.go).
const (
	EnvAK            = "HUAWEICLOUD_SDK_AK"
	EnvSK            = "HUAWEICLOUD_SDK_SK"
	EnvProjectID     = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
)

// redacted stands in for a secret in every printed form of Credentials.
const redacted = "<redacted>"

// Credentials are an access key pair for AK/SK signing, with the optional
// security token of temporary credentials and the project ID.
//
// Every way of printing Credentials (String, GoString, fmt's verbs,
// encoding/json, log/slog) shows the project ID, at most the first four
// characters of AK, and never SK or SecurityToken. NOTE that fmt cannot
// reach the methods of Credentials held in an unexported struct field,
// and prints such a field raw.
type Credentials struct {
	// AK is the access key ID.
	AK string
	// SK is the secret access key.
	SK string
	// SecurityToken is the token of temporary credentials; empty for
	// permanent ones.
	SecurityToken string
	// ProjectID is the ID of the IAM project the requests act on.
	ProjectID string
}

// Validate reports whether c can sign requests: AK and SK must be set,
// AK must not contain spaces or commas (they would break the
// Authorization header), and no field may hold control characters. The
// error names the field, never its value.
func (c Credentials) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("scm: %w", err)
	}
	return nil
}

// validate is Validate without the package prefix.
func (c Credentials) validate() error {
	if err := checkKeys(c.AK, c.SK); err != nil {
		return fmt.Errorf("invalid credentials: %w", err)
	}
	if hasControl(c.SecurityToken) {
		return errors.New("invalid credentials: SecurityToken contains a control character")
	}
	if hasControl(c.ProjectID) {
		return errors.New("invalid credentials: ProjectID contains a control character")
	}
	return nil
}

// String returns a redacted description of c.
func (c Credentials) String() string {
	return fmt.Sprintf("{AK:%s SK:%s SecurityToken:%s ProjectID:%s}",
		maskAK(c.AK), maskSecret(c.SK), maskSecret(c.SecurityToken), c.ProjectID)
}

// GoString returns a redacted Go-syntax description of c, for %#v.
func (c Credentials) GoString() string {
	return fmt.Sprintf("scm.Credentials{AK:%q, SK:%q, SecurityToken:%q, ProjectID:%q}",
		maskAK(c.AK), maskSecret(c.SK), maskSecret(c.SecurityToken), c.ProjectID)
}

// Format implements fmt.Formatter so that every verb prints the redacted
// form: %#v the GoString, %q the quoted String, all others the String.
func (c Credentials) Format(f fmt.State, verb rune) {
	s := c.String()
	switch {
	case verb == 'v' && f.Flag('#'):
		s = c.GoString()
	case verb == 'q':
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// MarshalJSON implements json.Marshaler with the redacted form, so that
// logging Credentials as JSON reveals no secret. NOTE that the result
// cannot be turned back into working Credentials.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"ak":             maskAK(c.AK),
		"sk":             maskSecret(c.SK),
		"security_token": maskSecret(c.SecurityToken),
		"project_id":     c.ProjectID,
	})
}

// CredentialsFromEnv reads Credentials from the environment variables the
// official SDKs use: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and
// HUAWEICLOUD_SDK_PROJECT_ID (required) and HUAWEICLOUD_SDK_SECURITY_TOKEN
// (optional). See CredentialsFromLookup.
func CredentialsFromEnv() (Credentials, error) {
	return CredentialsFromLookup(os.LookupEnv)
}

// CredentialsFromLookup reads Credentials through lookup, which has the
// signature of os.LookupEnv, from the variables EnvAK, EnvSK, EnvProjectID
// and EnvSecurityToken. A required variable that is unset or empty is
// missing; the error lists every missing one at once. The Credentials are
// then checked with Validate.
func CredentialsFromLookup(lookup func(key string) (string, bool)) (Credentials, error) {
	get := func(key string) string {
		v, _ := lookup(key) // unset and empty are both missing
		return v
	}
	c := Credentials{
		AK:            get(EnvAK),
		SK:            get(EnvSK),
		SecurityToken: get(EnvSecurityToken),
		ProjectID:     get(EnvProjectID),
	}
	var missing []string
	for _, v := range []struct{ name, value string }{
		{EnvAK, c.AK}, {EnvSK, c.SK}, {EnvProjectID, c.ProjectID},
	} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("scm: credentials from environment: missing %s", strings.Join(missing, ", "))
	}
	if err := c.validate(); err != nil {
		return Credentials{}, fmt.Errorf("scm: credentials from environment: %w", err)
	}
	return c, nil
}

// checkKeys checks an access key pair without ever quoting it.
func checkKeys(ak, sk string) error {
	switch {
	case ak == "":
		return errors.New("AK is empty")
	case hasControl(ak):
		return errors.New("AK contains a control character")
	case strings.ContainsAny(ak, " ,"):
		return errors.New("AK contains a space or a comma")
	case sk == "":
		return errors.New("SK is empty")
	case hasControl(sk):
		return errors.New("SK contains a control character")
	}
	return nil
}

// hasControl reports whether s holds a control character (CR, LF, NUL,
// TAB, DEL, C1 controls ...), which has no place in a header or a path.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// maskAK keeps the first four characters of a long enough AK.
func maskAK(ak string) string {
	switch {
	case ak == "":
		return ""
	case len([]rune(ak)) < 12:
		return redacted
	}
	return string([]rune(ak)[:4]) + "****"
}

// maskSecret hides a set secret and shows that an empty one is empty.
func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}
