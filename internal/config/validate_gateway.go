package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

func validateGateway(f *findings, g *Gateway) {
	if msg := checkURL(g.PublicURL, g.InsecurePlaintext); msg != "" {
		f.err("gateway.public_url", "%s (when listen has no host, set public_url explicitly)", msg)
	} else if strings.HasSuffix(g.PublicURL, "/") {
		f.err("gateway.public_url", "must not end with / (API path prefixes are appended to it)")
	}
	if g.MaxBody <= 0 {
		f.err("gateway.max_body", "must be greater than zero")
	}
	checkAddrs(f, "gateway.trusted_proxies", g.TrustedProxies)
	names := make(map[string]int)
	prefixes := make(map[string]int)
	for i := range g.APIs {
		api := &g.APIs[i]
		p := fmt.Sprintf("gateway.apis[%d]", i)
		if j, dup := names[api.Name]; dup && api.Name != "" {
			f.err(p+".name", "same name as gateway.apis[%d]", j)
		} else {
			names[api.Name] = i
		}
		if j, dup := prefixes[api.PathPrefix]; dup && api.PathPrefix != "" {
			f.err(p+".path_prefix", "same path_prefix as gateway.apis[%d]", j)
		} else {
			prefixes[api.PathPrefix] = i
		}
		validateAPI(f, p, g, api)
	}
}

func validateAPI(f *findings, p string, g *Gateway, api *API) {
	if msg := checkName(api.Name); msg != "" {
		f.err(p+".name", "%s", msg)
	}
	if msg := checkPath(api.PathPrefix, false); msg != "" {
		f.err(p+".path_prefix", "%s", msg)
	}
	if msg := checkURL(api.Upstream, true); msg != "" {
		f.err(p+".upstream", "%s", msg)
	}
	if !isAuth(api.Auth) {
		f.err(p+".auth", "must be oauth2, api_key or public")
	}
	checkScopes(f, p+".scopes", api.Scopes, api.Auth)
	validateRoutes(f, p, api)
	for i, ct := range api.ContentTypes {
		if !isMediaType(ct) {
			f.err(fmt.Sprintf("%s.content_types[%d]", p, i), "must be a media type such as application/json")
		}
	}
	checkFile(f, p+".openapi", api.OpenAPI)
	switch api.ResponseValidation {
	case "", "off":
	case "block", "strip":
		if api.OpenAPI == "" {
			f.err(p+".response_validation", "%s needs openapi: responses are validated against it", api.ResponseValidation)
		}
	default:
		f.err(p+".response_validation", "must be block, strip or off")
	}
	validateRateLimit(f, p+".rate_limit", api.RateLimit)
	switch api.SenderConstraint {
	case SenderNone, SenderDPoP:
	case SenderMTLS:
		if g.TLS == nil || g.TLS.ClientCAFile == "" {
			f.err(p+".sender_constraint", "mtls needs gateway.tls.client_ca_file (A2)")
		}
	default:
		f.err(p+".sender_constraint", "must be none, dpop or mtls")
	}
	if api.MaxBody < 0 {
		f.err(p+".max_body", "must be greater than zero")
	}
	if api.UpstreamTimeout < 0 {
		f.err(p+".upstream_timeout", "must not be negative")
	}
	if d := api.Deprecated; d != nil {
		sunset, errSunset := ParseDate(d.Sunset)
		if errSunset != nil {
			f.err(p+".deprecated.sunset", "must be a date (2006-01-02), an RFC 3339 time or an HTTP date")
		}
		if d.Since != "" {
			since, err := ParseDate(d.Since)
			switch {
			case err != nil:
				f.err(p+".deprecated.since", "must be a date (2006-01-02), an RFC 3339 time or an HTTP date")
			case errSunset == nil && sunset.Before(since):
				f.err(p+".deprecated.sunset", "must not be earlier than deprecated.since (RFC 9745)")
			}
		}
		if d.Link != "" {
			if msg := checkURL(d.Link, true); msg != "" {
				f.err(p+".deprecated.link", "%s", msg)
			}
		}
	}
	validateCORS(f, p+".cors", api.CORS)
	checkAddrs(f, p+".allow_ips", api.AllowIPs)
	checkAddrs(f, p+".deny_ips", api.DenyIPs)
}

