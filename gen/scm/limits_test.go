package scm

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestReadLimited(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		limit   int64
		want    string
		wantErr error  // errors.Is target, nil when the read succeeds
		errText string // why it must fail, as the error says it
	}{
		{"empty", "", 4, "", nil, ""},
		{"exactly the limit", "abcd", 4, "abcd", nil, ""},
		{"one byte over: refused, first limit bytes kept", "abcde", 4, "abcd", ErrBodyTooLarge, "more than 4 bytes"},
		{"zero limit: a caller forgot its default", "a", 0, "", nil, "limit 0 is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadLimited(strings.NewReader(tt.body), tt.limit)
			if tt.errText == "" {
				require.NoError(t, err)
				require.Equal(t, tt.want, string(got))
				return
			}
			require.ErrorContains(t, err, tt.errText)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			require.Equal(t, tt.want, string(got))
		})
	}
	t.Run("a failing reader's error is wrapped", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := ReadLimited(iotest.ErrReader(boom), 4)
		require.ErrorIs(t, err, boom)
		require.NotErrorIs(t, err, ErrBodyTooLarge, "a broken read is not an oversized body")
	})
}
