package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// docPath is the configuration reference whose examples these tests keep
// true.
const docPath = "../../docs/configuration.md"

// Markers placed on the line before a ```yaml block of docPath. Unmarked
// blocks are fragments and are not checked.
const (
	markerPrefix  = "<!-- config-example:"
	markerValid   = "<!-- config-example: valid -->"
	markerInvalid = `<!-- config-example: invalid "`
	markerEnd     = `" -->`
)

// docExampleEnv is the environment every example is parsed in: the
// variables the examples may name, and a ${file:…} reader that returns a
// valid encryption key for any path (followed by the newline that
// references trim).
var docExampleEnv = map[string]string{
	"REMPART_DSN":            "postgres://rempart@db.internal:5432/rempart?sslmode=verify-full",
	"REMPART_ENCRYPTION_KEY": testKey,
}

func docFileReader(string) ([]byte, error) { return []byte(testKey + "\n"), nil }

// docExample is one marked ```yaml block.
type docExample struct {
	line  int    // line of the opening fence in docPath
	valid bool   // marked valid
	want  string // for an invalid example: a substring of its one error
	src   string
}

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("read %s: %v", docPath, err)
	}
	return string(b)
}

// docExamples extracts the marked ```yaml blocks of doc. A malformed
// marker, or a marker not followed by a ```yaml block, is an error.
func docExamples(t *testing.T, doc string) []docExample {
	t.Helper()
	lines := strings.Split(doc, "\n")
	var out []docExample
	pending, pendingLine := "", 0 // marker awaiting its block
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, markerPrefix):
			if pending != "" {
				t.Errorf("%s:%d: marker not followed by a ```yaml block", docPath, pendingLine)
			}
			pending, pendingLine = line, i+1
			continue
		case strings.HasPrefix(line, "```"):
			lang := strings.TrimPrefix(line, "```")
			start := i + 1
			var body []string
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
				body = append(body, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("%s:%d: unterminated code block", docPath, start)
			}
			if pending == "" {
				continue // unmarked: a fragment
			}
			if lang != "yaml" {
				t.Errorf("%s:%d: marker followed by a ```%s block, want ```yaml", docPath, pendingLine, lang)
				pending = ""
				continue
			}
			ex := docExample{line: start, src: strings.Join(body, "\n") + "\n"}
			switch {
			case pending == markerValid:
				ex.valid = true
			case strings.HasPrefix(pending, markerInvalid) && strings.HasSuffix(pending, markerEnd) &&
				len(pending) > len(markerInvalid)+len(markerEnd):
				ex.want = pending[len(markerInvalid) : len(pending)-len(markerEnd)]
			default:
				t.Errorf("%s:%d: malformed marker %q", docPath, pendingLine, pending)
				pending = ""
				continue
			}
			out = append(out, ex)
		default:
			if pending != "" {
				t.Errorf("%s:%d: marker not followed by a ```yaml block", docPath, pendingLine)
			}
		}
		pending = ""
	}
	if pending != "" {
		t.Errorf("%s:%d: marker not followed by a ```yaml block", docPath, pendingLine)
	}
	return out
}

// fileKeys are the keys whose value is a file that Check stats.
var fileKeys = map[string]bool{"cert_file": true, "key_file": true, "client_ca_file": true, "openapi": true, "schema": true}

