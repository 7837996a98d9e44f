package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// Default JSON threat limits (R14; OWASP API4 unrestricted resource consumption).
const (
	DefaultMaxDepth        = 32     // nesting of arrays and objects
	DefaultMaxStringLength = 65536  // bytes of one decoded string, keys included
	DefaultMaxArrayLength  = 10_000 // elements of one array
	DefaultMaxMembers      = 1_000  // members of one object
)

// JSONLimits bounds the shape of a JSON document. A zero or negative field
// means its default (DefaultMaxDepth, …). The limits apply to every JSON
// request body, with or without OpenAPI, before any schema validation.
type JSONLimits struct {
	MaxDepth        int // deepest nesting of arrays/objects; the top-level value's container is depth 1
	MaxStringLength int // longest string or object key, in bytes after unescaping
	MaxArrayLength  int // most elements in any one array
	MaxMembers      int // most members in any one object
}

// withDefaults returns l with its unset fields defaulted.
func (l JSONLimits) withDefaults() JSONLimits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxStringLength <= 0 {
		l.MaxStringLength = DefaultMaxStringLength
	}
	if l.MaxArrayLength <= 0 {
		l.MaxArrayLength = DefaultMaxArrayLength
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = DefaultMaxMembers
	}
	return l
}

// CheckJSON reports whether body is one well-formed JSON value within lim.
//
// It walks the document with a streaming json.Decoder (no recursion) and
// refuses, with an *Error (status 400) naming the JSON location:
//   - invalid UTF-8, malformed syntax, trailing data after the value, and
//     numbers that do not fit a float64;
//   - nesting deeper than MaxDepth, a string or key longer than
//     MaxStringLength, an array longer than MaxArrayLength, an object with more
//     than MaxMembers members;
//   - duplicate keys in one object: parsers disagree on which one wins (first
//     or last), so a duplicate could carry a value past validation that the
//     upstream then reads differently.
func CheckJSON(body []byte, lim JSONLimits) error {
	_, err := parseJSON(body, lim.withDefaults())
	return err
}

// frame is one open container while walking.
type frame struct {
	obj       map[string]any // nil for an array
	arr       []any
	key       string // key whose value comes next (objects)
	expectKey bool   // objects: the next string token is a key
}

// parseJSON checks body against lim (already defaulted) and returns its value
// as encoding/json would decode it into an any: map[string]any, []any,
// float64, string, bool, nil.
func parseJSON(body []byte, lim JSONLimits) (any, error) {
	if !utf8.Valid(body) {
		return nil, jsonError(TitleMalformedJSON, "body", "invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var (
		stack []frame
		root  any
		done  bool
	)
	// here renders the location of the value being read, for errors.
	here := func() string { return renderSteps("body", stackSteps(stack)) }
	// attach stores a finished value in its parent, or as the root.
	attach := func(v any) error {
		if len(stack) == 0 {
			root, done = v, true
			return nil
		}
		f := &stack[len(stack)-1]
		if f.obj != nil {
			f.obj[f.key] = v
			f.expectKey = true
			return nil
		}
		f.arr = append(f.arr, v)
		return nil
	}
	for !done {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, jsonError(TitleMalformedJSON, here(), "unexpected end of JSON")
			}
			return nil, jsonError(TitleMalformedJSON, here(), "syntax error")
		}
		// A key of the innermost object?
		if n := len(stack); n > 0 && stack[n-1].obj != nil && stack[n-1].expectKey {
			f := &stack[n-1]
			switch k := tok.(type) {
			case string:
				if len(k) > lim.MaxStringLength {
					return nil, jsonError(TitleJSONStringTooLong, here(), "key too long")
				}
				if _, dup := f.obj[k]; dup {
					return nil, jsonError(TitleDuplicateProperty, renderSteps("body", append(stackSteps(stack), keyStep(k))), "duplicate key")
				}
				if len(f.obj) >= lim.MaxMembers {
					return nil, jsonError(TitleJSONTooManyFields, here(), "too many members")
				}
				f.key, f.expectKey = k, false
				f.obj[k] = nil // reserve the key: a later duplicate is seen even before this value ends
				continue
			case json.Delim:
				if k != '}' {
					return nil, jsonError(TitleMalformedJSON, here(), "syntax error")
				}
				stack = stack[:n-1]
				if err := attach(f.obj); err != nil {
					return nil, err
				}
				continue
			default:
				return nil, jsonError(TitleMalformedJSON, here(), "syntax error")
			}
		}
		// A value (or the end of the innermost array).
		if n := len(stack); n > 0 && stack[n-1].obj == nil {
			if d, ok := tok.(json.Delim); ok && d == ']' {
				f := stack[n-1]
				stack = stack[:n-1]
				arr := f.arr
				if arr == nil {
					arr = []any{}
				}
				if err := attach(arr); err != nil {
					return nil, err
				}
				continue
			}
			if len(stack[n-1].arr) >= lim.MaxArrayLength {
				return nil, jsonError(TitleJSONArrayTooLong, renderSteps("body", stackSteps(stack[:n-1])), "array too long")
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= lim.MaxDepth {
					return nil, jsonError(TitleJSONTooDeep, here(), "nesting too deep")
				}
				if t == '{' {
					stack = append(stack, frame{obj: map[string]any{}, expectKey: true})
				} else {
					stack = append(stack, frame{})
				}
			default: // a stray closing delimiter; the decoder reports these itself
				return nil, jsonError(TitleMalformedJSON, here(), "syntax error")
			}
		case string:
			if len(t) > lim.MaxStringLength {
				return nil, jsonError(TitleJSONStringTooLong, here(), "string too long")
			}
			if err := attach(t); err != nil {
				return nil, err
			}
		case json.Number:
			f, err := strconv.ParseFloat(string(t), 64)
			if err != nil || math.IsInf(f, 0) {
				return nil, jsonError(TitleMalformedJSON, here(), "number out of range")
			}
			if err := attach(f); err != nil {
				return nil, err
			}
		default: // bool or nil
			if err := attach(t); err != nil {
				return nil, err
			}
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, jsonError(TitleMalformedJSON, "body", "trailing data after the JSON value")
	}
	return root, nil
}

// stackSteps is the location of the value being read inside the open containers.
func stackSteps(stack []frame) []step {
	steps := make([]step, 0, len(stack))
	for _, f := range stack {
		if f.obj != nil {
			if f.expectKey {
				// Between members (only the innermost frame can be): the
				// location is the object itself.
				break
			}
			steps = append(steps, keyStep(f.key))
			continue
		}
		steps = append(steps, indexStep(len(f.arr)))
	}
	return steps
}

func jsonError(title, location, cause string) *Error {
	return newError(http.StatusBadRequest, title, location, causef(ErrJSON, "%s", cause))
}
