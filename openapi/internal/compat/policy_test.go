package compat

import (
	"testing"

	"github.com/oasdiff/oasdiff/checker"
	"github.com/stretchr/testify/require"
)

// TestRaisedLevelsNameRealChecks guards against an oasdiff upgrade that
// renames a check: a level set for an unknown ID is silently ignored.
func TestRaisedLevelsNameRealChecks(t *testing.T) {
	known := checker.GetCheckLevels()
	for id, level := range raisedLevels() {
		shipped, ok := known[id]
		require.True(t, ok, "oasdiff has no check %q", id)
		require.Greater(t, level, shipped, "check %q is already at %s as shipped; drop it from raisedLevels", id, shipped)
	}
}
