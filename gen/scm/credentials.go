package scm

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// The environment variables that the official Huawei Cloud SDKs read
// credentials from (SDK core/auth/provider/env_provider.go).
const (
	EnvAK            = "HUAWEICLOUD_SDK_AK"
	EnvSK            = "HUAWEICLOUD_SDK_SK"
	EnvProjectID     = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN" //nolint:gosec // G101: the name of an environment variable, not a credential
)

// Credentials are an access key pair for AK/SK signing, with the optional
// security token of temporary credentials and the project ID.
//
// AK, SK and SecurityToken are Secrets, so every way of printing
// Credentials (fmt's verbs, %#v included, encoding/json, log/slog) shows
// "REDACTED" for each one that is set, whatever struct holds them; the
// project ID is shown.
type Credentials struct {
	// AK is the access key ID.
	AK Secret `json:"ak"`
	// SK is the secret access key.
	SK Secret `json:"sk"`
	// SecurityToken is the token of temporary credentials; empty for
	// permanent ones.
	SecurityToken Secret `json:"security_token"`
	// ProjectID is the ID of the IAM project the requests act on.
	ProjectID string `json:"project_id"`
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
	if err := checkKeys(c.AK.Reveal(), c.SK.Reveal()); err != nil {
		return fmt.Errorf("invalid credentials: %w", err)
	}
	if hasControl(c.SecurityToken.Reveal()) {
		return errors.New("invalid credentials: SecurityToken contains a control character")
	}
	if hasControl(c.ProjectID) {
		return errors.New("invalid credentials: ProjectID contains a control character")
	}
	return nil
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
	c, missing := readEnvCredentials(lookup)
	if c.ProjectID == "" {
		missing = append(missing, EnvProjectID)
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("scm: credentials from environment: missing %s", strings.Join(missing, ", "))
	}
	if err := c.validate(); err != nil {
		return Credentials{}, fmt.Errorf("scm: credentials from environment: %w", err)
	}
	return c, nil
}

// readEnvCredentials reads the variables EnvAK, EnvSK, EnvProjectID and
// EnvSecurityToken through lookup, unchecked, and lists which of the
// required keys, EnvAK and EnvSK, are missing (unset or empty).
func readEnvCredentials(lookup func(key string) (string, bool)) (c Credentials, missing []string) {
	get := func(key string) string {
		v, _ := lookup(key) // unset and empty are both missing
		return v
	}
	c = Credentials{
		AK:            NewSecret(get(EnvAK)),
		SK:            NewSecret(get(EnvSK)),
		SecurityToken: NewSecret(get(EnvSecurityToken)),
		ProjectID:     get(EnvProjectID),
	}
	if c.AK.IsZero() {
		missing = append(missing, EnvAK)
	}
	if c.SK.IsZero() {
		missing = append(missing, EnvSK)
	}
	return c, missing
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
