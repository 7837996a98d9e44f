package gateway

import (
	"errors"
	"net/http"

	"github.com/rempart/rempart/internal/ratelimit"
)

var errRateLimited = errors.New("gateway: rate limit exceeded (R11)")

// rateLimit charges the request to its bucket, the rule's prefix (API or
// route) and the principal the rule is keyed by, and sets the RateLimit
// fields (and, over the limit, Retry-After) on the response: 429 when over
// (R11, RFC 6585 §4). A limiter error is 503: fail closed.
func (g *Gateway) rateLimit(w http.ResponseWriter, r *http.Request, x *exchange, l *limitRule) *failure {
	d, err := g.limiter.Allow(r.Context(), l.prefix+g.limitKey(r, x, l.by), l.limit)
	if err != nil {
		return &failure{status: http.StatusServiceUnavailable, reason: "rate_limit_error", err: err}
	}
	ratelimit.SetHeaders(w.Header(), l.name, d)
	if !d.Allowed {
		return &failure{status: http.StatusTooManyRequests, reason: "rate_limited", err: errRateLimited}
	}
	return nil
}

// limitKey is the principal a rule keyed by by counts: client → the token's
// client_id, else the API key; api_key → the API key, else the token's
// client; user → the token's sub. Whatever the request cannot supply falls
// back to the client address, so an unauthenticated caller is still
// limited.
func (g *Gateway) limitKey(r *http.Request, x *exchange, by string) string {
	e := x.entry
	switch by {
	case ByClient, ByAPIKey:
		if e != nil && e.principal != "" {
			return e.principal
		}
	case ByUser:
		if e != nil && e.userKey != "" {
			return e.userKey
		}
	}
	return g.ipKey(r, x)
}
