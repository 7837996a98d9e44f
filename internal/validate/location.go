package validate

import (
	"strconv"
	"strings"
)

// A Location is rendered from a root ("body", "query.limit", …) and a list of
// JSON steps: object keys and array indexes. Identifier-like keys are written
// ".key"; any other key is quoted (`["a b"]`), so a caller-chosen key can't
// forge structure or smuggle control characters into a problem+json detail.

// step is one step of a JSON location: an object key, or an array index when
// isIndex is set.
type step struct {
	key     string
	index   int
	isIndex bool
}

func keyStep(k string) step   { return step{key: k} }
func indexStep(i int) step    { return step{index: i, isIndex: true} }
func (s step) String() string { return renderSteps("", []step{s}) }

// renderSteps renders root followed by steps.
func renderSteps(root string, steps []step) string {
	var b strings.Builder
	b.WriteString(root)
	for _, s := range steps {
		if b.Len() > maxLocation {
			break // clip adds the ellipsis
		}
		if s.isIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if isIdentifier(s.key) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
			continue
		}
		b.WriteByte('[')
		k := s.key
		if len(k) > maxLocation {
			k = k[:maxLocation]
		}
		b.WriteString(strconv.QuoteToASCII(k))
		b.WriteByte(']')
	}
	return clip(b.String())
}

// isIdentifier reports whether k can be written after a dot unambiguously.
func isIdentifier(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '$':
		case (c >= '0' && c <= '9') || c == '-':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// pointerSteps turns a JSON pointer's unescaped tokens into steps, reading the
// value to tell array indexes from object keys.
func pointerSteps(value any, tokens []string) []step {
	steps := make([]step, 0, len(tokens))
	for _, t := range tokens {
		switch v := value.(type) {
		case []any:
			i, err := strconv.Atoi(t)
			if err == nil && i >= 0 {
				steps = append(steps, indexStep(i))
				if i < len(v) {
					value = v[i]
				} else {
					value = nil
				}
				continue
			}
			steps = append(steps, keyStep(t))
			value = nil
		case map[string]any:
			steps = append(steps, keyStep(t))
			value = v[t]
		default:
			steps = append(steps, keyStep(t))
			value = nil
		}
	}
	return steps
}

// valueAt returns the value that the pointer tokens designate inside root.
func valueAt(root any, tokens []string) any {
	for _, t := range tokens {
		switch v := root.(type) {
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			root = v[i]
		case map[string]any:
			root = v[t]
		default:
			return nil
		}
	}
	return root
}
