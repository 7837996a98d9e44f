package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/hygiene"
	"github.com/rempart/rempart/internal/policy"
	"github.com/rempart/rempart/internal/validate"
)

// Auth modes of an API or route.
const (
	AuthOAuth2 = "oauth2"  // RFC 6750 bearer access token (JWT, RFC 9068)
	AuthPublic = "public"  // no credential
	AuthAPIKey = "api_key" // an API key (A1) naming the API
)

// table is the compiled route table: immutable after New.
type table struct {
	apis    []*api // sorted by prefix length, longest first
	limited bool   // some API or route has a rate limit
}

// api is one compiled API: its routes and the stages it uses. A stage the
// API does not use is nil (or false) and costs one comparison per request.
type api struct {
	index       int // position in Config.APIs: index of per-API caches
	name        string
	prefix      string // canonical, no trailing "/"; "" is the root prefix "/"
	upstream    *url.URL
	stripPrefix bool
	all         *route   // the route serving every path when routes is nil
	routes      []*route // most specific first; nil = every path under prefix

	disabled        bool                // 410 Gone (A9)
	ipFilter        *hygiene.IPFilter   // nil: every address
	cors            *corsPolicy         // nil: no CORS
	deprecation     []headerField       // Deprecation, Sunset, Link (RFC 9745, RFC 8594)
	validator       *validate.Validator // media types, OpenAPI, JSON limits
	validateAlways  bool                // validate bodiless requests too (OpenAPI or content_types)
	validateResp    bool                // response_validation block or strip
	policy          *policy.Program     // nil: none
	maxBody         int64
	upstreamTimeout time.Duration // 0: the transport's
}

// route is one compiled route: what a matched request needs.
type route struct {
	api       *api
	index     int             // position in API.Routes; -1 for api.all
	methods   []string        // sorted; nil for api.all (any method)
	segs      []segment       // path template below the root
	auth      string          // AuthOAuth2, AuthAPIKey or AuthPublic
	scopes    []string        // required scopes (all of them)
	challenge string          // WWW-Authenticate for insufficient_scope (RFC 6750 §3.1)
	limit     *limitRule      // the route's, else the API's; nil: unlimited
	policy    *policy.Program // the route's own, in addition to the API's
}

// segment is one template segment: a literal or a {name} parameter.
type segment struct {
	lit   string
	param string // non-empty: matches any one non-empty segment
}

// allowAllButTrace is the Allow header of an API without routes.
var allowAllButTrace = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// Routing errors.
var (
	errNoRoute  = errors.New("gateway: no route")
	errNoMethod = errors.New("gateway: method not allowed")
)

// compile validates cfg's APIs and builds the route table and each API's
// stages, reporting every problem it finds.
func compile(cfg Config) (*table, error) {
	t := &table{}
	var errs []error
	names := map[string]bool{}
	prefixes := map[string]string{}
	for i, a := range cfg.APIs {
		ca, err := compileAPI(i, a)
		if err == nil {
			err = compileStages(ca, a, cfg)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("api %d (%q): %w", i, a.Name, err))
			continue
		}
		t.limited = t.limited || ca.all.limit != nil || slices.ContainsFunc(ca.routes, func(r *route) bool { return r.limit != nil })
		if names[ca.name] {
			errs = append(errs, fmt.Errorf("api %d: duplicate name %q", i, a.Name))
		}
		names[ca.name] = true
		if other, dup := prefixes[ca.prefix]; dup {
			errs = append(errs, fmt.Errorf("api %d (%q): path_prefix %q already used by %q", i, a.Name, a.PathPrefix, other))
		}
		prefixes[ca.prefix] = ca.name
		t.apis = append(t.apis, ca)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortStableFunc(t.apis, func(a, b *api) int { return len(b.prefix) - len(a.prefix) })
	return t, nil
}

