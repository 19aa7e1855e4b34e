package contract_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeQuotesTheMockExample keeps the README's section "Test your own
// code against the mock" quoting example_user_test.go whole, so that the
// example users copy is the one CI runs.
func TestReadmeQuotesTheMockExample(t *testing.T) {
	example, err := os.ReadFile("example_user_test.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	require.True(t, strings.Contains(string(readme), "```go\n"+string(example)+"```\n"),
		"README.md must quote contract/example_user_test.go whole in a go block: copy the file into it")
}
