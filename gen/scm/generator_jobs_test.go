package scm_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// generatorJob is one oapi-codegen //go:generate line.
type generatorJob struct {
	// source is the line, as file:line relative to the repository root.
	source string
	// dir is the folder of the file holding the line, where `go generate`
	// runs it.
	dir string
	// cfg and spec are the -config file and the spec, as written in the
	// line: relative to dir.
	cfg, spec string
	// cfgPath is the absolute path of cfg, cfgRel the same relative to
	// the repository root.
	cfgPath, cfgRel string
	// output is the absolute path of the generated file that cfg names,
	// rel the same relative to the repository root.
	output, rel string
}

// startDir is the working directory the test binary started in, the
// package's folder, before any test changes it.
var startDir, startDirErr = os.Getwd()

// repoRoot returns the folder of go.mod, above the package's folder.
func repoRoot(t testing.TB) string {
	t.Helper()
	require.NoError(t, startDirErr)
	dir := startDir
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above %s", startDir)
		dir = parent
	}
}

// generatorJobs finds every oapi-codegen //go:generate line under root, as
// findGeneratorJobs does, and fails the test if it cannot.
func generatorJobs(t testing.TB, root string) []generatorJob {
	t.Helper()
	jobs, err := findGeneratorJobs(root)
	require.NoError(t, err)
	return jobs
}

// findGeneratorJobs finds every oapi-codegen //go:generate line under root,
// sorted by output, and checks that together they account for every
// generator config (a file named *cfg.yaml) and every generated file
// (*.gen.go) in the repository, so that none is left unchecked. Hidden
// folders, testdata and vendor are not searched.
func findGeneratorJobs(root string) ([]generatorJob, error) {
	var jobs []generatorJob
	var configs, generated []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, "cfg.yaml"):
			configs = append(configs, path)
		case strings.HasSuffix(name, ".gen.go"):
			generated = append(generated, path)
		}
		if strings.HasSuffix(name, ".go") {
			found, err := directives(root, path)
			if err != nil {
				return err
			}
			jobs = append(jobs, found...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find the //go:generate lines: %w", err)
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("find the //go:generate lines: none runs oapi-codegen under %s", root)
	}

	outputs := map[string]string{}
	usedConfigs := map[string]bool{}
	for i := range jobs {
		job := &jobs[i]
		job.cfgPath = job.cfg
		if !filepath.IsAbs(job.cfgPath) {
			job.cfgPath = filepath.Join(job.dir, job.cfgPath)
		}
		job.cfgRel = rel(root, job.cfgPath)
		cfg, err := loadGeneratorConfig(job.cfgPath)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", job.source, err)
		}
		if cfg.OutputFile == "" {
			return nil, fmt.Errorf("%s: set output, so that the check knows which file %s generates", job.cfgRel, job.source)
		}
		job.output = cfg.OutputFile
		if !filepath.IsAbs(job.output) {
			job.output = filepath.Join(job.dir, job.output)
		}
		job.rel = rel(root, job.output)
		if !strings.HasSuffix(job.output, ".gen.go") {
			return nil, fmt.Errorf("%s: name the output %s *.gen.go", job.cfgRel, job.rel)
		}
		if other, ok := outputs[job.output]; ok {
			return nil, fmt.Errorf("%s and %s both write %s", other, job.source, job.rel)
		}
		outputs[job.output] = job.source
		usedConfigs[job.cfgPath] = true
	}
	for _, cfg := range configs {
		if !usedConfigs[cfg] {
			return nil, fmt.Errorf("%s: no //go:generate line runs oapi-codegen with this config; add one (see generate.go)", rel(root, cfg))
		}
	}
	for _, gen := range generated {
		if _, ok := outputs[gen]; !ok {
			return nil, fmt.Errorf("%s: no generator config names this file as its output", rel(root, gen))
		}
	}
	slices.SortFunc(jobs, func(a, b generatorJob) int { return strings.Compare(a.rel, b.rel) })
	return jobs, nil
}

// directives returns the oapi-codegen //go:generate lines of the Go file at
// path. It fails on a line that runs oapi-codegen in a form this check does
// not mirror, rather than skip it.
func directives(root, path string) ([]generatorJob, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var jobs []generatorJob
	for i, text := range strings.Split(string(data), "\n") {
		line, ok := strings.CutPrefix(strings.TrimSuffix(text, "\r"), "//go:generate ")
		if !ok || !strings.Contains(line, "oapi-codegen") {
			continue
		}
		source := fmt.Sprintf("%s:%d", rel(root, path), i+1)
		cfg, spec, err := parseDirective(line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		jobs = append(jobs, generatorJob{source: source, dir: filepath.Dir(path), cfg: cfg, spec: spec})
	}
	return jobs, nil
}

// parseDirective reads the config and the spec from the arguments of a
// //go:generate line running the pinned oapi-codegen, as
// `go run <command> -config <file> <spec>` or
// `go tool oapi-codegen -config <file> <spec>`.
func parseDirective(line string) (cfg, spec string, err error) {
	if strings.ContainsAny(line, `"'$`+"`") {
		return "", "", fmt.Errorf("quotes and $ expansions are not mirrored by the check: %s", line)
	}
	fields := strings.Fields(line)
	var args []string
	switch {
	case len(fields) >= 3 && fields[0] == "go" && fields[1] == "run" && fields[2] == generatorCommand:
		args = fields[3:]
	case len(fields) >= 3 && fields[0] == "go" && fields[1] == "tool" && fields[2] == "oapi-codegen":
		args = fields[3:]
	default:
		return "", "", fmt.Errorf("run oapi-codegen as `go run %s` (pinned in go.mod) or `go tool oapi-codegen`: %s", generatorCommand, line)
	}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-config" || a == "--config":
			if i+1 == len(args) {
				return "", "", fmt.Errorf("%s needs a value: %s", a, line)
			}
			i++
			cfg = args[i]
		case strings.HasPrefix(a, "-config=") || strings.HasPrefix(a, "--config="):
			_, cfg, _ = strings.Cut(a, "=")
		case strings.HasPrefix(a, "-"):
			return "", "", fmt.Errorf("flag %s is not mirrored by the check: put the setting in the config file: %s", a, line)
		default:
			positional = append(positional, a)
		}
	}
	if cfg == "" || len(positional) != 1 {
		return "", "", fmt.Errorf("want -config <file> and one spec: %s", line)
	}
	return cfg, positional[0], nil
}

// generatorConfig is a config file of the oapi-codegen command: the
// library's Configuration and the output file, in the command's format.
type generatorConfig struct {
	codegen.Configuration `yaml:",inline"`
	OutputFile            string `yaml:"output,omitempty"`
}

// loadGeneratorConfig reads a config file as the oapi-codegen command does,
// with the same YAML library. The command reads a file that decodes
// strictly as this type as its current format; any other file it reads in
// the deprecated format, which this check refuses.
func loadGeneratorConfig(path string) (generatorConfig, error) {
	var cfg generatorConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&generatorConfig{}); err != nil {
		return cfg, fmt.Errorf("read %s in the current config format (the deprecated one is not supported): %w", path, err)
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return cfg, fmt.Errorf("parse %s: %w", path, err)
	}
	return cfg, nil
}

// rel returns path relative to root, with slashes.
func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}