func compileAPI(index int, a API) (*api, error) {
	var errs []error
	if a.Name == "" || strings.ContainsAny(a.Name, " \t\r\n\"\\,") {
		errs = append(errs, errors.New("name must be non-empty without spaces, quotes, commas or backslashes"))
	}
	prefix, err := normalizePath(a.PathPrefix)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("path_prefix: %w", err))
	case prefix != a.PathPrefix && prefix != a.PathPrefix+"/":
		errs = append(errs, fmt.Errorf("path_prefix %q is not canonical (write %q)", a.PathPrefix, prefix))
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if a.Upstream == nil || (a.Upstream.Scheme != "http" && a.Upstream.Scheme != "https") || a.Upstream.Host == "" {
		errs = append(errs, errors.New("upstream must be an absolute http or https URL"))
	} else if a.Upstream.User != nil || a.Upstream.RawQuery != "" || a.Upstream.Fragment != "" {
		errs = append(errs, errors.New("upstream must not carry user info, query or fragment"))
	}
	auth, err := checkAuth(a.Auth)
	if err != nil {
		errs = append(errs, err)
	}
	if auth != AuthOAuth2 && len(a.Scopes) > 0 {
		errs = append(errs, errors.New("scopes need auth oauth2"))
	}
	if err := checkScopes(a.Scopes); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ca := &api{index: index, name: a.Name, prefix: prefix, upstream: a.Upstream, stripPrefix: a.StripPrefix}
	ca.all = newRoute(ca, nil, nil, auth, a.Scopes)
	ca.all.index = -1
	for j, r := range a.Routes {
		cr, err := compileRoute(ca, auth, a.Scopes, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("route %d (%q): %w", j, r.Path, err))
			continue
		}
		cr.index = j
		for _, other := range ca.routes {
			if sameTemplate(other.segs, cr.segs) && overlaps(other.methods, cr.methods) {
				errs = append(errs, fmt.Errorf("route %d (%q): duplicates an earlier route", j, r.Path))
			}
		}
		ca.routes = append(ca.routes, cr)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Literal segments win over parameters: "/orders/export" before "/orders/{id}".
	slices.SortStableFunc(ca.routes, func(a, b *route) int { return strings.Compare(shape(a.segs), shape(b.segs)) })
	return ca, nil
}

func compileRoute(a *api, apiAuth string, apiScopes []string, r Route) (*route, error) {
	var errs []error
	if len(r.Methods) == 0 {
		errs = append(errs, errors.New("no methods"))
	}
	var methods []string
	for _, m := range r.Methods {
		if m == "" || strings.ToUpper(m) != m || strings.ContainsFunc(m, func(c rune) bool { return !isTokenChar(c) }) {
			errs = append(errs, fmt.Errorf("method %q is not an upper-case HTTP method", m))
			continue
		}
		if !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	slices.Sort(methods)
	segs, err := parseTemplate(r.Path)
	if err != nil {
		errs = append(errs, err)
	} else if !withinPrefix(segs, a.prefix) {
		errs = append(errs, fmt.Errorf("path is not under path_prefix %q", a.prefix))
	}
	auth := apiAuth
	if r.Auth != "" {
		if auth, err = checkAuth(r.Auth); err != nil {
			errs = append(errs, err)
		}
	}
	scopes := apiScopes
	if r.Scopes != nil {
		scopes = r.Scopes
	}
	if err := checkScopes(r.Scopes); err != nil {
		errs = append(errs, err)
	}
	if auth != AuthOAuth2 && len(r.Scopes) > 0 {
		errs = append(errs, errors.New("scopes need auth oauth2"))
	}
	if auth != AuthOAuth2 {
		scopes = nil
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return newRoute(a, methods, segs, auth, scopes), nil
}

func newRoute(a *api, methods []string, segs []segment, auth string, scopes []string) *route {
	r := &route{api: a, methods: methods, segs: segs, auth: auth, scopes: slices.Clone(scopes)}
	if len(scopes) > 0 {
		r.challenge = `Bearer realm="rempart", error="insufficient_scope", scope="` + strings.Join(scopes, " ") + `"`
	}
	return r
}

// checkAuth validates an auth mode.
func checkAuth(s string) (string, error) {
	switch s {
	case AuthOAuth2, AuthAPIKey, AuthPublic:
		return s, nil
	case "":
		return "", errors.New(`auth is required ("oauth2", "api_key" or "public")`)
	}
	return "", fmt.Errorf("auth %q: want \"oauth2\", \"api_key\" or \"public\"", s)
}

// checkScopes refuses scope tokens that RFC 6749 §3.3 does not allow (they
// would also break the WWW-Authenticate scope attribute).
func checkScopes(scopes []string) error {
	for _, s := range scopes {
		if s == "" {
			return errors.New("empty scope")
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
				return fmt.Errorf("scope %q: invalid character", s)
			}
		}
	}
	return nil
}

// parseTemplate parses a route path: a canonical absolute path whose
// segments are literals or "{name}" parameters.
func parseTemplate(p string) ([]segment, error) {
	if p == "" || p[0] != '/' {
		return nil, errors.New("path must start with /")
	}
	if p == "/" {
		return nil, nil
	}
	var segs []segment
	params := map[string]bool{}
	for _, s := range strings.Split(p[1:], "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			name := s[1 : len(s)-1]
			if name == "" || strings.ContainsFunc(name, func(c rune) bool { return !isNameChar(c) }) {
				return nil, fmt.Errorf("parameter %q: want {name} with letters, digits or _", s)
			}
			if params[name] {
				return nil, fmt.Errorf("parameter %q appears twice", s)
			}
			params[name] = true
			segs = append(segs, segment{param: name})
			continue
		}
		canon, err := normalizePath("/" + s)
		if err != nil || canon != "/"+s || strings.ContainsAny(s, "{}") {
			return nil, fmt.Errorf("segment %q is not canonical", s)
		}
		segs = append(segs, segment{lit: s})
	}
	return segs, nil
}

