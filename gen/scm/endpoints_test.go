package scm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEndpointForRegion(t *testing.T) {
	tests := []struct {
		region, want, wantErr string
	}{
		{region: "cn-north-4", want: "https://scm.cn-north-4.myhuaweicloud.com"},
		{region: "ap-southeast-1", want: "https://scm.ap-southeast-1.myhuaweicloud.com"},
		{region: "my-kualalumpur-1", want: "https://scm.my-kualalumpur-1.myhuaweicloud.com"},
		{region: "eu-west-101", want: "https://scm.eu-west-101.myhuaweicloud.eu"},
		{region: "cn-north-1", wantErr: `scm: unknown region "cn-north-1" (known: ap-southeast-1, cn-north-4, eu-west-101, my-kualalumpur-1)`},
		{region: "CN-NORTH-4", wantErr: `unknown region "CN-NORTH-4"`},
		{region: "", wantErr: `unknown region ""`},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			got, err := EndpointForRegion(tt.region)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrUnknownRegion)
				require.ErrorContains(t, err, tt.wantErr)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRegionsIsASortedCopy(t *testing.T) {
	regions := Regions()
	require.Equal(t, []string{"ap-southeast-1", "cn-north-4", "eu-west-101", "my-kualalumpur-1"}, regions)
	regions[0] = "changed"
	require.Equal(t, "ap-southeast-1", Regions()[0], "callers cannot change the table")
	for _, r := range Regions() {
		_, err := EndpointForRegion(r)
		require.NoError(t, err, r)
	}
}
