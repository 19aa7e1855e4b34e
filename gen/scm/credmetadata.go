package scm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// DefaultMetadataEndpoint is the ECS metadata service, reachable from an
// ECS server only. NOTE that no test may contact it: under go test,
// MetadataProvider refuses every endpoint that is not a loopback address.
const DefaultMetadataEndpoint = "http://169.254.169.254"

// DefaultMetadataTimeout bounds each request to the metadata service, as
// the official SDK's metadata client does (3 s).
const DefaultMetadataTimeout = 3 * time.Second

// metadataHTTPClient is the default client of MetadataProvider: no proxy
// (the service is link-local), no idle connection kept between the rare
// refreshes, DefaultMetadataTimeout per request.
var metadataHTTPClient = &http.Client{
	Timeout:   DefaultMetadataTimeout,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

// metadataTokenTTL is the lifetime asked for a metadata token, in seconds,
// as the official SDK asks.
const metadataTokenTTL = "21600"

// agencyMissing is the text of the metadata service's 401 when the server
// has no agency, as opposed to an expired metadata token.
const agencyMissing = "Please configure Cloud Service Agency first"

// metadataBodyLimit bounds what is read of a metadata answer.
const metadataBodyLimit = 64 << 10

// MetadataProvider gets the temporary credentials of the ECS server's
// agency from the metadata service, as the official SDK does (facts file,
// "Credentials beyond the environment"): PUT /meta-data/latest/api/token
// with X-Metadata-Token-Ttl-Seconds for a token (a 404, 405 or 503 there
// means the token API is absent: go on without one), then GET
// /openstack/latest/securitykey with X-Metadata-Token, answering
// {"credential":{"access","secret","securitytoken","expires_at"}} (the
// names accessKeyId, secretAccessKey, securityToken and expiration are
// read too). A 401 that does not ask for an agency means the token
// expired: a new one is fetched and the request made once more.
//
// No metadata service (a connection that fails, as off ECS), a 404, or a
// 401 asking for an agency mean no credentials (the error wraps
// ErrNoCredentials); any other failure is an error. Errors never quote a
// secret or an answer's body.
//
// The credentials carry no project ID: ProjectID is copied into them.
//
// NOTE that under go test (testing.Testing) Retrieve refuses, before
// sending anything, an endpoint whose host is not a loopback address, the
// default included: tests must serve the metadata answers from an
// httptest server and set Endpoint.
type MetadataProvider struct {
	// Endpoint is the metadata service's base URL; DefaultMetadataEndpoint
	// when empty.
	Endpoint string
	// Client sends the requests; when nil, one with a timeout of
	// DefaultMetadataTimeout that ignores proxies.
	Client *http.Client
	// ProjectID is set in the credentials returned.
	ProjectID string
}

// Retrieve implements CredentialsProvider.
func (p *MetadataProvider) Retrieve(ctx context.Context) (Credentials, time.Time, error) {
	endpoint := strings.TrimSuffix(p.Endpoint, "/")
	if endpoint == "" {
		endpoint = DefaultMetadataEndpoint
	}
	source := "ECS metadata " + endpoint
	if err := checkMetadataEndpoint(endpoint, testing.Testing()); err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: %s: %w", source, err)
	}
	client := p.Client
	if client == nil {
		client = metadataHTTPClient
	}
	m := metadataClient{client: client, endpoint: endpoint, source: source}
	token, err := m.token(ctx)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	status, body, err := m.get(ctx, "/openstack/latest/securitykey", token)
	if err == nil && status == http.StatusUnauthorized && token != "" && !bytes.Contains(body, []byte(agencyMissing)) {
		if token, err = m.token(ctx); err == nil { // the token expired: once more with a new one
			status, body, err = m.get(ctx, "/openstack/latest/securitykey", token)
		}
	}
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	switch {
	case status == http.StatusUnauthorized && bytes.Contains(body, []byte(agencyMissing)):
		return Credentials{}, time.Time{}, &lackError{source: source, detail: "the server has no agency"}
	case status == http.StatusNotFound:
		return Credentials{}, time.Time{}, &lackError{source: source, detail: "no security key (HTTP 404)"}
	case status != http.StatusOK:
		return Credentials{}, time.Time{}, fmt.Errorf("scm: %s: security key: HTTP %d", source, status)
	}
	creds, expires, err := decodeSecurityKey(body)
	if err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: %s: security key: %w", source, err)
	}
	creds.ProjectID = p.ProjectID
	if err := creds.validate(); err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: %s: %w", source, err)
	}
	return creds, expires, nil
}

