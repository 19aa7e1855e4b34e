package scm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// CredentialsProvider supplies the credentials to sign with, such as
// EnvProvider, ProfileProvider, MetadataProvider, a chain of them
// (NewCredentialsChain) or a cache in front of one (NewCachedProvider).
type CredentialsProvider interface {
	// Retrieve returns credentials and the time they expire; the zero
	// time means never. A source that has no credentials returns an error
	// wrapping ErrNoCredentials and saying what it lacked; any other error
	// means the source has them but they cannot be used.
	Retrieve(ctx context.Context) (Credentials, time.Time, error)
}

// ErrNoCredentials is wrapped by the error of a provider whose source
// holds no credentials (a variable unset, no profile file, no metadata
// service), so that a chain goes on to the next one.
var ErrNoCredentials = errors.New("no credentials")

// lackError says what a source lacked. It wraps ErrNoCredentials and,
// when set, the error that revealed the lack.
type lackError struct {
	source string // "environment", "profile /home/u/.huaweicloud/credentials" ...
	detail string // "missing HUAWEICLOUD_SDK_AK" ...
	err    error
}

func (e *lackError) Error() string {
	return "scm: " + ErrNoCredentials.Error() + " from " + e.source + ": " + e.detail
}

func (e *lackError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrNoCredentials}
	}
	return []error{ErrNoCredentials, e.err}
}

// EnvProvider reads credentials from the official SDK's variables:
// HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (required),
// HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_SDK_SECURITY_TOKEN (optional).
// Unlike CredentialsFromEnv, it does not require the project ID, since the
// caller may pass it to each call. They never expire.
type EnvProvider struct {
	// Lookup reads a variable; os.LookupEnv when nil.
	Lookup func(key string) (string, bool)
}

// Retrieve implements CredentialsProvider.
func (p EnvProvider) Retrieve(context.Context) (Credentials, time.Time, error) {
	lookup := p.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	c, missing := readEnvCredentials(lookup)
	if len(missing) > 0 {
		return Credentials{}, time.Time{}, &lackError{source: "environment", detail: "missing " + strings.Join(missing, ", ")}
	}
	if err := c.validate(); err != nil {
		return Credentials{}, time.Time{}, fmt.Errorf("scm: credentials from environment: %w", err)
	}
	return c, time.Time{}, nil
}

// NewCredentialsChain returns a provider that asks providers in turn and
// returns the first credentials one of them has. A provider whose error
// wraps ErrNoCredentials is passed over; any other error ends the search
// and is returned, so that a source that is present but broken (a profile
// file that does not parse, an AK with a space) is reported, not skipped.
// When none has credentials, the error wraps ErrNoCredentials and says
// what each lacked, in order.
func NewCredentialsChain(providers ...CredentialsProvider) CredentialsProvider {
	return chain(providers)
}

// chain is the provider NewCredentialsChain returns.
type chain []CredentialsProvider

func (c chain) Retrieve(ctx context.Context) (Credentials, time.Time, error) {
	var lacks []string
	for _, p := range c {
		creds, expires, err := p.Retrieve(ctx)
		if err == nil {
			return creds, expires, nil
		}
		if !errors.Is(err, ErrNoCredentials) {
			return Credentials{}, time.Time{}, err
		}
		var lack *lackError
		if errors.As(err, &lack) {
			lacks = append(lacks, lack.source+": "+lack.detail)
		} else {
			lacks = append(lacks, err.Error())
		}
	}
	if len(lacks) == 0 {
		lacks = append(lacks, "the chain is empty")
	}
	return Credentials{}, time.Time{}, fmt.Errorf("scm: %w: %s", ErrNoCredentials, strings.Join(lacks, "; "))
}

