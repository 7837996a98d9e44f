package validate

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// CheckResponse applies the response validation mode to an upstream response
// to r (OWASP API3 excessive data exposure, API10 unsafe consumption):
//
//   - off (or no OpenAPI): body is returned unchanged;
//   - block: a response that does not match the operation's declared response
//     (status, then "default"; media type; body schema; declared headers)
//     is refused with *Error{Status: 502};
//   - strip: a JSON body first loses, recursively, every object member its
//     schema does not declare, then is checked as in block mode.
//
// A status the operation does not declare, and responses to HEAD, pass
// unchanged (kin-openapi's default). A body with a Content-Encoding other
// than identity cannot be inspected and is refused in block and strip modes:
// the gateway should not ask the upstream for compressed responses when
// response validation is on.
//
// The returned body may differ from the given one (strip): the caller must
// then fix Content-Length. An object whose schema declares no member at all
// (no properties, patternProperties or additionalProperties) is free-form
// and kept whole. Members declared by any allOf/anyOf/oneOf branch are kept.
func (v *Validator) CheckResponse(r *http.Request, status int, h http.Header, body []byte) ([]byte, error) {
	if v.spec == nil || v.response == ResponseOff {
		return body, nil
	}
	route, params, e := v.spec.findRoute(r)
	if e != nil {
		return nil, badResponse("no operation for the request")
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, badResponse("encoded response body cannot be inspected")
	}
	if v.response == ResponseStrip {
		body = stripBody(route.Operation, status, h, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: params,
			Route:      route,
			Options:    v.spec.opts,
		},
		Status:  status,
		Header:  h,
		Options: v.spec.opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		cause := "response does not match"
		if se := leafSchemaError(err); se != nil {
			cause = "keyword " + se.SchemaField + " at response/" + strings.Join(se.JSONPointer(), "/")
		}
		return nil, badResponse(cause)
	}
	return body, nil
}

func badResponse(cause string) *Error {
	// The location stays in the log: the caller learns nothing of the upstream.
	return newError(http.StatusBadGateway, TitleBadResponse, "", causef(ErrSchema, "%s", clip(cause)))
}

// responseSchema returns the schema of a JSON response of op with status and
// the Content-Type in h; nil when there is none.
func responseSchema(op *openapi3.Operation, status int, h http.Header) *openapi3.Schema {
	if op.Responses == nil {
		return nil
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	ct := h.Get("Content-Type")
	m, _, err := parseMediaRange(ct)
	if err != nil || !m.isJSON() {
		return nil
	}
	mt := ref.Value.Content.Get(ct)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// stripBody removes undeclared members from a JSON response body. A body it
// cannot parse is returned as is, for validation to refuse.
func stripBody(op *openapi3.Operation, status int, h http.Header, body []byte) []byte {
	s := responseSchema(op, status, h)
	if s == nil || len(body) == 0 {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep numbers exactly as the upstream wrote them
	var value any
	if err := dec.Decode(&value); err != nil {
		return body
	}
	if _, err := dec.Token(); err != io.EOF {
		return body // trailing data: let validation refuse it
	}
	if !strip(value, s, 0) {
		return body
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return body
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// maxStripDepth bounds recursion; encoding/json itself refuses deeper input.
const maxStripDepth = 10_000

// strip removes, in place, the members of value that s does not declare, and
// reports whether it removed anything.
func strip(value any, s *openapi3.Schema, depth int) bool {
	if s == nil || depth > maxStripDepth {
		return false
	}
	changed := false
	switch v := value.(type) {
	case map[string]any:
		shape := shapeOf(s)
		if !shape.declaresMembers() {
			return false // free-form object
		}
		for k, child := range v {
			cs, ok := shape.member(k)
			if !ok {
				delete(v, k)
				changed = true
				continue
			}
			if strip(child, cs, depth+1) {
				changed = true
			}
		}
	case []any:
		for i, child := range v {
			if strip(child, itemSchema(s, i), depth+1) {
				changed = true
			}
		}
	}
	return changed
}
