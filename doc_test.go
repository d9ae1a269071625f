package trustpub_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPackageDocs: the package documentation that go doc shows keeps its
// sections, names every sentinel error (each has its place in the check
// order), and has no doc link that fails to resolve.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	for dir, headings := range map[string][]string{
		"oidc":      {"Errors", "Check order", "Threat model", "Key cache"},
		"publisher": {"Check order", "Threat model", "Rules"},
	} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			p := packageDoc(t, dir)
			for _, h := range headings {
				if !strings.Contains(p.Doc, "\n# "+h+"\n") {
					t.Errorf("no section %q", h)
				}
			}
			for _, v := range p.Vars {
				for _, name := range v.Names {
					if strings.HasPrefix(name, "Err") && !strings.Contains(p.Doc, "["+name+"]") {
						t.Errorf("sentinel %s is not linked from the package documentation", name)
					}
				}
			}
			// A link that resolves is rendered without its brackets.
			unresolved := regexp.MustCompile(`\[\*?[A-Za-z][\w.]*\]`)
			if bad := unresolved.FindAllString(string(p.Text(p.Doc)), -1); len(bad) > 0 {
				t.Errorf("doc links that resolve to nothing: %v", bad)
			}
		})
	}
}

// packageDoc reads the documentation of the package in dir, tests left out.
func packageDoc(t *testing.T, dir string) *doc.Package {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/trustpub/trustpub/"+dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