// DefaultCredentialsChain returns the chain of the official SDK's
// BasicCredentialProviderChain, less pod identity: the environment
// (EnvProvider), then the profile file (ProfileProvider), then the ECS
// metadata service at DefaultMetadataEndpoint (MetadataProvider, which
// takes the project ID from HUAWEICLOUD_SDK_PROJECT_ID), behind a cache
// that refreshes temporary credentials before they expire.
func DefaultCredentialsChain() *CachedProvider {
	projectID, _ := os.LookupEnv(EnvProjectID)
	return NewCachedProvider(NewCredentialsChain(EnvProvider{}, ProfileProvider{}, &MetadataProvider{ProjectID: projectID}), 0)
}

// DefaultRefreshBefore is how long before they expire a CachedProvider
// replaces credentials.
const DefaultRefreshBefore = 5 * time.Minute

// CachedProvider keeps the credentials of another provider and asks it
// again only when they come near their expiry, so that every request is
// signed with current credentials without a round trip to their source.
// It is safe for concurrent use: one caller refreshes while the others
// wait for its result, and callers holding credentials still valid are
// never held up by a refresh that is not due.
type CachedProvider struct {
	provider      CredentialsProvider
	refreshBefore time.Duration
	now           func() time.Time // time.Now; replaced in tests

	refreshing chan struct{} // a one-slot lock that a waiting caller can give up on

	mu        sync.RWMutex
	creds     Credentials
	expires   time.Time // zero: never
	refreshAt time.Time // zero with have: never
	have      bool
}

// NewCachedProvider returns a cache in front of p that asks p again
// refreshBefore before the credentials expire (DefaultRefreshBefore when
// zero or negative), or half-way through their life when that comes later
// (for credentials that live less than twice refreshBefore). Credentials
// that never expire are asked for once.
//
// When a refresh fails while the cached credentials have not yet expired,
// Retrieve returns them and tries again on the next call; once they have
// expired, it returns the error.
func NewCachedProvider(p CredentialsProvider, refreshBefore time.Duration) *CachedProvider {
	if refreshBefore <= 0 {
		refreshBefore = DefaultRefreshBefore
	}
	return &CachedProvider{provider: p, refreshBefore: refreshBefore, now: time.Now, refreshing: make(chan struct{}, 1)}
}

// Retrieve implements CredentialsProvider.
func (c *CachedProvider) Retrieve(ctx context.Context) (Credentials, time.Time, error) {
	if creds, expires, ok := c.current(false); ok {
		return creds, expires, nil
	}
	select {
	case c.refreshing <- struct{}{}:
	case <-ctx.Done():
		if creds, expires, ok := c.current(true); ok {
			return creds, expires, nil
		}
		return Credentials{}, time.Time{}, fmt.Errorf("scm: wait for credentials: %w", ctx.Err())
	}
	defer func() { <-c.refreshing }()
	if creds, expires, ok := c.current(false); ok { // another caller refreshed meanwhile
		return creds, expires, nil
	}
	fetched := c.now()
	creds, expires, err := c.provider.Retrieve(ctx)
	if err == nil {
		err = creds.Validate()
	}
	if err != nil {
		if creds, expires, ok := c.current(true); ok {
			return creds, expires, nil
		}
		return Credentials{}, time.Time{}, err
	}
	var refreshAt time.Time
	if !expires.IsZero() {
		refreshAt = expires.Add(-c.refreshBefore)
		if half := fetched.Add(expires.Sub(fetched) / 2); refreshAt.Before(half) {
			refreshAt = half
		}
	}
	c.mu.Lock()
	c.creds, c.expires, c.refreshAt, c.have = creds, expires, refreshAt, true
	c.mu.Unlock()
	return creds, expires, nil
}

// current returns the cached credentials when they need no refresh, or,
// with usable set, when they have merely not expired yet.
func (c *CachedProvider) current(usable bool) (Credentials, time.Time, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.have {
		return Credentials{}, time.Time{}, false
	}
	now := c.now()
	limit := c.refreshAt
	if usable {
		limit = c.expires
	}
	if limit.IsZero() || now.Before(limit) {
		return c.creds, c.expires, true
	}
	return Credentials{}, time.Time{}, false
}
