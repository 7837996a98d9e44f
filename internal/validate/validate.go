package validate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Response validation modes (Options.Response).
const (
	ResponseOff   = "off"   // responses pass unchecked (default)
	ResponseBlock = "block" // a response that does not match its schema becomes 502
	ResponseStrip = "strip" // undeclared properties are removed, then as block
)

// Options configures a Validator. It mirrors one API's configuration.
type Options struct {
	// OpenAPIFile is the path of the API's OpenAPI 3.0/3.1 document; "" for none.
	// Its paths are full public paths (path_prefix included); servers are ignored.
	OpenAPIFile string
	// ContentTypes lists the media types the API consumes and produces when
	// there is no OpenAPI document (e.g. "application/json"); wildcards such as
	// "application/*" are allowed. Empty: no media-type enforcement. With an
	// OpenAPI document each operation's own media types apply instead.
	ContentTypes []string
	// Limits bounds every JSON request body, with or without OpenAPI.
	Limits JSONLimits
	// Response is ResponseOff (or ""), ResponseBlock or ResponseStrip; the
	// last two need OpenAPIFile.
	Response string
}

// Validator checks requests (and optionally responses) of one API. It is
// built once at configuration load and is immutable: safe for concurrent use.
type Validator struct {
	types    []mediaRange // Options.ContentTypes, parsed
	limits   JSONLimits   // defaulted
	response string       // never ""
	spec     *spec        // nil without OpenAPI
}

// Request is what validation learnt about a request, for the policy stage.
type Request struct {
	// PathParams are the OpenAPI path template's variables ("id" for
	// /orders/{id}); nil without OpenAPI.
	PathParams map[string]string
	// Body is the parsed JSON body as encoding/json decodes it into an any
	// (map[string]any, []any, float64, string, bool, nil); nil when the body
	// is empty or not JSON.
	Body any
}

// New builds a Validator. Errors wrap ErrOptions or ErrOpenAPI and name the
// OpenAPI file and the problem, for `rempart config check`.
func New(ctx context.Context, o Options) (*Validator, error) {
	v := &Validator{limits: o.Limits.withDefaults(), response: o.Response}
	if v.response == "" {
		v.response = ResponseOff
	}
	switch v.response {
	case ResponseOff, ResponseBlock, ResponseStrip:
	default:
		return nil, fmt.Errorf("validate: %w: response_validation %q: want off, block or strip", ErrOptions, o.Response)
	}
	types, err := parseMediaRanges(o.ContentTypes)
	if err != nil {
		return nil, fmt.Errorf("validate: %w: content_types: %w", ErrOptions, err)
	}
	v.types = types
	if o.OpenAPIFile == "" {
		if v.response != ResponseOff {
			return nil, fmt.Errorf("validate: %w: response_validation %q needs an openapi document", ErrOptions, v.response)
		}
		return v, nil
	}
	if v.spec, err = loadSpec(ctx, o.OpenAPIFile); err != nil {
		return nil, fmt.Errorf("validate: %w: %s: %w", ErrOpenAPI, o.OpenAPIFile, err)
	}
	return v, nil
}

// HasOpenAPI reports whether v validates against an OpenAPI document.
func (v *Validator) HasOpenAPI() bool { return v.spec != nil }

// CheckRequest validates r, whose body the gateway has already read (bounded
// by max_body) into body; r.Body is not read. In order, cheap checks first:
//
//  1. with OpenAPI, the operation: no such path 404, no such method 405 (Allow);
//  2. Content-Type of a body against the consumed types (415, R13);
//  3. Accept against the produced types (406, R13);
//  4. JSON threat limits and well-formedness of a JSON body (400);
//  5. with OpenAPI, parameters (path, query, header, cookie) and body against
//     the operation's schemas (400, R14).
//
// A refusal is returned as *Error.
func (v *Validator) CheckRequest(r *http.Request, body []byte) (*Request, error) {
	var (
		route  *routers.Route
		params map[string]string
		op     *operation
	)
	if v.spec != nil {
		var e *Error
		if route, params, e = v.spec.findRoute(r); e != nil {
			return nil, e
		}
		if op = v.spec.ops[route.Operation]; op == nil {
			op = &operation{} // not expected; fail closed: no body accepted
		}
	}

	consumes, produces, enforce := v.types, v.types, len(v.types) > 0
	if op != nil {
		consumes, produces, enforce = op.consumes, op.produces, true
	}
	ct := r.Header.Get("Content-Type")
	hasBody := len(body) > 0 || r.ContentLength > 0 || slices.Contains(r.TransferEncoding, "chunked")
	var media mediaRange
	if hasBody && enforce {
		var e *Error
		if media, e = checkContentType(ct, consumes); e != nil {
			return nil, e
		}
	} else if hasBody {
		media, _, _ = parseMediaRange(ct)
	}
	if enforce && len(produces) > 0 {
		if e := checkAccept(r.Header.Values("Accept"), produces); e != nil {
			return nil, e
		}
	}

	req := &Request{PathParams: params}
	if len(body) > 0 && media.isJSON() {
		parsed, err := parseJSON(body, v.limits)
		if err != nil {
			return nil, err
		}
		req.Body = parsed
	}
	if route == nil {
		return req, nil
	}

	// kin reads the body from the request: give it a shallow copy with its own
	// reader, so neither r.Body nor r.URL/r.Header are touched.
	rc := r.WithContext(r.Context())
	u := *r.URL
	rc.URL = &u
	rc.Body = io.NopCloser(bytes.NewReader(body))
	rc.ContentLength = int64(len(body))
	rc.GetBody = nil
	in := &openapi3filter.RequestValidationInput{
		Request:    rc,
		PathParams: params,
		Route:      route,
		Options:    v.spec.opts,
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return nil, translateRequest(err, req.Body, bodySchema(route.Operation, ct))
	}
	return req, nil
}

// bodySchema returns the schema of the request body for Content-Type ct.
func bodySchema(op *openapi3.Operation, ct string) *openapi3.Schema {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get(ct)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}
