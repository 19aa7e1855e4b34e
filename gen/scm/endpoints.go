package scm

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrUnknownRegion is wrapped by EndpointForRegion for a region it does
// not know.
var ErrUnknownRegion = errors.New("unknown region")

// endpoints are the SCM endpoints of the official SDK
// (services/scm/v3/region/region.go) and the SCM endpoint pages. SCM is a
// global service: ap-southeast-1 serves every region of the
// international site.
var endpoints = map[string]string{
	"cn-north-4":       "https://scm.cn-north-4.myhuaweicloud.com",
	"ap-southeast-1":   "https://scm.ap-southeast-1.myhuaweicloud.com",
	"my-kualalumpur-1": "https://scm.my-kualalumpur-1.myhuaweicloud.com",
	"eu-west-101":      "https://scm.eu-west-101.myhuaweicloud.eu",
}

// EndpointForRegion returns the SCM endpoint of a region, such as
// https://scm.cn-north-4.myhuaweicloud.com for cn-north-4. For an unknown
// region the error wraps ErrUnknownRegion and lists the known ones. Any
// other endpoint can still be passed to the client constructors directly.
func EndpointForRegion(region string) (string, error) {
	if ep, ok := endpoints[region]; ok {
		return ep, nil
	}
	return "", fmt.Errorf("scm: %w %q (known: %s)", ErrUnknownRegion, region, strings.Join(Regions(), ", "))
}

// Regions returns the regions EndpointForRegion knows, sorted.
func Regions() []string {
	return slices.Sorted(maps.Keys(endpoints))
}
