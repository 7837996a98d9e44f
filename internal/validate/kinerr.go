package validate

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Translation of kin-openapi errors into *Error. kin's messages contain the
// schema (patterns, enums, limits) and for OpenAPI 3.1 the offending value, so
// none of their text is kept: the public Title is ours, the Location is built
// from structured fields, and the log-only cause names the schema keyword.

// translateRequest turns the error of openapi3filter.ValidateRequest into an
// *Error. body is the parsed JSON body (nil if none) and bodySchema the
// schema of the body's media type (nil if unknown).
func translateRequest(err error, body any, bodySchema *openapi3.Schema) *Error {
	re := firstRequestError(err)
	if re == nil {
		return newError(http.StatusBadRequest, TitleInvalidValue, "", causef(ErrSchema, "unclassified %T", err))
	}
	if p := re.Parameter; p != nil {
		loc := p.In + "." + p.Name
		switch {
		case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
			return newError(http.StatusBadRequest, TitleMissingParameter, loc, causef(ErrSchema, "required parameter"))
		case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
			return newError(http.StatusBadRequest, TitleInvalidValue, loc, causef(ErrSchema, "empty parameter"))
		}
		var pe *openapi3filter.ParseError
		if errors.As(re.Err, &pe) {
			return newError(http.StatusBadRequest, TitleMalformedParam, loc, causef(ErrSchema, "parameter does not parse"))
		}
		if se := leafSchemaError(re.Err); se != nil {
			var schema *openapi3.Schema
			if p.Schema != nil {
				schema = p.Schema.Value
			}
			return fromSchemaError(loc, se, nil, schema)
		}
		return newError(http.StatusBadRequest, TitleInvalidValue, loc, causef(ErrSchema, "parameter: %T", re.Err))
	}
	// The body (RequestBody set), or a request-level error.
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return newError(http.StatusBadRequest, TitleMissingBody, "body", causef(ErrSchema, "required body"))
	case re.Err == nil && strings.Contains(re.Reason, "Content-Type"):
		// Content negotiation ran first; this is a safety net.
		return newError(http.StatusUnsupportedMediaType, TitleUnsupportedMedia, "header.Content-Type", causef(ErrMediaType, "request body media type"))
	}
	var pe *openapi3filter.ParseError
	if errors.As(re.Err, &pe) {
		return newError(http.StatusBadRequest, TitleMalformedJSON, "body", causef(ErrSchema, "body does not decode"))
	}
	if se := leafSchemaError(re.Err); se != nil {
		return fromSchemaError("body", se, body, bodySchema)
	}
	return newError(http.StatusBadRequest, TitleInvalidValue, "body", causef(ErrSchema, "body: %T", re.Err))
}

// firstRequestError returns the first *RequestError in err (kin returns a
// MultiError of them, parameters first in document order, then the body).
func firstRequestError(err error) *openapi3filter.RequestError {
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		return e
	case openapi3.MultiError:
		for _, x := range e {
			if re := firstRequestError(x); re != nil {
				return re
			}
		}
	}
	return nil
}

// leafSchemaError returns the innermost, first *SchemaError in err: the one
// about a concrete value rather than a group (allOf, a 3.1 wrapper, …).
func leafSchemaError(err error) *openapi3.SchemaError {
	switch e := err.(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		for _, x := range e {
			if se := leafSchemaError(x); se != nil {
				return se
			}
		}
		return nil
	case *openapi3.SchemaError:
		if e.Origin != nil {
			if se := leafSchemaError(e.Origin); se != nil {
				return se
			}
		}
		return e
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			if se := leafSchemaError(x); se != nil {
				return se
			}
		}
		return nil
	case interface{ Unwrap() error }:
		return leafSchemaError(e.Unwrap())
	}
	return nil
}

// fromSchemaError builds the *Error for se, found under root ("body",
// "query.filter"). value is the validated value when known (the body), and
// schema its schema, to name missing and unexpected properties.
func fromSchemaError(root string, se *openapi3.SchemaError, value any, schema *openapi3.Schema) *Error {
	ptr := se.JSONPointer()
	field := se.SchemaField
	title := TitleInvalidValue
	switch field {
	case "type", "nullable":
		title = TitleWrongType
	case "required":
		title = TitleMissingProperty
		// OpenAPI 3.0 errors point at the missing property; 3.1 ones (converted
		// from the JSON Schema 2020-12 validator) at the object.
		if obj, ok := valueAt(value, ptr).(map[string]any); ok {
			if k := missingProperty(obj, subschemaOr(se, schema, value, ptr)); k != "" {
				ptr = append(ptr, k)
			}
		}
	case "":
		// JSON Schema 2020-12 "false schema" (3.1): nothing is allowed here, as
		// for a member refused by "unevaluatedProperties: false".
		if n := len(ptr); n > 0 {
			if obj, ok := valueAt(value, ptr[:n-1]).(map[string]any); ok {
				if _, present := obj[ptr[n-1]]; present {
					title = TitleUnexpectedField
				}
			}
		}
	case "properties", "additionalProperties", "unevaluatedProperties":
		// 3.0 reports an unsupported property with field "properties" and a
		// pointer at the object.
		if obj, ok := valueAt(value, ptr).(map[string]any); ok {
			if k := unexpectedProperty(obj, subschemaOr(se, schema, value, ptr)); k != "" {
				title = TitleUnexpectedField
				ptr = append(ptr, k)
			}
		}
	}
	loc := renderSteps(root, pointerSteps(value, ptr))
	// The log-only cause names the keyword and the location, never the value.
	return newError(http.StatusBadRequest, title, loc, causef(ErrSchema, "keyword %q at %s", field, loc))
}

// subschemaOr returns the schema that failed: the one kin attached (3.0), or
// the one found by following ptr from root (3.1).
func subschemaOr(se *openapi3.SchemaError, root *openapi3.Schema, value any, ptr []string) *openapi3.Schema {
	if se.Schema != nil {
		return se.Schema
	}
	return subschema(root, value, ptr)
}

// missingProperty returns the first required property of s absent from obj.
func missingProperty(obj map[string]any, s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	var req []string
	var collect func(*openapi3.Schema, int)
	collect = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > maxCompose {
			return
		}
		req = append(req, s.Required...)
		for _, b := range s.AllOf {
			if b != nil {
				collect(b.Value, depth+1)
			}
		}
	}
	collect(s, 0)
	slices.Sort(req)
	for _, k := range req {
		if _, ok := obj[k]; !ok {
			return k
		}
	}
	return ""
}

// unexpectedProperty returns the first member of obj (in key order) that s
// does not declare.
func unexpectedProperty(obj map[string]any, s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	shape := shapeOf(s)
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := shape.member(k); !ok {
			return k
		}
	}
	return ""
}
