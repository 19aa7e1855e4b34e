package scm

import (
	"errors"
	"runtime/debug"
	"strings"
	"sync"
)

// modulePath is this module's path, whose version UserAgent reports.
const modulePath = "github.com/scmcontract/cancelcert"

// UserAgent returns the User-Agent of this client,
// "cancelcert/<module version> (Go)", followed by a space and suffix when
// suffix is not empty (a program's own name and version, say). The module
// version is the one the program was built with (runtime/debug's build
// information: this module as a dependency, or as the main module), or
// "devel" when there is none, as in a build from a working tree.
//
// A suffix holding a control character (CR, LF ...) is refused, since it
// could not be sent in a header.
func UserAgent(suffix string) (string, error) {
	if hasControl(suffix) {
		return "", errors.New("scm: user agent: suffix contains a control character")
	}
	ua := "cancelcert/" + moduleVersion() + " (Go)"
	if suffix = strings.TrimSpace(suffix); suffix != "" {
		ua += " " + suffix
	}
	return ua, nil
}

// moduleVersion is this module's version in the running program, read once.
var moduleVersion = sync.OnceValue(func() string {
	return versionFrom(debug.ReadBuildInfo())
})

// versionFrom finds this module's version in build information.
func versionFrom(info *debug.BuildInfo, ok bool) string {
	const fallback = "devel"
	if !ok || info == nil {
		return fallback
	}
	version := ""
	if info.Main.Path == modulePath {
		version = info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path != modulePath {
			continue
		}
		version = dep.Version
		if dep.Replace != nil && dep.Replace.Version != "" {
			version = dep.Replace.Version
		}
	}
	if version == "" || version == "(devel)" || hasControl(version) || strings.ContainsAny(version, " ()") {
		return fallback
	}
	return version
}