// checkMetadataEndpoint refuses an endpoint that is not an http(s) URL
// with a host, and, in a test binary, one whose host is not a loopback IP
// address (a name is refused too: it could resolve to anything).
func checkMetadataEndpoint(endpoint string, inTest bool) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("endpoint: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errors.New("endpoint needs the scheme http or https and a host")
	}
	if inTest {
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			return errors.New("refused under go test: only a loopback endpoint may be contacted; serve the answers from an httptest server and set MetadataProvider.Endpoint")
		}
	}
	return nil
}

// metadataClient sends the requests of one Retrieve.
type metadataClient struct {
	client   *http.Client
	endpoint string
	source   string
}

// token asks for a metadata token; "" when the token API is absent.
func (m metadataClient) token(ctx context.Context) (string, error) {
	status, body, err := m.do(ctx, http.MethodPut, "/meta-data/latest/api/token",
		map[string]string{"X-Metadata-Token-Ttl-Seconds": metadataTokenTTL})
	switch {
	case err != nil:
		return "", err
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusServiceUnavailable:
		return "", nil
	case status != http.StatusOK:
		return "", fmt.Errorf("scm: %s: token: HTTP %d", m.source, status)
	}
	token := strings.TrimSpace(string(body))
	if hasControl(token) {
		return "", fmt.Errorf("scm: %s: token: contains a control character", m.source)
	}
	return token, nil
}

// get sends a GET with the token, when there is one.
func (m metadataClient) get(ctx context.Context, path, token string) (int, []byte, error) {
	var header map[string]string
	if token != "" {
		header = map[string]string{"X-Metadata-Token": token}
	}
	return m.do(ctx, http.MethodGet, path, header)
}

// do sends one request; a failure to connect means no metadata service.
func (m metadataClient) do(ctx context.Context, method, path string, header map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, m.endpoint+path, http.NoBody)
	if err != nil {
		return 0, nil, fmt.Errorf("scm: %s: %w", m.source, err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, fmt.Errorf("scm: %s: %w", m.source, err)
		}
		return 0, nil, &lackError{source: m.source, detail: "unreachable: " + err.Error(), err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, metadataBodyLimit))
	if err != nil {
		return 0, nil, fmt.Errorf("scm: %s: read %s answer: %w", m.source, path, err)
	}
	return resp.StatusCode, body, nil
}

// securityKey is the body of /openstack/latest/securitykey.
type securityKey struct {
	Credential struct {
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		SecurityToken string `json:"securitytoken"`
		ExpiresAt     string `json:"expires_at"`

		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SecurityToken2  string `json:"securityToken"`
		Expiration      string `json:"expiration"`
	} `json:"credential"`
}

// decodeSecurityKey reads the temporary credentials and their expiry.
// Its errors name what is missing or wrong, never a value.
func decodeSecurityKey(body []byte) (Credentials, time.Time, error) {
	var sk securityKey
	if err := UnmarshalJSON(body, &sk); err != nil {
		return Credentials{}, time.Time{}, errors.New("the answer is not the expected JSON object")
	}
	c := sk.Credential
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	access, secret := pick(c.Access, c.AccessKeyID), pick(c.Secret, c.SecretAccessKey)
	token, expiresAt := pick(c.SecurityToken, c.SecurityToken2), pick(c.ExpiresAt, c.Expiration)
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"access", access}, {"secret", secret}, {"securitytoken", token}, {"expires_at", expiresAt},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Credentials{}, time.Time{}, fmt.Errorf("credential lacks %s", strings.Join(missing, ", "))
	}
	expires, err := time.Parse(time.RFC3339Nano, expiresAt)
	if err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("expires_at %q is not an RFC 3339 time", expiresAt)
	}
	return Credentials{AK: NewSecret(access), SK: NewSecret(secret), SecurityToken: NewSecret(token)}, expires, nil
}