// withinPrefix reports whether every path the template matches is under prefix.
func withinPrefix(segs []segment, prefix string) bool {
	if prefix == "" {
		return true
	}
	ps := strings.Split(prefix[1:], "/")
	if len(segs) < len(ps) {
		return false
	}
	for i, p := range ps {
		if segs[i].param != "" || segs[i].lit != p {
			return false
		}
	}
	return true
}

// match returns the API whose prefix holds the canonical path (nil when
// none does) and the route serving method there. Longest
// prefix wins and there is no fallback to a shorter prefix: a path under
// "/orders/admin" that no route of that API serves is 404 even if "/orders"
// would serve it. Errors: errNoRoute (404); errNoMethod (405) with the
// allowed methods.
func (t *table) match(method, path string) (*api, *route, []string, error) {
	for _, a := range t.apis {
		if !underPrefix(path, a.prefix) {
			continue
		}
		if a.routes == nil {
			if method == http.MethodTrace {
				// TRACE would echo the request, Rempart-Identity included,
				// back to the caller; declare it in a route to serve it.
				return a, nil, allowAllButTrace, errNoMethod
			}
			return a, a.all, nil, nil
		}
		var allow []string
		for _, r := range a.routes {
			if !matchSegments(r.segs, path) {
				continue
			}
			if slices.Contains(r.methods, method) {
				return a, r, nil, nil
			}
			allow = append(allow, r.methods...)
		}
		if allow == nil {
			return a, nil, nil, errNoRoute
		}
		slices.Sort(allow)
		return a, nil, slices.Compact(allow), errNoMethod
	}
	return nil, nil, nil, errNoRoute
}

// underPrefix reports a segment-aligned prefix match: "/orders" matches
// "/orders" and "/orders/…", never "/orders-admin".
func underPrefix(path, prefix string) bool {
	if prefix == "" {
		return true
	}
	return strings.HasPrefix(path, prefix) && (len(path) == len(prefix) || path[len(prefix)] == '/')
}

// matchSegments matches a canonical path against a template without
// allocating. A parameter matches exactly one non-empty segment; a trailing
// "/" is an extra empty segment, so "/orders/" does not match "/orders".
func matchSegments(segs []segment, path string) bool {
	rest := path[1:]
	if len(segs) == 0 {
		return rest == ""
	}
	for i, s := range segs {
		seg, after, more := strings.Cut(rest, "/")
		if s.param != "" {
			if seg == "" {
				return false
			}
		} else if seg != s.lit {
			return false
		}
		if more != (i < len(segs)-1) {
			return false
		}
		rest = after
	}
	return true
}

// sameTemplate reports templates that match exactly the same paths.
func sameTemplate(a, b []segment) bool {
	return slices.EqualFunc(a, b, func(x, y segment) bool {
		return (x.param != "") == (y.param != "") && x.lit == y.lit
	})
}

func overlaps(a, b []string) bool {
	return slices.ContainsFunc(a, func(m string) bool { return slices.Contains(b, m) })
}

// shape orders templates of the same length: a literal ("0") sorts before
// a parameter ("1") at the first position where they differ.
func shape(segs []segment) string {
	b := make([]byte, len(segs))
	for i, s := range segs {
		b[i] = '0'
		if s.param != "" {
			b[i] = '1'
		}
	}
	return string(b)
}

// isTokenChar reports RFC 9110 §5.6.2 tchar.
func isTokenChar(c rune) bool {
	return c < 0x7f && c > 0x20 && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
}

func isNameChar(c rune) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
