package policy

import (
	"strings"
)

// Input is what a policy sees of one request. The gateway builds it after
// authentication and (when the API validates bodies) body validation.
type Input struct {
	// Token holds the verified access token's claims; nil when the request
	// has no token.
	Token map[string]any
	// APIKey holds the authenticating API key as {"id": …, "name": …}; nil
	// when none.
	APIKey map[string]any
	// Request describes the HTTP request.
	Request Request
	// Body is the parsed JSON body (map[string]any, []any, string, float64,
	// bool) when the API validates bodies; nil otherwise.
	Body any
}

// Request is the `request` variable of a policy. The cel tags give the
// field names policies use.
type Request struct {
	// Method is the HTTP method, e.g. "GET".
	Method string `cel:"method"`
	// Path is the request path, without the query.
	Path string `cel:"path"`
	// PathParams holds the values of the route pattern's wildcards.
	PathParams map[string]string `cel:"path_params"`
	// Query holds the decoded query parameters.
	Query map[string][]string `cel:"query"`
	// Headers holds the request headers with lower-case names, repeated
	// values joined with ", ". Build it with [NewHeaders]; credential
	// headers are removed before evaluation in any case (R20).
	Headers map[string]string `cel:"headers"`
	// ClientIP is the client's address as determined by the gateway.
	ClientIP string `cel:"client_ip"`
}

// credentialHeaders are never shown to a policy (R20): they carry
// credentials (or, for Rempart-Identity, a forged identity assertion the
// gateway strips).
var credentialHeaders = [...]string{
	"authorization",
	"proxy-authorization",
	"cookie",
	"x-api-key",
	"dpop",
	"rempart-identity",
}

// credentialQuery is the RFC 6750 §2.3 token query parameter, never shown to
// a policy.
const credentialQuery = "access_token"

func isCredentialHeader(lowerName string) bool {
	for _, c := range credentialHeaders {
		if lowerName == c {
			return true
		}
	}
	return false
}

// NewHeaders builds [Request.Headers] from an http.Header-like map: names are
// lower-cased, repeated values joined with ", " (names differing only in
// case are merged, in no particular order), and credential headers (Authorization,
// Proxy-Authorization, Cookie, X-API-Key, DPoP, Rempart-Identity) dropped.
func NewHeaders(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for name, values := range h {
		lower := strings.ToLower(name)
		if isCredentialHeader(lower) || len(values) == 0 {
			continue
		}
		v := strings.Join(values, ", ")
		if prev, ok := out[lower]; ok {
			v = prev + ", " + v
		}
		out[lower] = v
	}
	return out
}

// sanitize returns r without credentials, copying the maps only when there
// is something to remove, so the common case does not allocate.
func (r Request) sanitize() Request {
	if dirtyHeaders(r.Headers) {
		clean := make(map[string]string, len(r.Headers))
		for name, v := range r.Headers {
			if !isCredentialHeader(strings.ToLower(name)) {
				clean[name] = v
			}
		}
		r.Headers = clean
	}
	if _, ok := r.Query[credentialQuery]; ok {
		clean := make(map[string][]string, len(r.Query))
		for name, v := range r.Query {
			if name != credentialQuery {
				clean[name] = v
			}
		}
		r.Query = clean
	}
	return r
}

func dirtyHeaders(h map[string]string) bool {
	for name := range h {
		if isCredentialHeader(strings.ToLower(name)) {
			return true
		}
	}
	return false
}
