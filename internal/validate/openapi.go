package validate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// spec is a loaded, validated OpenAPI document and what is derived from it
// once at load time. It is never modified after loadSpec returns.
type spec struct {
	doc     *openapi3.T
	router  routers.Router
	methods []string // every method some path declares, sorted, for Allow
	ops     map[*openapi3.Operation]*operation
	opts    *openapi3filter.Options // request and response validation options
}

// operation holds the media types of one OpenAPI operation.
type operation struct {
	consumes []mediaRange // requestBody content keys; empty: no body accepted
	produces []mediaRange // content keys of every response; empty: not negotiated
}

// loadSpec loads file, resolves its references (only files inside the
// document's own directory: no URL is ever fetched, so a document cannot be
// used for SSRF or to read arbitrary files), validates it and builds the
// router. OpenAPI 3.0, 3.1 (JSON Schema 2020-12) and the parts of 3.2 that
// kin-openapi supports are accepted; Swagger 2.0 is not.
func loadSpec(ctx context.Context, file string) (*spec, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	defer root.Close()

	loader := &openapi3.Loader{
		Context: ctx,
		// The reader below owns the policy; the flag only lets refs reach it.
		IsExternalRefsAllowed: true,
		ReadFromURIFunc:       confinedReader(root, filepath.Dir(abs)),
	}
	doc, err := loader.LoadFromFile(abs)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if doc.OpenAPI == "" || !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, fmt.Errorf("unsupported version %q: OpenAPI 3.0 or 3.1 is required", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	// Paths are full public paths (interface.md "Routes"): servers play no
	// part in matching. The legacy router would otherwise try to match their
	// scheme and host against the request.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	s := &spec{doc: doc, router: router, ops: map[*openapi3.Operation]*operation{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !slices.Contains(s.methods, method) {
				s.methods = append(s.methods, method)
			}
			o, err := newOperation(op)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			s.ops[op] = o
		}
	}
	slices.Sort(s.methods)
	s.opts = &openapi3filter.Options{
		// Authentication is the gateway's job (R1, R6), before validation.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		MultiError:         true,
		// Defaults would be written into the caller's URL and headers; the
		// upstream receives the request as sent.
		SkipSettingDefaults:     true,
		SchemaValidationOptions: formatOptions(doc.IsOpenAPI31OrLater()),
	}
	return s, nil
}

// formatOptions enables the formats that kin-openapi does not check by
// default, per validation (no package-global registration).
func formatOptions(is31 bool) []openapi3.SchemaValidationOption {
	opts := []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
			"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
			"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
			"ipv4":  openapi3.NewIPValidator(true),
			"ipv6":  openapi3.NewIPValidator(false),
		}),
	}
	if !is31 {
		// Keep schemas and values out of kin's messages. Not allowed with the
		// JSON Schema 2020-12 validator used for 3.1; we never show kin's
		// messages anyway (see translate).
		opts = append(opts, openapi3.DisableSchemaErrorDetails())
	}
	return opts
}

func newOperation(op *openapi3.Operation) (*operation, error) {
	o := &operation{}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range op.RequestBody.Value.Content {
				if !yield(k) {
					return
				}
			}
		})
		var err error
		if o.consumes, err = parseContentKeys(keys); err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
	}
	if op.Responses != nil {
		for code, ref := range op.Responses.Map() {
			if ref == nil || ref.Value == nil {
				continue
			}
			for k := range ref.Value.Content {
				ms, err := parseContentKeys([]string{k})
				if err != nil {
					return nil, fmt.Errorf("response %s: %w", code, err)
				}
				for _, m := range ms {
					if !slices.Contains(o.produces, m) {
						o.produces = append(o.produces, m)
					}
				}
			}
		}
	}
	return o, nil
}

