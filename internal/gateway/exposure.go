package gateway

import (
	"net/http"
)

// announce sets the headers every response of the API carries once it is
// routed, refusals included: the API's deprecation (RFC 9745, RFC 8594),
// its CORS response fields, and the route's RateLimit-Policy (rt is nil
// when no route serves the request; the RateLimit field follows once the
// request is charged).
func announce(h http.Header, r *http.Request, a *api, rt *route) {
	for _, f := range a.deprecation {
		h[f.name] = append(h[f.name], f.value) // names are canonical; Link may join the upstream's
	}
	if a.cors != nil {
		a.cors.apply(h, r)
	}
	if rt != nil && rt.limit != nil {
		h["Ratelimit-Policy"] = []string{rt.limit.policyHeader}
	}
}
