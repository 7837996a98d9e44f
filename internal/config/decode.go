package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxSteps bounds the work of one decode, so that aliases expanding into
// an exponential number of values end in an error, not an exhausted CPU.
const maxSteps = 1 << 20

// decoder walks a yaml.Node tree into a value, collecting path-qualified
// problems instead of stopping at the first one.
type decoder struct {
	res      resolver
	problems []error
	literal  []string // secret keys written literally (R5)
	steps    int
}

// fail records a problem at path, with the line of n when known.
func (d *decoder) fail(path string, n *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if n != nil && n.Line > 0 {
		msg += fmt.Sprintf(" (line %d)", n.Line)
	}
	d.problems = append(d.problems, &Problem{Path: path, Message: msg})
}

// step counts work; it reports false (once, with a problem) when the
// budget is exhausted.
func (d *decoder) step(n *yaml.Node) bool {
	d.steps++
	if d.steps == maxSteps {
		d.fail("", n, "document too complex (too many values after alias expansion)")
	}
	return d.steps < maxSteps
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	default:
		return "a single value"
	}
}

// value decodes n into v. A null value leaves v at its zero value, except
// that a null section (e.g. "admin:") enables that section with defaults.
func (d *decoder) value(path string, n *yaml.Node, v reflect.Value) {
	n = deref(n)
	if !d.step(n) {
		return
	}
	if isNull(n) {
		if v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct && v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return
	}
	switch v.Type() {
	case reflect.TypeFor[Duration]():
		if s, shown, ok := d.scalar(path, n, "a duration"); ok {
			if dur, msg := parseDuration(s); msg != "" {
				d.fail(path, n, "invalid duration %s: %s", shown, msg)
			} else {
				v.SetInt(int64(dur))
			}
		}
		return
	case reflect.TypeFor[ByteSize]():
		if s, shown, ok := d.scalar(path, n, "a size"); ok {
			if size, msg := parseByteSize(s); msg != "" {
				d.fail(path, n, "invalid size %s: %s", shown, msg)
			} else {
				v.SetInt(int64(size))
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(path, n, v.Elem())
	case reflect.Struct:
		d.mapping(path, n, v)
	case reflect.Slice:
		d.sequence(path, n, v)
	case reflect.String:
		if s, _, ok := d.scalar(path, n, "a string"); ok {
			if isSecretPath(path) && !isRef(n.Value) {
				d.literal = append(d.literal, path)
			}
			v.SetString(s)
		}
	case reflect.Bool:
		if s, shown, ok := d.scalar(path, n, "true or false"); ok {
			switch s {
			case "true", "True", "TRUE":
				v.SetBool(true)
			case "false", "False", "FALSE":
				v.SetBool(false)
			default:
				d.fail(path, n, "invalid boolean %s: use true or false", shown)
			}
		}
	case reflect.Int:
		if s, shown, ok := d.scalar(path, n, "an integer"); ok {
			i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			switch {
			case err != nil || v.OverflowInt(i):
				d.fail(path, n, "invalid integer %s", shown)
			case i <= 0:
				d.fail(path, n, "must be greater than zero (omit the key for the default)")
			default:
				v.SetInt(i)
			}
		}
	default:
		panic("config: unsupported field type " + v.Type().String())
	}
}

// scalar returns the value of the scalar n with references resolved, and
// how to show it in an error: quoted when written in the file, by its
// reference otherwise (a resolved value may be a secret: R5, R20).
func (d *decoder) scalar(path string, n *yaml.Node, want string) (val, shown string, ok bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(path, n, "expected %s, got %s", want, kindName(n))
		return "", "", false
	}
	val, err := d.res.resolve(n.Value)
	if err != nil {
		d.fail(path, n, "%v", err)
		return "", "", false
	}
	if isRef(n.Value) {
		return val, "(the value of " + n.Value + ")", true
	}
	return val, strconv.Quote(val), true
}

// sequence decodes a YAML sequence into the slice v. An empty sequence
// gives an empty, non-nil slice (Route.Scopes relies on it).
func (d *decoder) sequence(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(path, n, "expected a sequence, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		d.value(fmt.Sprintf("%s[%d]", path, i), e, s.Index(i))
	}
	v.Set(s)
}

// mapping decodes a YAML mapping into the struct v, refusing unknown keys.
func (d *decoder) mapping(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(path, n, "expected a mapping, got %s", kindName(n))
		return
	}
	fields := structFields(v.Type(), nil)
	for _, p := range d.pairs(path, n, nil) {
		key := p.key.Value
		f, ok := fields[key]
		if !ok {
			msg := "unknown key"
			if s := suggest(key, fields); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.fail(joinPath(path, key), p.key, "%s", msg)
			continue
		}
		d.value(joinPath(path, key), p.val, v.FieldByIndex(f))
	}
}

type pair struct{ key, val *yaml.Node }

// pairs lists the key/value pairs of a mapping, expanding "<<" merge keys
// (explicit keys win over merged ones, earlier merges over later ones) and
// reporting duplicate and non-string keys. stack guards against a mapping
// that merges itself.
func (d *decoder) pairs(path string, n *yaml.Node, stack []*yaml.Node) []pair {
	for _, s := range stack {
		if s == n {
			d.fail(path, n, "merge key refers to its own mapping")
			return nil
		}
	}
	stack = append(stack, n)
	var out, merged []pair
	seen := make(map[string]*yaml.Node)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := deref(n.Content[i]), n.Content[i+1]
		if !d.step(k) {
			return out
		}
		if k == nil || k.Kind != yaml.ScalarNode {
			d.fail(path, k, "a key must be a plain string, got %s", kindName(k))
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(path, deref(val), stack)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(joinPath(path, k.Value), k, "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{k, val})
	}
	for _, p := range merged {
		if _, dup := seen[p.key.Value]; !dup {
			seen[p.key.Value] = p.key
			out = append(out, p)
		}
	}
	return out
}

// merge returns the pairs a "<<" value brings: one mapping or a sequence
// of mappings.
func (d *decoder) merge(path string, n *yaml.Node, stack []*yaml.Node) []pair {
	switch {
	case n != nil && n.Kind == yaml.MappingNode:
		return d.pairs(path, n, stack)
	case n != nil && n.Kind == yaml.SequenceNode:
		var out []pair
		for _, e := range n.Content {
			if e = deref(e); e == nil || e.Kind != yaml.MappingNode {
				d.fail(joinPath(path, "<<"), e, "a merge key takes a mapping or a sequence of mappings")
				continue
			}
			out = append(out, d.pairs(path, e, stack)...)
		}
		return out
	}
	d.fail(joinPath(path, "<<"), n, "a merge key takes a mapping or a sequence of mappings")
	return nil
}

// structFields maps the yaml names of t's fields to their index paths,
// descending into ",inline" embedded structs.
func structFields(t reflect.Type, prefix []int) map[string][]int {
	out := make(map[string][]int)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		index := append(append([]int(nil), prefix...), i)
		if opts == "inline" {
			for k, v := range structFields(f.Type, index) {
				out[k] = v
			}
			continue
		}
		if name != "" && name != "-" {
			out[name] = index
		}
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isSecretPath names the keys whose value is a secret or may embed one:
// they must come from a reference (R5), which Validate checks.
func isSecretPath(path string) bool {
	switch path {
	case "encryption_key", "store.dsn", "redis.url":
		return true
	}
	return false
}
