package scm

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFormatDate checks formatDate against time.Format on edge dates and
// random instants in several zones.
func TestFormatDate(t *testing.T) {
	zone := time.FixedZone("UTC+8", 8*3600)
	for _, at := range []time.Time{
		time.Date(2019, 11, 15, 3, 36, 55, 0, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, zone), // the day before in UTC
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	} {
		require.Equal(t, at.UTC().Format(DateLayout), formatDate(at), "%v", at)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		at := time.Unix(rng.Int64N(1<<36)-1<<35, 0).In(zone)
		require.Equal(t, at.UTC().Format(DateLayout), formatDate(at))
	}
}