// createReferencedFiles creates, under dir, a placeholder for every
// relative path an example names under a file key, so that Check finds
// them. Examples must use relative paths there.
func createReferencedFiles(t *testing.T, dir, src string) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		return // the example is meant to fail decoding
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if fileKeys[k.Value] && v.Kind == yaml.ScalarNode && v.Value != "" && !isRef(v.Value) {
					if filepath.IsAbs(v.Value) {
						t.Fatalf("%s = %q: use a relative path in documentation examples", k.Value, v.Value)
					}
					p := filepath.Join(dir, v.Value)
					if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte("placeholder\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
}

// exampleProblems parses src as a file in dir and returns every decode
// problem, or else every Check error, as "path: message" strings.
func exampleProblems(t *testing.T, dir, src string) []string {
	t.Helper()
	c, err := parse([]byte(src), dir, fakeEnv(docExampleEnv), docFileReader)
	if err != nil {
		var out []string
		var joined interface{ Unwrap() []error }
		if errors.As(err, &joined) {
			for _, e := range joined.Unwrap() {
				out = append(out, e.Error())
			}
		} else {
			out = append(out, err.Error())
		}
		return out
	}
	var out []string
	for _, p := range c.Check().Errors {
		out = append(out, p.Error())
	}
	return out
}

// TestDocExamples: every example marked valid in the configuration
// reference parses and passes Check without error; every example marked
// invalid fails with exactly one error, which contains the marked text.
// The examples cover references and literal secrets (R5), lifetimes (T1),
// the gateway issuer (A6, R6), audit retention (R18) and refused keys.
func TestDocExamples(t *testing.T) {
	examples := docExamples(t, readDoc(t))
	var valid, invalid int
	for _, ex := range examples {
		name := "invalid"
		if ex.valid {
			name = "valid"
			valid++
		} else {
			invalid++
		}
		t.Run(name+"/line-"+strconv.Itoa(ex.line), func(t *testing.T) {
			dir := t.TempDir()
			createReferencedFiles(t, dir, ex.src)
			got := exampleProblems(t, dir, ex.src)
			switch {
			case ex.valid && len(got) > 0:
				t.Errorf("%s:%d: example marked valid has errors:\n%s", docPath, ex.line, strings.Join(got, "\n"))
			case !ex.valid && len(got) != 1:
				t.Errorf("%s:%d: example marked invalid must have exactly one error, got %d:\n%s",
					docPath, ex.line, len(got), strings.Join(got, "\n"))
			case !ex.valid && !strings.Contains(got[0], ex.want):
				t.Errorf("%s:%d: error %q does not contain %q", docPath, ex.line, got[0], ex.want)
			}
		})
	}
	if valid < 4 || invalid < 3 {
		t.Errorf("%s has %d valid and %d invalid examples, want at least 4 and 3", docPath, valid, invalid)
	}
}

// keyPaths lists the full path of every leaf key of t, with "[]" for a
// list of mappings (e.g. "gateway.apis[].routes[].path").
func keyPaths(prefix string, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[Duration](), t == reflect.TypeFor[ByteSize]():
		return []string{prefix}
	case t.Kind() == reflect.Struct:
		var out []string
		for name, index := range structFields(t, nil) {
			out = append(out, keyPaths(joinPath(prefix, name), t.FieldByIndex(index).Type)...)
		}
		slices.Sort(out)
		return out
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return keyPaths(prefix+"[]", t.Elem())
	}
	return []string{prefix}
}

// TestDocCoversEveryKey: every key the decoder accepts is documented with
// its full path (a key added to types.go must be added to the reference).
func TestDocCoversEveryKey(t *testing.T) {
	doc := readDoc(t)
	paths := keyPaths("", reflect.TypeFor[Config]())
	if len(paths) < 20 {
		t.Fatalf("keyPaths found only %d keys: %v", len(paths), paths)
	}
	for _, p := range paths {
		if !strings.Contains(doc, "`"+p+"`") {
			t.Errorf("%s does not document `%s`", docPath, p)
		}
	}
}

// fillAll sets every field of v to a present, non-default value, so that
// unsupported reports every entry it knows.
func fillAll(path string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(path, v.Elem())
	case reflect.Struct:
		for name, index := range structFields(v.Type(), nil) {
			fillAll(joinPath(path, name), v.FieldByIndex(index))
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillAll(path+"[]", s.Index(0))
		v.Set(s)
	case reflect.String:
		switch path {
		case "gateway.apis[].sender_constraint":
			v.SetString(SenderDPoP)
		default:
			v.SetString("x")
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	}
}

// TestDocListsRefusedKeys: the table of the "Accepted but refused" section
// has one row for every key that unsupported refuses and no other, so that
// nobody believes a protection is on, nor that a built one is refused.
func TestDocListsRefusedKeys(t *testing.T) {
	doc := readDoc(t)
	const heading = "## Accepted but refused in this version"
	start := strings.Index(doc, heading)
	if start < 0 {
		t.Fatalf("%s has no section %q", docPath, heading)
	}
	section := doc[start+len(heading):]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	if !strings.Contains(section, notSupportedYet) {
		t.Errorf("section %q does not quote the message %q", heading, notSupportedYet)
	}
	var c Config
	fillAll("", reflect.ValueOf(&c).Elem())
	index := regexp.MustCompile(`\[\d+\]`)
	refused := unsupported(&c)
	if len(refused) < 1 { // a sanity check of fillAll while any key is refused
		t.Fatalf("unsupported reported only %d keys for a full configuration: %v", len(refused), refused)
	}
	want := make(map[string]bool)
	for _, p := range refused {
		want[index.ReplaceAllString(p.Path, "[]")] = true
	}
	// The key of a table row is the first `code` of its first cell.
	listed := make(map[string]bool)
	firstCode := regexp.MustCompile("^\\|\\s*`([^`]+)`")
	for _, line := range strings.Split(section, "\n") {
		if m := firstCode.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			listed[m[1]] = true
		}
	}
	for path := range want {
		if !listed[path] {
			t.Errorf("section %q has no row for `%s`, which the code refuses", heading, path)
		}
	}
	for path := range listed {
		if !want[path] {
			t.Errorf("section %q has a row for `%s`, which the code no longer refuses", heading, path)
		}
	}
}
