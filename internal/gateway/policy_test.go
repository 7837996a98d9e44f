package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// TestPolicies is item 5 (BOLA, BFLA) through real HTTP: CEL policies per
// API and per route see the token's claims, the API key, the request
// (method, path, path parameters, query, headers without credentials,
// client address) and the parsed body; false or an evaluation error is 403.
func TestPolicies(t *testing.T) {
	f := newFixture(t)
	d, st := f.withKeys(f.deps())
	cfg := Config{APIs: []API{
		{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthOAuth2,
			Policy: `request.method != "DELETE" || "orders:admin" in token.scope.split(" ")`,
			Routes: []Route{
				{Methods: []string{"GET", "DELETE"}, Path: "/orders/{id}", Policy: "token.sub == request.path_params.id"},
				{Methods: []string{"POST"}, Path: "/orders", Policy: "has(body.amount) && body.amount < 1000"},
				{Methods: []string{"GET"}, Path: "/orders/by-query", Policy: `"mine" in request.query.owner`},
				{Methods: []string{"GET"}, Path: "/orders/by-header", Policy: `request.headers["x-tenant"] == "acme" && !("authorization" in request.headers)`},
				{Methods: []string{"GET"}, Path: "/orders/local", Policy: `request.client_ip == "127.0.0.1"`},
				{Methods: []string{"GET"}, Path: "/orders/broken", Policy: "token.no_such_claim == 1"},
				{Methods: []string{"GET"}, Path: "/orders/claims", Policy: `token.client_id == "client-1" && "orders" in token.aud && token.exp > token.iat`},
			}},
		{Name: "docs", PathPrefix: "/docs", Upstream: f.up.url(t, ""), Auth: AuthAPIKey,
			Policy: `api_key.name == "partner" && request.path.startsWith("/docs/public")`},
		{Name: "openapi", PathPrefix: "/shop", Upstream: f.up.url(t, ""), Auth: AuthPublic,
			OpenAPI: "testdata/shop.openapi.yaml", Policy: `!has(request.path_params.id) || request.path_params.id != "forbidden"`},
	}}
	_, srv := f.serve(t, cfg, d, false)
	user1 := bearer(f.token(t, f.claims("orders:read", "orders")))
	admin := bearer(f.token(t, f.claims("orders:read orders:admin", "orders")))
	_, partner := issue(t, st, f.clock.Now(), "partner", "docs")
	_, stranger := issue(t, st, f.clock.Now(), "stranger", "docs")
	with := func(h http.Header, kv ...string) http.Header {
		c := h.Clone()
		for i := 0; i+1 < len(kv); i += 2 {
			c.Add(kv[i], kv[i+1])
		}
		return c
	}

	cases := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
		reason             string
	}{
		{"ok/own-object", "GET", "/orders/user-1", user1, "", 200, ""},
		{"fail/bola-other-object", "GET", "/orders/user-2", user1, "", 403, "policy_denied"},
		{"fail/bola-encoded-id", "GET", "/orders/user%2D2", user1, "", 403, "policy_denied"},
		{"fail/bfla-delete-without-admin", "DELETE", "/orders/user-1", user1, "", 403, "policy_denied"},
		{"ok/delete-with-admin", "DELETE", "/orders/user-1", admin, "", 200, ""},
		{"ok/body-small-amount", "POST", "/orders", with(user1, "Content-Type", "application/json"), `{"amount":10}`, 200, ""},
		{"fail/body-large-amount", "POST", "/orders", with(user1, "Content-Type", "application/json"), `{"amount":5000}`, 403, "policy_denied"},
		{"fail/body-not-json", "POST", "/orders", with(user1, "Content-Type", "text/plain"), `amount=10`, 403, "policy_denied"},
		{"ok/query", "GET", "/orders/by-query?owner=other&owner=mine", user1, "", 200, ""},
		{"fail/query", "GET", "/orders/by-query?owner=other", user1, "", 403, "policy_denied"},
		{"ok/header-without-credentials", "GET", "/orders/by-header", with(user1, "X-Tenant", "acme"), "", 200, ""},
		{"fail/header", "GET", "/orders/by-header", with(user1, "X-Tenant", "evil"), "", 403, "policy_denied"},
		{"ok/client-ip", "GET", "/orders/local", user1, "", 200, ""},
		{"fail/evaluation-error-denies", "GET", "/orders/broken", user1, "", 403, "policy_error"},
		{"ok/claims", "GET", "/orders/claims", user1, "", 200, ""},
		{"ok/api-key-name", "GET", "/docs/public/x", hdr("X-API-Key", partner), "", 200, ""},
		{"fail/api-key-name", "GET", "/docs/public/x", hdr("X-API-Key", stranger), "", 403, "policy_denied"},
		{"fail/api-key-path", "GET", "/docs/private/x", hdr("X-API-Key", partner), "", 403, "policy_denied"},
		{"ok/openapi-path-params", "GET", "/shop/orders/allowed", nil, "", 200, ""},
		{"fail/openapi-path-params", "GET", "/shop/orders/forbidden", nil, "", 403, "policy_denied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logged := len(f.logs.String())
			res, body := send(t, srv, tc.method, tc.path, tc.header, tc.body)
			_, hits := f.up.received()
			if tc.status == 200 {
				if res.StatusCode != 200 || hits != 1 {
					t.Fatalf("status %d, hits %d (body %s)", res.StatusCode, hits, body)
				}
				return
			}
			checkProblem(t, res, body, tc.status)
			if hits != 0 {
				t.Errorf("upstream reached on a refusal")
			}
			if !strings.Contains(f.logs.String()[logged:], "reason="+tc.reason) {
				t.Errorf("refusal not logged with reason %s", tc.reason)
			}
		})
	}
}
