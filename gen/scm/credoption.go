package scm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// WithCredentialsProvider returns a ClientOption that signs every request
// like WithAKSK, with the credentials p holds when the request is sent, so
// that temporary credentials are replaced as they near their expiry. p is
// put behind a CachedProvider (with DefaultRefreshBefore) unless it is
// one, so that its source is asked only when needed; the cache is safe for
// concurrent requests. For the official SDK's chain, pass
// DefaultCredentialsChain().
//
// X-Project-Id and X-Security-Token are sent and signed when the current
// credentials have them. A request fails, before it is sent, with the
// provider's error when no credentials can be had.
//
// NOTE that the same caveats as WithAKSK apply: use it instead of WithAKSK
// or WithToken, not beside them.
func WithCredentialsProvider(p CredentialsProvider) ClientOption {
	return withCredentialsProviderClock(p, time.Now)
}

// withCredentialsProviderClock is WithCredentialsProvider with a clock for
// the signing time, for tests.
func withCredentialsProviderClock(p CredentialsProvider, now func() time.Time) ClientOption {
	cached, ok := p.(*CachedProvider)
	if !ok && p != nil {
		cached = NewCachedProvider(p, 0)
	}
	return func(c *Client) error {
		if p == nil || cached == nil {
			return errors.New("scm: with credentials provider: provider is nil")
		}
		c.RequestEditors = append(c.RequestEditors, func(ctx context.Context, req *http.Request) error {
			creds, _, err := cached.Retrieve(ctx)
			if err != nil {
				return fmt.Errorf("scm: get credentials: %w", err)
			}
			return signWithCredentials(req, creds, now())
		})
		return nil
	}
}
