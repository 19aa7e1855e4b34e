package scm_test

// The tests below check the generated-code check itself, on small
// repositories written to a temporary folder.

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// generatorLine is the //go:generate line of the repository's generate.go.
const generatorLine = "//go:generate go run " + generatorCommand + " -config gen/scm/cfg.yaml openapi/scm.yaml\n"

// tinySpec is an OpenAPI document with one schema, enough to generate from.
const tinySpec = `openapi: 3.0.3
info:
  title: tiny
  version: 1.0.0
paths: {}
components:
  schemas:
    Result:
      type: object
      required: [cert_id]
      properties:
        cert_id:
          type: string
`

// tinyConfig generates the models of tinySpec into gen/scm/scm.gen.go.
const tinyConfig = `package: scm
output: gen/scm/scm.gen.go
generate:
  models: true
output-options:
  skip-prune: true
`

// writeTree writes files, keyed by slash-separated path, under a new
// temporary folder and returns it.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	}
	return root
}

func TestFindGeneratorJobs(t *testing.T) {
	repo := map[string]string{
		"go.mod":             "module example.com/x\n",
		"generate.go":        "package x\n\n" + generatorLine,
		"openapi/scm.yaml":   tinySpec,
		"gen/scm/cfg.yaml":   tinyConfig,
		"gen/scm/scm.gen.go": "package scm\n",
	}
	with := func(extra map[string]string) map[string]string {
		files := maps.Clone(repo)
		for k, v := range extra {
			if v == "" {
				delete(files, k)
				continue
			}
			files[k] = v
		}
		return files
	}
	serverLine := "//go:generate go tool oapi-codegen -config=server.cfg.yaml ../../../openapi/scm.yaml\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string // outputs, relative to the root
		// wantErr says why the repository cannot be checked as it is
		wantErr string
	}{
		{name: "one generator", files: repo, want: []string{"gen/scm/scm.gen.go"}},
		{
			name: "a second generator in its own package",
			files: with(map[string]string{
				"contract/internal/server/generate.go":     "package server\n\n" + serverLine,
				"contract/internal/server/server.cfg.yaml": "package: server\noutput: server.gen.go\ngenerate:\n  models: true\n",
				"contract/internal/server/server.gen.go":   "package server\n",
			}),
			want: []string{"contract/internal/server/server.gen.go", "gen/scm/scm.gen.go"},
		},
		{
			name:  "testdata is not searched",
			files: with(map[string]string{"gen/scm/testdata/cfg.yaml": "not: a config\n", "gen/scm/testdata/x.gen.go": "package x\n"}),
			want:  []string{"gen/scm/scm.gen.go"},
		},
		{
			name:    "a config no line runs would go unchecked",
			files:   with(map[string]string{"contract/server/server.cfg.yaml": tinyConfig}),
			wantErr: "contract/server/server.cfg.yaml: no //go:generate line runs oapi-codegen with this config",
		},
		{
			name:    "a generated file no config writes would go unchecked",
			files:   with(map[string]string{"contract/server/server.gen.go": "package server\n"}),
			wantErr: "contract/server/server.gen.go: no generator config names this file as its output",
		},
		{
			name:    "no generator at all",
			files:   with(map[string]string{"generate.go": "package x\n"}),
			wantErr: "none runs oapi-codegen",
		},
		{
			name:    "the deprecated config format",
			files:   with(map[string]string{"gen/scm/cfg.yaml": "package: scm\noutput: gen/scm/scm.gen.go\ngenerate: [types]\n"}),
			wantErr: "in the current config format (the deprecated one is not supported)",
		},
		{
			name:    "a config without output",
			files:   with(map[string]string{"gen/scm/cfg.yaml": "package: scm\ngenerate:\n  models: true\n"}),
			wantErr: "gen/scm/cfg.yaml: set output",
		},
		{
			name:    "an output not named *.gen.go",
			files:   with(map[string]string{"gen/scm/cfg.yaml": "package: scm\noutput: gen/scm/scm.go\n"}),
			wantErr: "name the output gen/scm/scm.go *.gen.go",
		},
		{
			name:    "two lines write one file",
			files:   with(map[string]string{"generate.go": "package x\n\n" + generatorLine + generatorLine}),
			wantErr: "generate.go:3 and generate.go:4 both write gen/scm/scm.gen.go",
		},
		{
			name:    "a line the check cannot mirror",
			files:   with(map[string]string{"generate.go": "package x\n\n//go:generate go run " + generatorCommand + " -o x.go -config gen/scm/cfg.yaml openapi/scm.yaml\n"}),
			wantErr: "generate.go:3: flag -o is not mirrored",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			jobs, err := findGeneratorJobs(root)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, job := range jobs {
				got = append(got, job.rel)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseDirective(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		wantCfg  string
		wantSpec string
		// wantErr says why the check cannot mirror the line
		wantErr string
	}{
		{name: "go run", line: "go run " + generatorCommand + " -config gen/scm/cfg.yaml openapi/scm.yaml", wantCfg: "gen/scm/cfg.yaml", wantSpec: "openapi/scm.yaml"},
		{name: "go tool", line: "go tool oapi-codegen --config cfg.yaml ../scm.yaml", wantCfg: "cfg.yaml", wantSpec: "../scm.yaml"},
		{name: "config with =", line: "go run " + generatorCommand + " -config=cfg.yaml scm.yaml", wantCfg: "cfg.yaml", wantSpec: "scm.yaml"},
		{
			name:    "version in the line",
			line:    "go run " + generatorCommand + "@v2.8.2 -config cfg.yaml scm.yaml",
			wantErr: "pinned in go.mod",
		},
		{name: "another command", line: "oapi-codegen -config cfg.yaml scm.yaml", wantErr: "pinned in go.mod"},
		{name: "a flag besides -config", line: "go tool oapi-codegen -package x -config cfg.yaml scm.yaml", wantErr: "flag -package is not mirrored"},
		{name: "quotes", line: `go tool oapi-codegen -config "my cfg.yaml" scm.yaml`, wantErr: "quotes and $ expansions"},
		{name: "environment", line: "go tool oapi-codegen -config $GOFILE.yaml scm.yaml", wantErr: "quotes and $ expansions"},
		{name: "no config", line: "go tool oapi-codegen scm.yaml", wantErr: "want -config <file> and one spec"},
		{name: "two specs", line: "go tool oapi-codegen -config cfg.yaml a.yaml b.yaml", wantErr: "want -config <file> and one spec"},
		{name: "config without value", line: "go tool oapi-codegen scm.yaml -config", wantErr: "-config needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, spec, err := parseDirective(tt.line)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantCfg, cfg)
			require.Equal(t, tt.wantSpec, spec)
		})
	}
}

// TestStalenessCatchesASpecEdit edits the spec of a small repository whose
// generated code was current, without regenerating, and checks that the
// check names the file and the first line that changed.
func TestStalenessCatchesASpecEdit(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod":             "module example.com/x\n",
		"generate.go":        "package x\n\n" + generatorLine,
		"openapi/scm.yaml":   tinySpec,
		"gen/scm/cfg.yaml":   tinyConfig,
		"gen/scm/scm.gen.go": "package scm\n",
	})
	jobs, err := findGeneratorJobs(root)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	job := jobs[0]
	require.NoError(t, os.WriteFile(job.output, generateInProcess(t, job), 0o600))
	require.Empty(t, staleness(t, job), "freshly generated code is current")

	edited := strings.Replace(tinySpec, "        cert_id:\n", "        order_id:\n          type: string\n        cert_id:\n", 1)
	require.NotEqual(t, tinySpec, edited, "the edit must apply")
	require.NoError(t, os.WriteFile(filepath.Join(root, "openapi", "scm.yaml"), []byte(edited), 0o600))
	stale := staleness(t, job)
	require.Contains(t, stale, "gen/scm/scm.gen.go differs from what gen/scm/cfg.yaml generates")
	require.Contains(t, stale, "(first at line ", "the message shows the first changed line")
	require.Contains(t, stale, "run `go generate ./...`")
}
