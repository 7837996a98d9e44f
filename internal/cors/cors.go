// Package cors applies a per-API cross-origin resource sharing policy at the
// gateway (A9: exposure is minimised). It implements the server side of the
// Fetch standard's CORS protocol (https://fetch.spec.whatwg.org/#http-cors-protocol):
// answering preflight requests and adding the Access-Control-* fields to
// actual responses.
//
// # Invariants
//
//   - Origins match exactly, byte for byte, against the configured list of
//     serialised origins ("https://app.example.com", "http://localhost:8080").
//     An unlisted origin is never reflected; there are no wildcard
//     subdomains, no regular expressions, no "null" (sandboxed documents,
//     file: URLs and redirects send it, so allowing it allows everyone).
//   - "*" allows every origin but only without credentials (Fetch: a
//     credentialed response must name the origin), so New refuses "*" with
//     AllowCredentials.
//   - Every response the policy touches carries "Vary: Origin" (preflights
//     also vary on the request method and headers), so a shared cache never
//     serves one origin's answer to another.
//   - Access-Control-* fields set by the upstream are removed by Apply: the
//     gateway's policy is the only one the browser sees.
//   - Methods and headers are explicit lists: "*" is refused there, because
//     it does not cover Authorization and means nothing with credentials.
//
// Denying a CORS request does not stop the request (browsers send simple
// requests anyway; non-browser clients ignore CORS): authentication and
// authorization still run on every request (R3). CORS only decides which
// web origins may read the answers.
package cors

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is one API's CORS configuration.
type Config struct {
	// AllowOrigins lists serialised origins "scheme://host[:port]" (lower
	// case, no default port, no path), or is exactly ["*"].
	AllowOrigins []string
	// AllowMethods lists the methods a preflight may ask for; empty means
	// the CORS-safelisted GET, HEAD and POST.
	AllowMethods []string
	// AllowHeaders lists the request headers a preflight may ask for
	// (compared case-insensitively), e.g. Authorization, Content-Type.
	AllowHeaders []string
	// ExposeHeaders lists the response headers scripts may read beyond the
	// CORS-safelisted ones.
	ExposeHeaders []string
	// AllowCredentials lets browsers send cookies and credentials and read
	// the answer (Access-Control-Allow-Credentials: true).
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight answer (whole
	// seconds; 0 sends no Access-Control-Max-Age).
	MaxAge time.Duration
}

// ErrConfig is wrapped by every error New returns.
var ErrConfig = errors.New("cors: invalid configuration")

// Policy is a compiled, immutable Config; safe for concurrent use. A nil
// *Policy allows no cross-origin access.
type Policy struct {
	any         bool
	origins     map[string]bool
	methods     map[string]bool
	headers     map[string]bool // lower case
	allowMeth   string
	allowHdrs   string
	expose      string
	credentials bool
	maxAge      string
}

// New validates c and compiles it, reporting every problem.
func New(c Config) (*Policy, error) {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...))
	}
	p := &Policy{origins: map[string]bool{}, methods: map[string]bool{}, headers: map[string]bool{}, credentials: c.AllowCredentials}

	switch {
	case len(c.AllowOrigins) == 0:
		bad("allow_origins is empty")
	case slices.Contains(c.AllowOrigins, "*"):
		p.any = true
		if len(c.AllowOrigins) > 1 {
			bad(`"*" must be the only allowed origin`)
		}
		if c.AllowCredentials {
			bad(`"*" cannot be combined with allow_credentials`)
		}
	default:
		for _, o := range c.AllowOrigins {
			if err := checkOrigin(o); err != nil {
				bad("origin %q: %v", o, err)
				continue
			}
			p.origins[o] = true
		}
	}

	methods := c.AllowMethods
	if len(methods) == 0 {
		methods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	}
	for _, m := range methods {
		if m == "*" || !isToken(m) {
			bad("method %q is not a method name", m)
			continue
		}
		p.methods[m] = true
	}
	p.allowMeth = strings.Join(methods, ", ")

	for _, h := range c.AllowHeaders {
		if h == "*" || !isToken(h) {
			bad("allowed header %q is not a field name", h)
			continue
		}
		p.headers[strings.ToLower(h)] = true
	}
	p.allowHdrs = strings.Join(c.AllowHeaders, ", ")

	for _, h := range c.ExposeHeaders {
		if h == "*" || !isToken(h) {
			bad("exposed header %q is not a field name", h)
		}
	}
	p.expose = strings.Join(c.ExposeHeaders, ", ")

	switch {
	case c.MaxAge < 0:
		bad("max_age is negative")
	case c.MaxAge >= time.Second:
		p.maxAge = strconv.FormatInt(int64(c.MaxAge/time.Second), 10)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// checkOrigin accepts only the ASCII serialisation of a tuple origin
// (RFC 6454 §6.2), which is what browsers send: http or https, a lower-case
// host, a port only when not the scheme's default, nothing else.
func checkOrigin(o string) error {
	if o == "null" {
		return errors.New(`"null" is never allowed`)
	}
	u, err := url.Parse(o)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme must be http or https")
	case u.Opaque != "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return errors.New(`want "scheme://host[:port]" without user, path, query or fragment`)
	case u.Hostname() == "":
		return errors.New("no host")
	case strings.Contains(u.Host, "*"):
		return errors.New("wildcards are not supported: list each origin")
	case strings.ContainsFunc(u.Host, func(r rune) bool { return r >= 0x80 }):
		return errors.New("write an internationalised host in its xn-- (punycode) form, as browsers send it")
	}
	canon := u.Scheme + "://" + strings.ToLower(u.Host)
	if port := u.Port(); port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		canon = strings.TrimSuffix(canon, ":"+port)
	} else if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return errors.New("invalid port")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		canon = strings.TrimSuffix(canon, ":")
	}
	if canon != o {
		return fmt.Errorf("browsers send it as %q", canon)
	}
	return nil
}