func validateRoutes(f *findings, p string, api *API) {
	seen := make(map[string]int) // "METHOD path-shape" → route index
	for i, r := range api.Routes {
		rp := fmt.Sprintf("%s.routes[%d]", p, i)
		if len(r.Methods) == 0 {
			f.err(rp+".methods", "at least one method is required")
		}
		for j, m := range r.Methods {
			if msg := checkMethod(m); msg != "" {
				f.err(fmt.Sprintf("%s.methods[%d]", rp, j), "%s", msg)
			}
		}
		msg := checkPath(r.Path, true)
		switch {
		case msg != "":
			f.err(rp+".path", "%s", msg)
		case api.PathPrefix != "/" && r.Path != api.PathPrefix && !strings.HasPrefix(r.Path, api.PathPrefix+"/"):
			f.err(rp+".path", "must start with the API's path_prefix (route paths are full public paths)")
		}
		auth := api.Auth
		if r.Auth != "" {
			auth = r.Auth
			if !isAuth(r.Auth) {
				f.err(rp+".auth", "must be oauth2, api_key or public")
			}
		}
		checkScopes(f, rp+".scopes", r.Scopes, auth)
		validateRateLimit(f, rp+".rate_limit", r.RateLimit)
		shape := paramShape(r.Path)
		for _, m := range r.Methods {
			key := m + " " + shape
			if j, dup := seen[key]; dup {
				f.err(rp, "same method and path as %s.routes[%d]", p, j)
				break
			}
			seen[key] = i
		}
	}
}

func isAuth(s string) bool {
	return s == AuthOAuth2 || s == AuthAPIKey || s == AuthPublic
}

// checkName checks an API name: [a-z0-9][a-z0-9_-]*, at most 63 bytes.
func checkName(s string) string {
	if s == "" {
		return "required"
	}
	if len(s) > maxAPINameLength {
		return "must be at most 63 characters"
	}
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_')) {
			return "must match [a-z0-9][a-z0-9_-]*"
		}
	}
	return ""
}

// checkPath checks a path prefix or, with params, a route path. Paths are
// compared as written, so anything a client or an upstream could decode
// differently (%, \, ;, dot segments, empty segments) is refused.
func checkPath(s string, params bool) string {
	switch {
	case s == "":
		return "required"
	case s[0] != '/':
		return "must start with /"
	case s == "/":
		return ""
	case strings.HasSuffix(s, "/"):
		return "must not end with /"
	case strings.Contains(s, "//"):
		return "must not contain //"
	case strings.Contains(s, ".."):
		return "must not contain .."
	case strings.Contains(s, "%"):
		return "must not contain % (write the path decoded)"
	case strings.ContainsAny(s, `\;`):
		return `must not contain \ or ;`
	}
	names := make(map[string]bool)
	for seg := range strings.SplitSeq(s[1:], "/") {
		if seg == "." {
			return "must not contain . segments"
		}
		if strings.HasPrefix(seg, "{") && params {
			name, ok := strings.CutSuffix(seg[1:], "}")
			if !ok || !isIdentifier(name) {
				return "a parameter must be a whole segment {name}, name made of letters, digits and _"
			}
			if names[name] {
				return "a parameter name appears twice"
			}
			names[name] = true
			continue
		}
		for _, c := range seg {
			if !isPathChar(c) {
				if c == '{' || c == '}' {
					return "braces are only allowed around a whole route parameter segment {name}"
				}
				return "contains a character that is not allowed (letters, digits and - . _ ~ ! $ & ' ( ) * + , = : @)"
			}
		}
	}
	return ""
}

// isPathChar reports whether c is an RFC 3986 pchar other than % and ;.
func isPathChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.ContainsRune("-._~!$&'()*+,=:@", c)
}

