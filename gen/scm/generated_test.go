package scm_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"
)

// The generated code of the whole repository is checked here, in process:
// the pinned oapi-codegen is linked into this test binary as a library, so it
// is built once (and cached with the binary) instead of by a child `go run`
// on every cold run, and the spec, the generator configs and the
// //go:generate lines are read by this process, so that `go test` caches the
// result only until one of them changes.

// generatorModule is the module of the pinned generator (see tools.go).
const generatorModule = "github.com/oapi-codegen/oapi-codegen/v2"

// generatorCommand is the package of the oapi-codegen command.
const generatorCommand = generatorModule + "/cmd/oapi-codegen"

// TestGeneratedCodeIsCurrent runs the pinned generator, in process, for every
// oapi-codegen //go:generate line of the repository and fails, naming the
// file, when the committed output differs from a fresh run. It needs no git:
// run `go generate ./...` from the repository root to bring the generated
// code up to date.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	jobs := generatorJobs(t, repoRoot(t))
	for _, job := range jobs {
		// Not parallel: the generator keeps package-level state, and each
		// job runs in its own working directory as `go generate` does.
		t.Run(job.rel, func(t *testing.T) {
			if stale := staleness(t, job); stale != "" {
				t.Fatal(stale)
			}
		})
	}
}

// staleness generates job's output in process and returns why the committed
// file is not current, or "" if it is.
func staleness(t *testing.T, job generatorJob) string {
	t.Helper()
	want := generateInProcess(t, job)
	got, err := os.ReadFile(job.output)
	require.NoError(t, err, "read the committed output of %s", job.source)
	if bytes.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("%s differs from what %s generates (%s): run `go generate ./...` from the repository root and commit the result",
		job.rel, job.cfgRel, firstDifference(got, want))
}

// TestGeneratorMatchesCommand checks that the in-process run of
// TestGeneratedCodeIsCurrent produces, byte for byte, what the oapi-codegen
// command produces for each //go:generate line: same version, same config
// handling. The command is built once from the module cache, reusing the
// packages compiled for this test binary, and writes into a temporary
// folder; nothing in the repository changes.
func TestGeneratorMatchesCommand(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("skipped: cannot build the oapi-codegen command to compare with, the go command is not on PATH: %v", err)
	}
	root := repoRoot(t)
	jobs := generatorJobs(t, root)
	tmp := t.TempDir()
	command := filepath.Join(tmp, "oapi-codegen")
	args := []string{"build", "-o", command}
	if raceEnabled() {
		// The same build flags as this binary's, so that the generator's
		// packages come from the build cache instead of being rebuilt.
		args = append(args, "-race")
	}
	build := exec.CommandContext(t.Context(), goTool, append(args, generatorCommand)...)
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build the oapi-codegen command: %s", out)

	for i, job := range jobs {
		t.Run(job.rel, func(t *testing.T) {
			want := generateInProcess(t, job)

			fresh := filepath.Join(tmp, fmt.Sprintf("%d-%s", i, filepath.Base(job.output)))
			cfg := filepath.Join(tmp, fmt.Sprintf("%d-cfg.yaml", i))
			require.NoError(t, os.WriteFile(cfg, withOutput(t, job.cfgPath, fresh), 0o600))
			run := exec.CommandContext(t.Context(), command, "-config", cfg, job.spec)
			run.Dir = job.dir
			out, err := run.CombinedOutput()
			require.NoError(t, err, "run the oapi-codegen command for %s: %s", job.source, out)
			got, err := os.ReadFile(fresh)
			require.NoError(t, err)
			if !bytes.Equal(got, want) {
				t.Fatalf("for %s, the in-process generator and the oapi-codegen command disagree (%s): "+
					"mirror the command's config handling in generateInProcess", job.source, firstDifference(got, want))
			}
		})
	}
}

