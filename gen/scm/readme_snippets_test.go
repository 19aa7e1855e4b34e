package scm

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goBlock matches a fenced Go code block of Markdown.
var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// untestedSnippets returns the Go code blocks of readme that appear in none
// of sources, a block matching either as written or with every line of the
// source indented by one more tab (as gofmt puts a function's body).
func untestedSnippets(readme string, sources []string) []string {
	var missing []string
	for _, m := range goBlock.FindAllStringSubmatch(readme, -1) {
		block := strings.TrimRight(m[1], "\n")
		indented := "\t" + strings.ReplaceAll(block, "\n", "\n\t")
		indented = strings.ReplaceAll(indented, "\t\n", "\n") // gofmt leaves blank lines empty
		found := false
		for _, src := range sources {
			if strings.Contains(src, block) || strings.Contains(src, indented) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, block)
		}
	}
	return missing
}

// TestReadmeGoSnippetsCompile checks that every Go code block of the README
// stands verbatim in a test file of the repository, where the compiler
// checks it on every go test, so that a snippet cannot drift from the API.
func TestReadmeGoSnippetsCompile(t *testing.T) {
	root := os.DirFS(filepath.Join("..", ".."))
	readme, err := fs.ReadFile(root, "README.md")
	require.NoError(t, err)
	var sources []string
	err = fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == ".bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") && d.Name() != "readme_snippets_test.go" {
			b, err := fs.ReadFile(root, path)
			if err != nil {
				return err
			}
			sources = append(sources, string(b))
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, goBlock.FindAllString(string(readme), -1), "the README has Go snippets")
	missing := untestedSnippets(string(readme), sources)
	require.Empty(t, missing, "these README snippets stand in no _test.go file, so nothing compiles them: "+
		"copy each into an Example or test function, verbatim")
}

// TestUntestedSnippets checks the matching itself: a snippet is found as
// written or indented by gofmt, and one changed by a character is not.
func TestUntestedSnippets(t *testing.T) {
	readme := "text\n```go\nx := f()\n\nfmt.Println(x)\n```\nmore\n```sh\nnot go\n```\n"
	src := "func Example() {\n\tx := f()\n\n\tfmt.Println(x)\n}\n"
	require.Empty(t, untestedSnippets(readme, []string{src}), "found indented by one tab")
	require.Empty(t, untestedSnippets(readme, []string{"x := f()\n\nfmt.Println(x)\n"}), "found as written")
	changed := strings.Replace(readme, "f()", "g()", 1)
	require.Equal(t, []string{"x := g()\n\nfmt.Println(x)"}, untestedSnippets(changed, []string{src}),
		"must fail: the README calls g, which no test file holds")
}
