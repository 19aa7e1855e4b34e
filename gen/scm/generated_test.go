package scm_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGeneratedCodeIsCurrent runs the pinned generator on the current spec
// into a temporary folder and fails, naming the file, when the committed
// generated code differs. It needs no git: run `go generate ./...` from the
// repository root to bring gen/scm up to date.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator: skipped in -short mode")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	cfg, err := os.ReadFile("cfg.yaml")
	require.NoError(t, err)

	outputLine := regexp.MustCompile(`(?m)^output:\s*(\S+)\s*$`)
	m := outputLine.FindSubmatch(cfg)
	require.NotNil(t, m, "cfg.yaml names its output")
	committed := filepath.Join(root, filepath.FromSlash(string(m[1])))

	tmp := t.TempDir()
	fresh := filepath.Join(tmp, filepath.Base(committed))
	tmpCfg := filepath.Join(tmp, "cfg.yaml")
	require.NoError(t, os.WriteFile(tmpCfg, outputLine.ReplaceAll(cfg, []byte("output: "+fresh)), 0o600))

	cmd := exec.Command("go", "run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen",
		"-config", tmpCfg, filepath.Join("openapi", "scm.yaml"))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "run the generator: %s", out)

	want, err := os.ReadFile(fresh)
	require.NoError(t, err)
	got, err := os.ReadFile(committed)
	require.NoError(t, err)
	if string(want) != string(got) {
		t.Fatalf("gen/scm/%s differs from what the generator makes from openapi/scm.yaml: run `go generate ./...` from the repository root and commit the result", filepath.Base(committed))
	}
}