// parseContentKeys parses content map keys; a key may list several types
// separated by commas ("a/b, c/d"), as kin-openapi accepts.
func parseContentKeys(keys []string) ([]mediaRange, error) {
	var out []mediaRange
	for _, k := range keys {
		for part := range strings.SplitSeq(k, ",") {
			m, _, err := parseMediaRange(strings.TrimSpace(part))
			if err != nil {
				return nil, fmt.Errorf("content type %q: %w", k, err)
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// confinedReader reads a referenced document only if it is a local file
// inside dir (through root, which also refuses symlinks that leave it).
func confinedReader(root *os.Root, dir string) openapi3.ReadFromURIFunc {
	return func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if (u.Scheme != "" && u.Scheme != "file") || u.Host != "" || u.Opaque != "" || u.User != nil {
			return nil, fmt.Errorf("reference %q: only files in the document's directory may be referenced", redactURL(u))
		}
		p := filepath.FromSlash(u.Path)
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("reference %q: only files in the document's directory may be referenced", u.Path)
		}
		b, err := root.ReadFile(rel)
		if err != nil {
			return nil, fmt.Errorf("reference %q: %w", rel, err)
		}
		return b, nil
	}
}

// redactURL drops credentials and query from a URL before it goes into an error.
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}

// findRoute maps r to its operation. No path: 404. A path without r's
// method: 405 with the methods it has.
func (s *spec) findRoute(r *http.Request) (*routers.Route, map[string]string, *Error) {
	route, params, err := s.match(r)
	if err == nil {
		return route, params, nil
	}
	var allow []string
	for _, m := range s.methods {
		if m == r.Method {
			continue
		}
		if _, _, err := s.match(&http.Request{Method: m, URL: r.URL}); err == nil {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		e := newError(http.StatusMethodNotAllowed, TitleMethodNotAllowed, "", causef(ErrNoRoute, "method %s", safeMethod(r.Method)))
		e.Allow = allow
		return nil, nil, e
	}
	var re *routers.RouteError
	if !errors.As(err, &re) {
		return nil, nil, newError(http.StatusNotFound, TitleNotFound, "", causef(ErrNoRoute, "router: %T", err))
	}
	return nil, nil, newError(http.StatusNotFound, TitleNotFound, "", causef(ErrNoRoute, "path"))
}

// errLooseMatch reports a match of the legacy router that is not exact.
var errLooseMatch = &routers.RouteError{Reason: "inexact match"}

// match is the legacy router's FindRoute made exact (A9: no path the document
// does not declare reaches the upstream). The router ignores a trailing slash
// and lets a template variable match an empty segment ("/orders" matches
// "/orders/{id}" with id ""), and any variable may be "." or "..", which an
// upstream would resolve to another path. So a match counts only if the path
// rebuilt from the template and the variables is exactly the request's path,
// no variable is empty, and no segment of the path is a dot segment
// (RFC 3986 §3.3).
func (s *spec) match(r *http.Request) (*routers.Route, map[string]string, error) {
	p := r.URL.Path
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return nil, nil, errLooseMatch
		}
	}
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range params {
		if v == "" {
			return nil, nil, errLooseMatch
		}
	}
	if expand(route.Path, params) != p {
		return nil, nil, errLooseMatch
	}
	return route, params, nil
}

// expand substitutes params into an OpenAPI path template ("{id}", and the
// legacy router's "{rest*}").
func expand(template string, params map[string]string) string {
	var b strings.Builder
	b.Grow(len(template) + 32)
	for {
		i := strings.IndexByte(template, '{')
		if i < 0 {
			b.WriteString(template)
			return b.String()
		}
		j := strings.IndexByte(template[i:], '}')
		if j < 0 {
			b.WriteString(template)
			return b.String()
		}
		b.WriteString(template[:i])
		name := strings.TrimSuffix(strings.TrimSpace(template[i+1:i+j]), "*")
		b.WriteString(params[name])
		template = template[i+j+1:]
	}
}

// safeMethod bounds a caller-chosen method name before it is logged.
func safeMethod(m string) string {
	if len(m) > 16 {
		m = m[:16]
	}
	return fmt.Sprintf("%q", m)
}
