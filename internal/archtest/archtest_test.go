package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/rempart/rempart/"

// packages returns the directories under the repository root that hold Go
// non-test files, keyed by import path.
func packages(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			pkgs[module+filepath.ToSlash(rel)] = filepath.Dir(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func parseDir(t *testing.T, dir string) map[string]*parserFile {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*parserFile{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		pf := &parserFile{hasDoc: f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name) || f.Name.Name == "main" && f.Doc != nil}
		for _, imp := range f.Imports {
			pf.imports = append(pf.imports, strings.Trim(imp.Path.Value, `"`))
		}
		files[name] = pf
	}
	return files
}

type parserFile struct {
	hasDoc  bool
	imports []string
}

// TestPackageDocs: every package states its job in a doc comment.
func TestPackageDocs(t *testing.T) {
	for path, dir := range packages(t) {
		ok := false
		for _, f := range parseDir(t, dir) {
			ok = ok || f.hasDoc
		}
		if !ok {
			t.Errorf("%s: no package doc comment (\"Package x …\")", path)
		}
	}
}

// TestLeafImports: the leaf packages import no other internal package.
func TestLeafImports(t *testing.T) {
	leaves := []string{"internal/oauth", "internal/token", "internal/web", "internal/store", "internal/vault", "internal/metrics", "internal/config"}
	pkgs := packages(t)
	for _, leaf := range leaves {
		dir, ok := pkgs[module+leaf]
		if !ok {
			t.Errorf("%s: package not found", leaf)
			continue
		}
		for name, f := range parseDir(t, dir) {
			for _, imp := range f.imports {
				if strings.HasPrefix(imp, module+"internal/") {
					t.Errorf("%s/%s imports %s: leaf packages import no internal package", leaf, name, imp)
				}
			}
		}
	}
}
