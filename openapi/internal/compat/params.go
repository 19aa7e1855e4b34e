package compat

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// PathParameterRenamedID names the check for a renamed path parameter.
const PathParameterRenamedID = "path-parameter-renamed"

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// renamedPathParameters finds path parameters that keep their place in a
// path but change their name. oasdiff matches paths with their parameters
// blanked out, so it sees no change; the kit rates it an error: the name
// becomes the Go name of the client's parameter and of the field of the
// generated server's request object (CancelCertRequestObject.CertId), so
// code written against the old name stops compiling.
func renamedPathParameters(base, revision *openapi3.T) []Change {
	if base.Paths == nil || revision.Paths == nil {
		return nil
	}
	byShape := map[string]string{}
	for path := range revision.Paths.Map() {
		byShape[pathParam.ReplaceAllString(path, "{}")] = path
	}
	var out []Change
	for _, oldPath := range base.Paths.InMatchingOrder() {
		newPath, ok := byShape[pathParam.ReplaceAllString(oldPath, "{}")]
		if !ok || newPath == oldPath {
			continue
		}
		oldNames, newNames := pathParam.FindAllString(oldPath, -1), pathParam.FindAllString(newPath, -1)
		for i := range oldNames {
			if oldNames[i] == newNames[i] {
				continue
			}
			from, to := strings.Trim(oldNames[i], "{}"), strings.Trim(newNames[i], "{}")
			for _, method := range methods(base.Paths.Value(oldPath)) {
				out = append(out, Change{
					ID:    PathParameterRenamedID,
					Level: "error",
					Where: method + " " + oldPath,
					Text:  fmt.Sprintf("renamed the path parameter `%s` to `%s`, which renames the generated client's parameter and the server's request field", from, to),
				})
			}
		}
	}
	return out
}

func methods(item *openapi3.PathItem) []string {
	var out []string
	for m := range item.Operations() {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}
