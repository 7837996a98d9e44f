package validate

import (
	"regexp"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Read-only helpers over resolved kin-openapi schemas, used to name the
// property behind an error and to strip undeclared properties.

// maxCompose bounds the allOf/anyOf/oneOf nesting followed, against
// (pathological) recursive compositions.
const maxCompose = 16

// objectShape is what an object schema (with its allOf/anyOf/oneOf branches)
// declares about members.
type objectShape struct {
	props    map[string]*openapi3.Schema // first declaration of each property wins
	patterns []patternProp               // 3.1 patternProperties
	extra    *openapi3.Schema            // additionalProperties schema, if any
	open     bool                        // undeclared members are declared open (additionalProperties: true or a schema)
	closed   bool                        // some branch says additionalProperties: false
}

type patternProp struct {
	re     *regexp.Regexp
	schema *openapi3.Schema
}

// declaresMembers reports whether the shape says anything about members; a
// schema that says nothing is free-form.
func (o *objectShape) declaresMembers() bool {
	return len(o.props) > 0 || len(o.patterns) > 0 || o.extra != nil || o.open || o.closed
}

// member returns the schema of member k and whether k is declared.
func (o *objectShape) member(k string) (*openapi3.Schema, bool) {
	if s, ok := o.props[k]; ok {
		return s, true
	}
	for _, p := range o.patterns {
		if p.re.MatchString(k) {
			return p.schema, true
		}
	}
	if o.open {
		return o.extra, true
	}
	return nil, false
}

// shapeOf collects the object shape of s.
func shapeOf(s *openapi3.Schema) *objectShape {
	o := &objectShape{props: map[string]*openapi3.Schema{}}
	o.add(s, 0)
	return o
}

func (o *objectShape) add(s *openapi3.Schema, depth int) {
	if s == nil || depth > maxCompose {
		return
	}
	for k, ref := range s.Properties {
		if _, seen := o.props[k]; !seen && ref != nil {
			o.props[k] = ref.Value
		}
	}
	for pat, ref := range s.PatternProperties {
		re, err := regexp.Compile(pat)
		if err != nil || ref == nil {
			continue // kin validated the document; an unsupported pattern declares nothing here
		}
		o.patterns = append(o.patterns, patternProp{re: re, schema: ref.Value})
	}
	ap := s.AdditionalProperties
	switch {
	case ap.Has != nil && !*ap.Has:
		o.closed = true
	case ap.Schema != nil:
		o.open = true
		if o.extra == nil {
			o.extra = ap.Schema.Value
		}
	case ap.Has != nil && *ap.Has:
		o.open = true
	}
	if u := s.UnevaluatedProperties; u.Has != nil && !*u.Has {
		o.closed = true
	}
	for _, branches := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, b := range branches {
			if b != nil {
				o.add(b.Value, depth+1)
			}
		}
	}
}

// itemSchema returns the schema of element i of an array under s.
func itemSchema(s *openapi3.Schema, i int) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if i < len(s.PrefixItems) && s.PrefixItems[i] != nil {
		return s.PrefixItems[i].Value
	}
	if s.Items != nil {
		return s.Items.Value
	}
	for _, branches := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, b := range branches {
			if b != nil && b.Value != nil && b.Value.Items != nil {
				return b.Value.Items.Value
			}
		}
	}
	return nil
}

// subschema follows pointer tokens from s through value; nil if unknown.
func subschema(s *openapi3.Schema, value any, tokens []string) *openapi3.Schema {
	for _, t := range tokens {
		if s == nil {
			return nil
		}
		switch v := value.(type) {
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil {
				return nil
			}
			s = itemSchema(s, i)
			if i >= 0 && i < len(v) {
				value = v[i]
			} else {
				value = nil
			}
		default:
			m, _ := value.(map[string]any)
			s, _ = shapeOf(s).member(t)
			value = m[t]
		}
	}
	return s
}