// Preflight answers a CORS preflight: an OPTIONS request with Origin and
// Access-Control-Request-Method. When r is one it returns true after
// writing 204 with the Access-Control-Allow-* fields, or 403 without any
// when the origin, the method or one of the requested headers is not
// allowed. Otherwise it writes nothing and returns false: the request is an
// ordinary one (an OPTIONS without those fields is routed like any method).
func (p *Policy) Preflight(w http.ResponseWriter, r *http.Request) (handled bool) {
	if p == nil || r.Method != http.MethodOptions || r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h := w.Header()
	addVary(h, "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
	origins := r.Header.Values("Origin")
	methods := r.Header.Values("Access-Control-Request-Method")
	if len(origins) != 1 || !p.originAllowed(origins[0]) || len(methods) != 1 || !p.methods[methods[0]] || !p.headersAllowed(r.Header.Values("Access-Control-Request-Headers")) {
		w.WriteHeader(http.StatusForbidden)
		return true
	}
	p.setOrigin(h, origins[0])
	h.Set("Access-Control-Allow-Methods", p.allowMeth)
	if p.allowHdrs != "" {
		h.Set("Access-Control-Allow-Headers", p.allowHdrs)
	}
	if p.maxAge != "" {
		h.Set("Access-Control-Max-Age", p.maxAge)
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// Apply sets the CORS fields of an actual response whose request carried
// origin (r.Header.Get("Origin"), "" when absent): first it removes every
// Access-Control-* field (an upstream's own CORS answer never reaches the
// browser) and adds "Vary: Origin"; then, when origin is allowed,
// Access-Control-Allow-Origin (the exact origin, or "*" when so configured
// without credentials), Access-Control-Allow-Credentials and
// Access-Control-Expose-Headers. A nil *Policy only removes and adds Vary.
func (p *Policy) Apply(h http.Header, origin string) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	addVary(h, "Origin")
	if p == nil || origin == "" || !p.originAllowed(origin) {
		return
	}
	p.setOrigin(h, origin)
	if p.expose != "" {
		h.Set("Access-Control-Expose-Headers", p.expose)
	}
}

func (p *Policy) originAllowed(o string) bool { return p.any || p.origins[o] }

// setOrigin writes Allow-Origin and, with credentials, Allow-Credentials.
func (p *Policy) setOrigin(h http.Header, origin string) {
	if p.any { // New guarantees no credentials here
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// headersAllowed checks the comma-separated Access-Control-Request-Headers
// values: each name must be allowed (case-insensitively); empty elements
// are skipped, anything that is not a field name refuses.
func (p *Policy) headersAllowed(values []string) bool {
	for _, v := range values {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.Trim(name, " \t")
			if name == "" {
				continue
			}
			if !isToken(name) || !p.headers[strings.ToLower(name)] {
				return false
			}
		}
	}
	return true
}

// addVary adds names to the Vary field unless already listed (or "*").
func addVary(h http.Header, names ...string) {
	present := map[string]bool{}
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			present[strings.ToLower(strings.TrimSpace(f))] = true
		}
	}
	if present["*"] {
		return
	}
	for _, n := range names {
		if !present[strings.ToLower(n)] {
			h.Add("Vary", n)
		}
	}
}

// isToken reports whether s is a non-empty RFC 9110 §5.6.2 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