// generateInProcess runs the linked generator for job as the oapi-codegen
// command does in `go generate`, and returns the generated file.
func generateInProcess(t *testing.T, job generatorJob) []byte {
	t.Helper()
	t.Chdir(job.dir)
	cfg, err := loadGeneratorConfig(job.cfg)
	require.NoError(t, err)

	opts := cfg.UpdateDefaults()
	// The command guesses a missing package name with `go list`.
	require.NotEmpty(t, opts.PackageName, "%s: set package", job.cfgRel)
	require.NoError(t, opts.Validate(), "%s: configuration error", job.cfgRel)
	for k, v := range opts.Generate.Warnings() {
		t.Logf("%s: warning: %s: %s", job.cfgRel, k, v)
	}
	for k, v := range opts.Warnings() {
		t.Logf("%s: warning: %s: %s", job.cfgRel, k, v)
	}

	// Unlike the command, never fetch anything over the network: a remote
	// reference or template fails the check instead.
	require.False(t, strings.Contains(job.spec, "://"), "%s: the spec must be a local file", job.source)
	for name, tmpl := range opts.OutputOptions.UserTemplates {
		if !strings.Contains(tmpl, "\n") {
			_, err := os.Stat(tmpl)
			require.NoError(t, err, "%s: user template %s must be inline or a local file", job.cfgRel, name)
		}
	}
	allowRemote := opts.AllowRemoteRefsFrom
	if allowRemote == nil {
		allowRemote = []string{}
	}
	overlay := util.LoadSwaggerWithOverlayOpts{
		Path:                opts.OutputOptions.Overlay.Path,
		Strict:              true,
		AllowRemoteRefsFrom: allowRemote,
	}
	if opts.OutputOptions.Overlay.Strict != nil {
		overlay.Strict = *opts.OutputOptions.Overlay.Strict
	}
	spec, err := util.LoadSwaggerWithOverlay(job.spec, overlay)
	require.NoError(t, err, "%s: load the spec", job.source)

	// The generator sets its response type suffix only when the config
	// names one; a fresh command starts from the default.
	if opts.OutputOptions.ResponseTypeSuffix == "" {
		opts.OutputOptions.ResponseTypeSuffix = "Response"
	}

	// The command names itself and its version in the header. Linked into
	// this test, the generator would name this module instead.
	mainModule, version := buildModules(t)
	opts.NoVCSVersionOverride = &version
	code, err := codegen.Generate(spec, opts)
	require.NoError(t, err, "%s: generate", job.source)
	linked := fmt.Sprintf("// Code generated by %s version %s DO NOT EDIT.\n", mainModule, version)
	require.Equal(t, 1, strings.Count(code, linked), "the generated code has one header naming the generator: %q", linked)
	return []byte(strings.Replace(code, linked, fmt.Sprintf("// Code generated by %s version %s DO NOT EDIT.\n", generatorModule, version), 1))
}

// buildModules returns the main module of this test binary and the version
// of the generator that go.mod selects, which is the one linked into it (a
// test binary records no dependency versions of its own).
func buildModules(t testing.TB) (mainModule, generatorVersion string) {
	t.Helper()
	bi, ok := debug.ReadBuildInfo()
	require.True(t, ok, "the test binary has build information")
	path := filepath.Join(repoRoot(t), "go.mod")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	mod, err := modfile.ParseLax(path, data, nil)
	require.NoError(t, err)
	for _, r := range mod.Replace {
		require.NotEqual(t, generatorModule, r.Old.Path, "go.mod replaces %s: the check mirrors only a released generator", generatorModule)
	}
	for _, r := range mod.Require {
		if r.Mod.Path == generatorModule {
			return bi.Main.Path, r.Mod.Version
		}
	}
	t.Fatalf("go.mod does not require %s", generatorModule)
	return "", ""
}

// raceEnabled reports whether this binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// withOutput returns the config file cfg with its output set to path.
func withOutput(t testing.TB, cfg, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	require.Len(t, doc.Content, 1)
	top := doc.Content[0]
	require.Equal(t, yaml.MappingNode, top.Kind, "%s is a mapping", cfg)
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "output" {
			top.Content[i+1].SetString(path)
			out, err := yaml.Marshal(&doc)
			require.NoError(t, err)
			return out
		}
	}
	t.Fatalf("%s names no output", cfg)
	return nil
}

// firstDifference describes where got and want first differ, by line.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("first at line %d: have %q, want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("have %d lines, want %d", len(g), len(w))
}
