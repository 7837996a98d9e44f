package app

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/metrics"
)

// TestOrdersExample keeps examples/orders true: its configuration loads and
// passes config check (policies and the OpenAPI document included), and
// buildGateway builds the gateway it describes, which then refuses what
// the example's README says it refuses (requests that need neither the
// store nor the signing keys).
func TestOrdersExample(t *testing.T) {
	const path = "../../examples/orders/rempart.yaml"
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	if rep := cfg.Check(); !rep.OK() {
		t.Fatalf("%s: config check: %v", path, rep.Err())
	}
	if probs := GatewayProblems(cfg); len(probs) > 0 {
		t.Fatalf("%s: %v", path, probs)
	}
	a := &App{log: slog.New(slog.DiscardHandler), metrics: metrics.New(), res: &Resources{}}
	a.buildShared(cfg) // the limiter and jail every role shares
	h, err := a.buildGateway(cfg)
	if err != nil {
		t.Fatalf("buildGateway: %v", err)
	}
	defer closeHandler(h)
	for _, tc := range []struct {
		name, method, target string
		header               http.Header
		status               int
		want                 http.Header
	}{
		{"ok/cors-preflight", "OPTIONS", "/orders", http.Header{
			"Origin": {"https://shop.example.com"}, "Access-Control-Request-Method": {"POST"},
			"Access-Control-Request-Headers": {"authorization, content-type"}}, 204,
			http.Header{"Access-Control-Allow-Origin": {"https://shop.example.com"}, "Access-Control-Max-Age": {"600"}}},
		{"fail/no-token", "GET", "/orders", nil, 401, http.Header{"Ratelimit-Policy": {`"orders";q=120;w=60`}}},
		{"fail/token-in-url", "GET", "/orders?access_token=x", nil, 400, nil},
		{"fail/configured-credential-param", "GET", "/orders?session_id=x", nil, 400, nil},
		{"fail/v1-no-key", "GET", "/v1/orders", nil, 401, http.Header{
			"Deprecation": {"@1767225600"}, "Sunset": {"Thu, 31 Dec 2026 00:00:00 GMT"},
			"Link": {`<https://docs.example.com/orders/v1-sunset>; rel="deprecation"`}}},
		{"fail/v1-undeclared-method", "POST", "/v1/orders", nil, 405, nil},
		{"fail/unknown", "GET", "/admin", nil, 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			for k, vs := range tc.header {
				r.Header[k] = vs
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (body %s)", rec.Code, tc.status, rec.Body)
			}
			for k, want := range tc.want {
				if got := rec.Header().Values(k); len(got) != len(want) || got[0] != want[0] {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}
