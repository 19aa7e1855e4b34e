package scm_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// packageDoc reads the package's own files (not its tests) as go doc does,
// keyed by file name.
func packageDoc(t *testing.T) (*doc.Package, map[string]*ast.File) {
	t.Helper()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	fset := token.NewFileSet()
	byName := map[string]*ast.File{}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		require.Equal(t, "scm", f.Name.Name, "%s is in package scm", name)
		byName[name] = f
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, "github.com/scmcontract/cancelcert/gen/scm")
	require.NoError(t, err)
	return d, byName
}

// TestPackageDoc checks what `go doc ./gen/scm` shows first: the package
// doc of doc.go alone (the generated file's header is no doc comment), and
// no name of the server side, which is generated into
// contract/internal/server.
func TestPackageDoc(t *testing.T) {
	d, files := packageDoc(t)
	for name, f := range files {
		if f.Doc != nil {
			require.Equal(t, "doc.go", name, "only doc.go holds the package doc comment; %s has one too", name)
		}
	}
	require.True(t, strings.HasPrefix(d.Doc, "Package scm is a Go client"), "the package doc is doc.go's: %q", d.Doc)
	require.NotContains(t, d.Doc, "DO NOT EDIT")
	require.Contains(t, d.Doc, `import "github.com/scmcontract/cancelcert/gen/scm"`)

	serverSide := []string{"StrictServerInterface", "ServerInterface", "ServerInterfaceWrapper", "Handler", "HandlerWithOptions",
		"HandlerFromMux", "NewStrictHandler", "NewStrictHandlerWithOptions", "StrictHTTPServerOptions", "StdHTTPServerOptions",
		"MiddlewareFunc", "ServeMux", "CancelCertRequestObject", "CancelCertResponseObject", "RequiredParamError", "InvalidParamFormatError"}
	for _, name := range exportedNames(d) {
		require.NotContains(t, serverSide, name, "package scm exports the server-side name %s", name)
		require.False(t, strings.HasSuffix(name, "ParamError") || strings.HasSuffix(name, "JSONResponse"),
			"package scm exports the server-side name %s", name)
	}
}

// undocumentedGenerated are the exported names of scm.gen.go without a doc
// comment: the generator's client-with-responses template writes none for
// them and only a copy of that template could add one.
var undocumentedGenerated = []string{
	"CancelCertResponse",
	"CancelCertResponse.Body", "CancelCertResponse.HTTPResponse",
	"CancelCertResponse200Headers.XRequestId", "CancelCertResponse400Headers.XRequestId",
	"CancelCertResponse401Headers.XRequestId", "CancelCertResponse403Headers.XRequestId",
	"CancelCertResponse404Headers.XRequestId", "CancelCertResponse500Headers.XRequestId",
	"CancelCertResponse429Headers.RetryAfter", "CancelCertResponse429Headers.XRequestId",
	"CancelCertResponseDefaultHeaders.XRequestId",
}

// TestEveryExportedNameIsDocumented checks that every exported name, and
// every exported field of an exported struct, has a doc comment, but for
// the generated ones listed in undocumentedGenerated, which must stay
// undocumented (so that the list stays true).
func TestEveryExportedNameIsDocumented(t *testing.T) {
	d, _ := packageDoc(t)
	var missing []string
	check := func(name, text string) {
		if strings.TrimSpace(text) == "" {
			missing = append(missing, name)
		}
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, n := range v.Names {
				if ast.IsExported(n) {
					check(n, v.Doc)
				}
			}
		}
	}
	values(d.Consts)
	values(d.Vars)
	for _, f := range d.Funcs {
		check(f.Name, f.Doc)
	}
	for _, typ := range d.Types {
		check(typ.Name, typ.Doc)
		values(typ.Consts)
		values(typ.Vars)
		for _, f := range typ.Funcs {
			check(f.Name, f.Doc)
		}
		for _, m := range typ.Methods {
			check(typ.Name+"."+m.Name, m.Doc)
		}
		spec := typ.Decl.Specs[0].(*ast.TypeSpec)
		if st, ok := spec.Type.(*ast.StructType); ok {
			for _, field := range st.Fields.List {
				for _, n := range field.Names {
					if n.IsExported() {
						check(typ.Name+"."+n.Name, field.Doc.Text()+field.Comment.Text())
					}
				}
			}
		}
	}
	slices.Sort(missing)
	want := slices.Sorted(slices.Values(undocumentedGenerated))
	require.Equal(t, want, missing, "exported names without a doc comment")
}

// exportedNames lists the package's exported top-level names.
func exportedNames(d *doc.Package) []string {
	var names []string
	for _, v := range slices.Concat(d.Consts, d.Vars) {
		names = append(names, v.Names...)
	}
	for _, f := range d.Funcs {
		names = append(names, f.Name)
	}
	for _, typ := range d.Types {
		names = append(names, typ.Name)
		for _, v := range slices.Concat(typ.Consts, typ.Vars) {
			names = append(names, v.Names...)
		}
		for _, f := range typ.Funcs {
			names = append(names, f.Name)
		}
	}
	return names
}
