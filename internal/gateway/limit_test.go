package gateway

import (
	"net/http"
	"testing"
	"time"
)

// TestRateLimits is item 6 (R11) through real HTTP: limits per API and per
// route, keyed by client, user, API key or address; 429 with Retry-After;
// RateLimit-Policy and RateLimit on every response of a limited route.
func TestRateLimits(t *testing.T) {
	f := newFixture(t)
	d, st := f.withKeys(f.deps())
	minute := time.Minute
	cfg := Config{APIs: []API{
		{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthOAuth2,
			RateLimit: &RateLimit{Requests: 2, Per: minute, By: ByClient},
			Routes: []Route{
				{Methods: []string{"GET"}, Path: "/orders/{id}"},
				{Methods: []string{"POST"}, Path: "/orders", RateLimit: &RateLimit{Requests: 1, Per: minute, By: ByUser}},
			}},
		{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic,
			RateLimit: &RateLimit{Requests: 2, Per: minute, By: ByIP}},
		{Name: "keys", PathPrefix: "/keys", Upstream: f.up.url(t, ""), Auth: AuthAPIKey,
			RateLimit: &RateLimit{Requests: 1, Per: minute, By: ByAPIKey}},
		{Name: "free", PathPrefix: "/free", Upstream: f.up.url(t, ""), Auth: AuthPublic},
	}}
	_, srv := f.serve(t, cfg, d, false)
	clientA := bearer(f.token(t, f.claims("", "orders")))
	cb := f.claims("", "orders")
	cb.ClientID, cb.Subject = "client-2", "user-2"
	clientB := bearer(f.token(t, cb))
	_, key1 := issue(t, st, f.clock.Now(), "k1", "keys")
	_, key2 := issue(t, st, f.clock.Now(), "k2", "keys")

	steps := []struct {
		name, method, path string
		header             http.Header
		status             int
		policy, rateLimit  string // "" = absent
		retryAfter         string
	}{
		{"ok/client-a-1", "GET", "/orders/1", clientA, 200, `"orders";q=2;w=60`, `"orders";r=1;t=30`, ""},
		{"ok/client-a-2", "GET", "/orders/2", clientA, 200, `"orders";q=2;w=60`, `"orders";r=0;t=60`, ""},
		{"fail/client-a-3", "GET", "/orders/3", clientA, 429, `"orders";q=2;w=60`, `"orders";r=0;t=30`, "30"},
		{"ok/client-b-own-bucket", "GET", "/orders/1", clientB, 200, `"orders";q=2;w=60`, `"orders";r=1;t=30`, ""},
		{"ok/route-own-budget", "POST", "/orders", clientA, 200, `"orders.routes[1]";q=1;w=60`, `"orders.routes[1]";r=0;t=60`, ""},
		{"fail/route-by-user", "POST", "/orders", clientA, 429, `"orders.routes[1]";q=1;w=60`, `"orders.routes[1]";r=0;t=60`, "60"},
		{"ok/route-other-user", "POST", "/orders", clientB, 200, `"orders.routes[1]";q=1;w=60`, `"orders.routes[1]";r=0;t=60`, ""},
		{"fail/unauthenticated-still-announced", "GET", "/orders/1", nil, 401, `"orders";q=2;w=60`, "", ""},
		{"ok/ip-1", "GET", "/pub/x", nil, 200, `"pub";q=2;w=60`, `"pub";r=1;t=30`, ""},
		{"ok/ip-2", "GET", "/pub/x", nil, 200, `"pub";q=2;w=60`, `"pub";r=0;t=60`, ""},
		{"fail/ip-3", "GET", "/pub/x", nil, 429, `"pub";q=2;w=60`, `"pub";r=0;t=30`, "30"},
		{"ok/key-1", "GET", "/keys/x", hdr("X-API-Key", key1), 200, `"keys";q=1;w=60`, `"keys";r=0;t=60`, ""},
		{"fail/key-1-again", "GET", "/keys/x", hdr("X-API-Key", key1), 429, `"keys";q=1;w=60`, `"keys";r=0;t=60`, "60"},
		{"ok/key-2-own-bucket", "GET", "/keys/x", hdr("X-API-Key", key2), 200, `"keys";q=1;w=60`, `"keys";r=0;t=60`, ""},
		{"ok/unlimited-api-no-headers", "GET", "/free/x", nil, 200, "", "", ""},
	}
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			res, body := send(t, srv, tc.method, tc.path, tc.header, "")
			_, hits := f.up.received()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %s)", res.StatusCode, tc.status, body)
			}
			if tc.status != 200 {
				checkProblem(t, res, body, tc.status)
				if hits != 0 {
					t.Errorf("upstream reached on a refusal")
				}
			}
			for _, h := range []struct{ name, want string }{
				{"RateLimit-Policy", tc.policy}, {"RateLimit", tc.rateLimit}, {"Retry-After", tc.retryAfter},
			} {
				if got := res.Header.Values(h.name); (h.want == "" && len(got) != 0) || (h.want != "" && (len(got) != 1 || got[0] != h.want)) {
					t.Errorf("%s = %q, want %q", h.name, got, h.want)
				}
			}
		})
	}
	t.Run("ok/refilled", func(t *testing.T) {
		f.clock.Add(30 * time.Second)
		if res, body := send(t, srv, "GET", "/orders/9", clientA, ""); res.StatusCode != 200 {
			t.Errorf("status %d after the refill (body %s)", res.StatusCode, body)
		}
	})
}

// TestRateLimitUpstreamHeadersReplaced checks that an upstream's own
// RateLimit fields never reach the client of a limited route.
func TestRateLimitUpstreamHeadersReplaced(t *testing.T) {
	f := newFixture(t)
	f.up.setHeaders(http.Header{"Ratelimit": {`"up";r=9;t=1`}, "Ratelimit-Policy": {`"up";q=10;w=1`}})
	_, srv := f.serve(t, Config{APIs: []API{{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic,
		RateLimit: &RateLimit{Requests: 5, Per: time.Minute, By: ByIP}}}}, f.deps(), false)
	res, _ := send(t, srv, "GET", "/pub/x", nil, "")
	if got := res.Header.Values("RateLimit"); len(got) != 1 || got[0] != `"pub";r=4;t=12` {
		t.Errorf("RateLimit = %q, want only the gateway's", got)
	}
	if got := res.Header.Values("RateLimit-Policy"); len(got) != 1 || got[0] != `"pub";q=5;w=60` {
		t.Errorf("RateLimit-Policy = %q, want only the gateway's", got)
	}
}
