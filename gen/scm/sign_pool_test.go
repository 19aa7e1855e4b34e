package scm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSignatureReusesOnlyTheSameKey checks the pool of keyed HMACs: keys
// that differ in one byte, that are prefixes of one another or of other
// lengths, used in turn and from several goroutines, each give the MAC
// that a freshly keyed crypto/hmac gives.
func TestSignatureReusesOnlyTheSameKey(t *testing.T) {
	keys := []string{
		"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
		"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHd", // one byte differs
		"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmH",  // a prefix
		"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHcc",
		string(make([]byte, 100)), // longer than a block: hashed first
	}
	const date, canonical = "20240506T070809Z", "POST\n/v2/p/scm/cert/c/cancel-cert/\n\nhost:h\n\nhost\ne3b0"
	want := make(map[string][]byte, len(keys))
	for _, k := range keys {
		sum := sha256.Sum256([]byte(canonical))
		mac := hmac.New(sha256.New, []byte(k))
		mac.Write([]byte(Algorithm + "\n" + date + "\n"))
		mac.Write([]byte(hex.EncodeToString(sum[:])))
		want[k] = mac.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := keys[(i+g)%len(keys)]
				got, err := appendSignature(nil, k, date, []byte(canonical))
				if err != nil || !hmac.Equal(got, want[k]) {
					t.Errorf("key %d of %d bytes: wrong MAC (err %v)", (i+g)%len(keys), len(k), err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
}
