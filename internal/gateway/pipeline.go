package gateway

import (
	"errors"
	"net/http"
	"net/netip"

	"github.com/rempart/rempart/internal/web"
)

// Refusal causes (logged, never sent).
var (
	errIPRefused = errors.New("gateway: client address refused by allow_ips/deny_ips")
	errDisabled  = errors.New("gateway: API disabled")
)

// exchange is one request's state through the pipeline. ServeHTTP
// allocates it; the proxy stages (Rewrite, ModifyResponse, the upstream
// transport) find it through the request context (exchangeOf).
type exchange struct {
	in    *http.Request // the request as received
	route *route
	path  string // canonical escaped path

	client   netip.Addr // client address (interface contract), once computed
	clientOK bool
	ipKey    string // "ip:<client address>", once computed

	entry    *cacheEntry // the verified access token, or the API key's identity holder
	keyID    string      // the authenticating API key ("" without one)
	keyName  string
	body     []byte            // the request body, read whole (bounded) when present
	parsed   any               // the body as parsed JSON, when it is JSON
	params   map[string]string // path parameters the OpenAPI operation matched (policies)
	identity *assertion        // Rempart-Identity for the upstream; nil without one

	respHeader http.Header // the response's header map (forward); cleanResponse writes Rempart's fields there
	jailKey    [1]string   // checkJail's argument, kept off the per-call heap
}

// serve is the pipeline, one stage per step. A stage that refuses returns
// the failure to render; stages an API does not use are nil in its
// compiled form and cost one comparison.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, x *exchange) *failure {
	now := g.now()

	// 1. Hygiene, before anything reads the request: framing (no
	//    smuggling), header count, method overrides and hop-by-hop fields.
	if f := g.checkHygiene(r); f != nil {
		return f
	}

	// 2. Normalise: the canonical path is what routing and the upstream see.
	path, err := normalizePath(rawPath(r))
	if err != nil {
		return badRequest("path", err)
	}
	x.path = path

	// 3. Credentials never travel in URLs (R15), whatever the path.
	if f := g.refuseQueryCredentials(r); f != nil {
		return f
	}

	// 4. Route: unknown paths never reach an upstream (A9).
	a, rt, allow, err := g.table.match(r.Method, path)
	if a == nil {
		return routeFailure(err, allow)
	}
	web.Info(r.Context()).Route = a.name // metrics and logs label by API

	// 5. Exposure (A9): client address filter, switched-off API, CORS
	//    preflight; then the API's announcements, on every response.
	if a.ipFilter != nil && !a.ipFilter.Allowed(g.clientIP(r, x)) {
		return forbidden("ip_refused", errIPRefused)
	}
	if a.disabled {
		return &failure{status: http.StatusGone, reason: "disabled", err: errDisabled}
	}
	if a.cors != nil && a.cors.preflight(w, r, err == nil || errors.Is(err, errNoMethod)) {
		return nil
	}
	announce(w.Header(), r, a, rt)
	if err != nil {
		return routeFailure(err, allow)
	}
	x.route = rt

	// 6. Jail: a jailed address is refused, even with valid credentials (R3).
	if g.jail != nil {
		if f := g.checkJail(x, g.ipKey(r, x)); f != nil {
			return f
		}
	}

	// 7. Authenticate (R1, R6, A1). A wrong credential counts toward the
	//    jail of the address and, when known, of the principal.
	var f *failure
	switch rt.auth {
	case AuthOAuth2:
		f = g.authenticate(r, x, now)
	case AuthAPIKey:
		f = g.authenticateKey(r, x, now)
	}
	if f != nil {
		return g.countFailure(r, x, f)
	}
	if x.entry != nil {
		if f := g.checkJail(x, x.entry.principal); f != nil {
			return f
		}
	}

	// 8. Rate limit per API or route (R11).
	if rt.limit != nil {
		if f := g.rateLimit(w, r, x, rt.limit); f != nil {
			return f
		}
	}

	// 9. Authorise: the route's scopes (RFC 6750 §3.1).
	if rt.auth == AuthOAuth2 {
		if f := authorize(x.entry, rt); f != nil {
			return f
		}
	}

	// 10. Body: read whole and bounded (413) before anything is forwarded.
	if f := g.readBody(w, r, x, a.maxBody); f != nil {
		return f
	}
	if f := refuseFormToken(r, rt, x.body); f != nil {
		return f
	}

	// 11. Validate: media types (R13), OpenAPI (R14), JSON limits.
	if x.body != nil || a.validateAlways {
		if f := g.validateRequest(r, x); f != nil {
			return f
		}
	}

	// 12. Policies, the API's then the route's (BOLA, BFLA): deny is 403.
	if a.policy != nil || rt.policy != nil {
		if f := g.checkPolicies(r, x); f != nil {
			return f
		}
	}

	// 13. Identity for the upstream (never the caller's credentials).
	if x.entry != nil {
		if x.identity, err = g.identity(x.entry, a, now); err != nil {
			return &failure{status: http.StatusInternalServerError, reason: "identity", err: err}
		}
	}

	// 14. Proxy; the response is checked and cleaned in ModifyResponse.
	g.forward(w, r, x)
	return nil
}
