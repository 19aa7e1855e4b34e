package compat

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// BaselineFile returns the path of the last released spec in dir, the single
// file named scm-<version>.yaml there, and its version as the name gives it.
// It is an error for dir to hold no such file or more than one.
func BaselineFile(dir string) (path, version string, err error) {
	matches, err := filepath.Glob(filepath.Join(dir, "scm-*.yaml"))
	if err != nil {
		return "", "", fmt.Errorf("find baseline in %s: %w", dir, err)
	}
	switch len(matches) {
	case 0:
		return "", "", fmt.Errorf("find baseline in %s: %w", dir, errors.New("no scm-<version>.yaml: copy the last released openapi/scm.yaml there"))
	case 1:
	default:
		return "", "", fmt.Errorf("find baseline in %s: %d files %v, want only the last release: delete the older ones", dir, len(matches), matches)
	}
	path = matches[0]
	version = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "scm-"), ".yaml")
	return path, version, nil
}

// Explain returns the message for breaking changes found between the
// baseline at baselinePath, released as version, and the spec at specPath:
// one line per change and the steps that accept an intended break.
func Explain(changes []Change, specPath, baselinePath, version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s breaks callers of release %s (%s) with %d change(s):\n", specPath, version, baselinePath, len(changes))
	for _, c := range changes {
		fmt.Fprintf(&b, "  - %s\n", c)
	}
	next := nextMajor(version)
	fmt.Fprintf(&b, "Undo the change, or, if the break is intended, release it as %s: set info.version in %s to %s, "+
		"copy %s to %s, delete %s and run `go generate ./...`.",
		next, specPath, next, specPath, filepath.Join(filepath.Dir(baselinePath), "scm-"+next+".yaml"), baselinePath)
	return b.String()
}

// nextMajor returns the semantic version one major version above version,
// such as 2.0.0 for 1.4.2, or a placeholder if version is not of that form.
func nextMajor(version string) string {
	major, _, ok := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	n, err := strconv.Atoi(major)
	if !ok || err != nil || n < 0 {
		return "<next major version>"
	}
	return fmt.Sprintf("%d.0.0", n+1)
}
