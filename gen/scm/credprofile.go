package scm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// EnvCredentialsFile names the profile file to read instead of
// ~/.huaweicloud/credentials, as the official SDK does.
const EnvCredentialsFile = "HUAWEICLOUD_SDK_CREDENTIALS_FILE" //nolint:gosec // G101: the name of an environment variable, not a credential

// ProfileProvider reads credentials from the official SDK's profile file:
// Path, else the file HUAWEICLOUD_SDK_CREDENTIALS_FILE names, else
// ~/.huaweicloud/credentials. The file is INI; its section [basic] holds
// ak and sk (required), project_id and security_token (optional); other
// sections and keys are ignored. They never expire.
//
// The INI reader is a small one of this package (no dependency): a line
// is blank, a comment starting with ';' or '#', a section "[name]", or
// "key = value" split at the first '=', with spaces around key and value
// trimmed and one pair of matching quotes ("..." or '...') removed from
// the value. A key repeated in a section keeps its last value. There are
// no inline comments and no continuation lines: "ak = X # mine" gives the
// AK "X # mine", which Validate refuses for its spaces. A UTF-8 byte order
// mark and CRLF line ends are accepted. Any other line is an error naming
// its number, never its content.
//
// A missing file, or one without [basic] or without ak or sk, has no
// credentials (the error wraps ErrNoCredentials); a file that cannot be
// read or parsed, or holds invalid values, is an error.
type ProfileProvider struct {
	// Path of the file; see above when empty.
	Path string
	// Lookup reads HUAWEICLOUD_SDK_CREDENTIALS_FILE; os.LookupEnv when nil.
	Lookup func(key string) (string, bool)
}

// Retrieve implements CredentialsProvider.
func (p ProfileProvider) Retrieve(context.Context) (Credentials, time.Time, error) {
	path, err := p.path()
	if err != nil {
		return Credentials{}, time.Time{}, &lackError{source: "profile", detail: err.Error(), err: err}
	}
	source := "profile " + path
	data, err := os.ReadFile(path) //nolint:gosec // G304: the path is the caller's configuration
	if errors.Is(err, fs.ErrNotExist) {
		return Credentials{}, time.Time{}, &lackError{source: source, detail: "no such file", err: err}
	}
	if err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: read %s: %w", source, err)
	}
	sections, err := parseINI(data)
	if err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: parse %s: %w", source, err)
	}
	basic, ok := sections["basic"]
	if !ok {
		return Credentials{}, time.Time{}, &lackError{source: source, detail: "no [basic] section"}
	}
	var missing []string
	for _, key := range []string{"ak", "sk"} {
		if basic[key] == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return Credentials{}, time.Time{}, &lackError{source: source, detail: "[basic] lacks " + strings.Join(missing, ", ")}
	}
	c := Credentials{
		AK:            NewSecret(basic["ak"]),
		SK:            NewSecret(basic["sk"]),
		SecurityToken: NewSecret(basic["security_token"]),
		ProjectID:     basic["project_id"],
	}
	if err := c.validate(); err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: credentials from %s: %w", source, err)
	}
	return c, time.Time{}, nil
}

// path returns the file to read.
func (p ProfileProvider) path() (string, error) {
	if p.Path != "" {
		return p.Path, nil
	}
	lookup := p.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, _ := lookup(EnvCredentialsFile); v != "" {
		return v, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no %s and no home directory: %w", EnvCredentialsFile, err)
	}
	return filepath.Join(home, ".huaweicloud", "credentials"), nil
}

// parseINI reads the INI subset ProfileProvider documents into values by
// key by section. Keys outside any section are kept under "".
func parseINI(data []byte) (map[string]map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	sections := map[string]map[string]string{"": {}}
	current := ""
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		switch {
		case line == "" || line[0] == ';' || line[0] == '#':
			continue
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: a section header lacks its closing ']'", i+1)
			}
			current = strings.TrimSpace(line[1 : len(line)-1])
			if sections[current] == nil {
				sections[current] = map[string]string{}
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, errors.New("line " + strconv.Itoa(i+1) + ": not a section, a comment or key = value")
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		sections[current][key] = value
	}
	return sections, nil
}