func isIdentifier(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// paramShape replaces parameter names so that /a/{x} and /a/{y} compare equal.
func paramShape(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// checkMethod checks an HTTP method: an RFC 9110 token, uppercase, and
// not TRACE or CONNECT.
func checkMethod(m string) string {
	if !isToken(m) {
		return "must be an HTTP method such as GET or POST"
	}
	if strings.ToUpper(m) != m {
		return "must be uppercase (HTTP methods are case-sensitive: GET, not get)"
	}
	if m == "TRACE" || m == "CONNECT" {
		return "TRACE and CONNECT are not allowed through the gateway"
	}
	return ""
}

// isToken reports whether s is an RFC 9110 §5.6.2 token.
func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return s != ""
}

// checkScopes checks scope tokens (RFC 6749 §3.3) and refuses scopes
// where the effective auth cannot enforce them (a user must not believe a
// scope protects a route that no token reaches).
func checkScopes(f *findings, path string, scopes []string, auth string) {
	for i, s := range scopes {
		if !isScopeToken(s) {
			f.err(fmt.Sprintf("%s[%d]", path, i), "must be a scope token (RFC 6749 §3.3: printable ASCII without space, \" or \\)")
		}
	}
	if len(scopes) > 0 && isAuth(auth) && auth != AuthOAuth2 {
		f.err(path, "scopes are only checked with auth: oauth2; remove them or change auth")
	}
}

// isMediaType reports whether s is type/subtype without parameters.
func isMediaType(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	return ok && isToken(typ) && isToken(sub)
}

// isScopeToken: 1*( %x21 / %x23-5B / %x5D-7E ).
func isScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E {
			return false
		}
	}
	return s != ""
}

func validateRateLimit(f *findings, path string, rl *RateLimit) {
	if rl == nil {
		return
	}
	if rl.Requests <= 0 {
		f.err(path+".requests", "must be greater than zero")
	}
	if rl.Per <= 0 {
		f.err(path+".per", "must be greater than zero")
	}
	switch rl.By {
	case ByClient, ByAPIKey, ByUser, ByIP:
	default:
		f.err(path+".by", "must be client, api_key, user or ip")
	}
}

func validateCORS(f *findings, path string, c *CORS) {
	if c == nil {
		return
	}
	if len(c.AllowOrigins) == 0 {
		f.err(path+".allow_origins", "at least one origin (or *) is required")
	}
	for i, o := range c.AllowOrigins {
		op := fmt.Sprintf("%s.allow_origins[%d]", path, i)
		if o == "*" {
			if c.AllowCredentials {
				f.err(op, "* cannot be combined with allow_credentials: list the origins")
			}
			continue
		}
		if !isOrigin(o) {
			f.err(op, "must be an exact origin scheme://host[:port] (no path, no wildcard) or *")
		}
	}
	for i, m := range c.AllowMethods {
		if msg := checkMethod(m); msg != "" {
			f.err(fmt.Sprintf("%s.allow_methods[%d]", path, i), "%s", msg)
		}
	}
	for i, h := range c.AllowHeaders {
		if !isToken(h) {
			f.err(fmt.Sprintf("%s.allow_headers[%d]", path, i), "must be a header name")
		}
	}
	if c.MaxAge < 0 {
		f.err(path+".max_age", "must not be negative")
	}
}

// isOrigin reports whether s is exactly scheme://host[:port].
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return false
	}
	return u.User == nil && u.Path == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" &&
		!strings.ContainsAny(s, "*#") && s == u.Scheme+"://"+u.Host
}

// checkAddrs checks a list of IP addresses or CIDR prefixes.
func checkAddrs(f *findings, path string, addrs []string) {
	for i, a := range addrs {
		if _, err := netip.ParsePrefix(a); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(a); err == nil {
			continue
		}
		f.err(fmt.Sprintf("%s[%d]", path, i), "must be an IP address or a CIDR prefix")
	}
}

// ParseDate parses a date of the configuration (deprecated.since and
// sunset): 2006-01-02 (midnight UTC), an RFC 3339 time or an HTTP date
// (RFC 9110 §5.6.7 IMF-fixdate).
func ParseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, time.RFC3339, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("config: %q is not a date (2006-01-02), an RFC 3339 time or an HTTP date", s)
}
