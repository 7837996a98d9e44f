package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rempart/rempart/internal/policy"
)

var errPolicyDenied = errors.New("gateway: denied by policy")

// checkPolicies evaluates the API's policy, then the route's: both must
// allow (403 otherwise, BOLA/BFLA). An evaluation error denies too (fail
// closed) and is logged with its cause; neither the input nor the policy's
// verdict ever reaches the caller.
func (g *Gateway) checkPolicies(r *http.Request, x *exchange) *failure {
	in := g.policyInput(r, x)
	rt := x.route
	for _, p := range [2]struct {
		prog  *policy.Program
		which string
	}{{rt.api.policy, "api"}, {rt.policy, "route"}} {
		if p.prog == nil {
			continue
		}
		ok, err := p.prog.Allow(r.Context(), in)
		switch {
		case err != nil:
			return forbidden("policy_error", fmt.Errorf("gateway: %s policy: %w", p.which, err))
		case !ok:
			return forbidden("policy_denied", fmt.Errorf("%w (%s policy)", errPolicyDenied, p.which))
		}
	}
	return nil
}

// policyInput builds what a policy sees of the request (policy package
// doc): the token's claims or the API key, the request with its canonical
// path, path parameters (the route template's, else the OpenAPI
// operation's), query, headers without credentials (R20) and client
// address, and the body when it was parsed as JSON.
func (g *Gateway) policyInput(r *http.Request, x *exchange) policy.Input {
	in := policy.Input{
		Request: policy.Request{
			Method:     r.Method,
			Path:       unescapePath(x.path),
			PathParams: g.pathParams(x),
			Query:      r.URL.Query(),
			Headers:    policy.NewHeaders(r.Header),
		},
		Body: x.parsed,
	}
	if a := g.clientIP(r, x); a.IsValid() {
		in.Request.ClientIP = a.String()
	}
	switch {
	case x.keyID != "":
		in.APIKey = map[string]any{"id": x.keyID, "name": x.keyName}
	case x.entry != nil:
		in.Token = x.entry.tokenClaims()
	}
	return in
}

// pathParams returns the route template's parameters, decoded; else those
// the OpenAPI operation matched; else none.
func (g *Gateway) pathParams(x *exchange) map[string]string {
	segs := x.route.segs
	var params map[string]string
	rest := x.path[1:]
	for _, s := range segs {
		seg, after, _ := strings.Cut(rest, "/")
		rest = after
		if s.param == "" {
			continue
		}
		if params == nil {
			params = make(map[string]string, len(segs))
		}
		params[s.param] = unescapePath(seg)
	}
	if params == nil {
		params = x.params
	}
	return params
}

// tokenClaims returns the access token as policies see it, built once per
// cached verification: the registered claims (iss, sub, aud as a list,
// exp, nbf and iat as seconds, jti) and client_id and scope.
func (e *cacheEntry) tokenClaims() map[string]any {
	e.policyOnce.Do(func() {
		c := e.claims
		m := map[string]any{
			"iss":       c.Issuer,
			"sub":       c.Subject,
			"aud":       []string(c.Audience),
			"jti":       c.ID,
			"client_id": c.ClientID,
			"scope":     c.Scope,
		}
		if c.Expiry != nil {
			m["exp"] = int64(*c.Expiry)
		}
		if c.IssuedAt != nil {
			m["iat"] = int64(*c.IssuedAt)
		}
		if c.NotBefore != nil {
			m["nbf"] = int64(*c.NotBefore)
		}
		e.policyClaims = m
	})
	return e.policyClaims
}
