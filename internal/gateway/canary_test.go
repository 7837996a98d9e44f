package gateway

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/web"
)

// TestCanaryNeverLogged (R20) sends every kind of request this pipeline
// refuses, each carrying a secret where a client would put one (query,
// Authorization, X-API-Key, Cookie, DPoP, form and JSON bodies, headers a
// policy reads), plus refused upstream answers carrying one, and then
// searches every log line (gateway and access log, debug level) for it.
func TestCanaryNeverLogged(t *testing.T) {
	const canary = "CanarySecret-5f0c1e9a7b"
	f := newFixture(t)
	up := newScripted(t)
	d, st := f.withKeys(f.deps())
	d.Jail = f.newJail()
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d.Log = log
	cfg := Config{Issuer: testIssuer, MaxBody: 256, MaxHeaders: 20, TrustedProxies: []string{"127.0.0.1"}, APIs: []API{
		{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthOAuth2,
			RateLimit: &RateLimit{Requests: 5, Per: time.Hour, By: ByClient},
			Policy:    `request.headers["x-tenant"] == "acme" && !("owner" in request.query)`,
			Routes: []Route{
				{Methods: []string{"GET", "POST"}, Path: "/orders/{id}"},
				{Methods: []string{"GET"}, Path: "/orders/broken/x", Policy: "token.nope == 1"},
			}},
		{Name: "shop", PathPrefix: "/shop", Upstream: mustURL(t, up.srv.URL), Auth: AuthPublic,
			OpenAPI: "testdata/shop.openapi.yaml", ResponseValidation: "block"},
		{Name: "catalog", PathPrefix: "/catalog", Upstream: f.up.url(t, ""), Auth: AuthAPIKey},
		{Name: "admin", PathPrefix: "/admin", Upstream: f.up.url(t, ""), Auth: AuthAPIKey, AllowIPs: []string{"10.0.0.0/8"}},
		{Name: "old", PathPrefix: "/old", Upstream: f.up.url(t, ""), Auth: AuthPublic, Disabled: true},
		{Name: "dead", PathPrefix: "/dead", Upstream: mustURL(t, "http://127.0.0.1:1"), Auth: AuthPublic},
	}}
	g, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Observe("gateway", log, f.metrics, false, g))
	t.Cleanup(srv.Close)

	// The access log has the path (never the query): no secret goes there.
	// Secrets that are also valid credentials of some kind:
	c := f.claims("", "orders")
	tokenCanary := f.token(t, c) // its signature is searched for
	_, keyCanary := issue(t, st, f.clock.Now(), "other-app", "catalog")
	basic := base64.StdEncoding.EncodeToString([]byte("user:" + canary))
	auth := hdr("Authorization", "Bearer "+tokenCanary, "X-Tenant", "acme")
	ip := func(h http.Header, addr string) http.Header {
		h = h.Clone()
		h.Set("X-Forwarded-For", addr)
		return h
	}

	requests := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
	}{
		{"query-access-token", "GET", "/orders/1?access_token=" + canary, nil, "", 400},
		{"query-api-key", "GET", "/catalog/x?api_key=" + canary, nil, "", 400},
		{"query-password-unrouted", "GET", "/nowhere?password=" + canary, nil, "", 400},
		{"query-configured-style", "GET", "/shop/orders?client_secret=" + canary, nil, "", 400},
		{"bearer-malformed", "GET", "/orders/1", hdr("Authorization", "Bearer "+canary+"!"), "", 400},
		{"bearer-forged", "GET", "/orders/1", ip(hdr("Authorization", "Bearer "+canary), "203.0.113.1"), "", 401},
		{"basic", "GET", "/orders/1", hdr("Authorization", "Basic "+basic), "", 401},
		{"apikey-malformed", "GET", "/catalog/x", ip(hdr("X-API-Key", canary), "203.0.113.2"), "", 401},
		{"apikey-in-authorization", "GET", "/catalog/x", ip(hdr("Authorization", "ApiKey "+canary), "203.0.113.3"), "", 401},
		{"apikey-wrong-api", "GET", "/admin/x", ip(hdr("X-API-Key", keyCanary), "10.1.1.1"), "", 401},
		{"apikey-ambiguous", "GET", "/catalog/x", ip(hdr("X-API-Key", keyCanary, "Authorization", "ApiKey "+canary), "203.0.113.4"), "", 401},
		{"form-token", "POST", "/orders/1", hdr("Authorization", "Bearer "+tokenCanary, "X-Tenant", "acme",
			"Content-Type", "application/x-www-form-urlencoded"), "a=1&access_token=" + canary, 400},
		{"cookie-and-dpop-on-404", "GET", "/unknown", hdr("Cookie", "session="+canary, "DPoP", canary), "", 404},
		{"cookie-on-405", "TRACE", "/shop/x", hdr("Cookie", "session="+canary), "", 405},
		{"body-too-large", "POST", "/shop/orders", hdr("Content-Type", "application/json"), `{"item":"` + strings.Repeat(canary, 20) + `"}`, 413},
		{"openapi-wrong-type", "POST", "/shop/orders", hdr("Content-Type", "application/json"), `{"item":"x","amount":"` + canary + `"}`, 400},
		{"openapi-unexpected", "POST", "/shop/orders", hdr("Content-Type", "application/json"), `{"item":"x","amount":1,"role":"` + canary + `"}`, 400},
		{"openapi-pattern", "GET", "/shop/orders/BAD!", hdr("Cookie", "s="+canary), "", 400},
		{"openapi-query", "GET", "/shop/orders?limit=" + canary, nil, "", 400},
		{"json-duplicate", "POST", "/shop/orders", hdr("Content-Type", "application/json"), `{"item":"` + canary + `","item":"y","amount":1}`, 400},
		{"media-type", "POST", "/shop/orders", hdr("Content-Type", "text/"+canary), canary, 415},
		{"accept", "GET", "/shop/orders", hdr("Accept", "text/"+canary), "", 406},
		{"too-many-headers", "GET", "/shop/orders", func() http.Header {
			h := hdr("Authorization", "Bearer "+canary)
			for range 25 {
				h.Add("X-Filler", canary)
			}
			return h
		}(), "", 431},
		{"policy-header", "GET", "/orders/1", hdr("Authorization", "Bearer "+tokenCanary, "X-Tenant", canary), "", 403},
		{"policy-query", "GET", "/orders/1?owner=" + canary, auth, "", 403},
		{"policy-error", "GET", "/orders/broken/x", auth, "", 403},
		{"rate-limit-first-passes", "GET", "/orders/1", auth, "", 200},
		{"rate-limited", "GET", "/orders/2", auth, "", 429},
		{"ip-refused", "GET", "/admin/x", ip(hdr("X-API-Key", keyCanary), "203.0.113.9"), "", 403},
		{"disabled", "GET", "/old/x", hdr("Authorization", "Bearer "+canary), "", 410},
		{"upstream-down", "POST", "/dead/x", hdr("Content-Type", "application/json", "Cookie", "s="+canary), `{"secret":"` + canary + `"}`, 502},
		{"response-refused", "GET", "/shop/orders/1", hdr("Cookie", "s="+canary), "", 502},
		{"jail-1", "GET", "/orders/1", ip(hdr("Authorization", "Bearer "+canary+"x"), "198.51.100.1"), "", 401},
		{"jail-2", "GET", "/orders/1", ip(hdr("Authorization", "Bearer "+canary+"y"), "198.51.100.1"), "", 401},
		{"jail-3", "GET", "/orders/1", ip(hdr("Authorization", "Bearer "+canary+"z"), "198.51.100.1"), "", 401},
		{"jailed-with-valid-token", "GET", "/orders/1", ip(auth, "198.51.100.1"), "", 429},
	}
	up.answer(200, nil, `{"id":"1","owner":"u","password":"`+canary+`"}`)
	for _, tc := range requests {
		res, body := send(t, srv, tc.method, tc.path, tc.header, tc.body)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d (body %s)", tc.name, res.StatusCode, tc.status, body)
		}
		if tc.status >= 500 && strings.Contains(string(body), canary) {
			t.Errorf("%s: the response body carries the canary", tc.name)
		}
	}

	logs := f.logs.String()
	if !strings.Contains(logs, "msg=request") || !strings.Contains(logs, "jail.entered") || !strings.Contains(logs, "reason=") {
		t.Fatalf("the logs do not look complete:\n%s", logs)
	}
	sig := tokenCanary[strings.LastIndexByte(tokenCanary, '.')+1:]
	for _, secret := range []string{canary, basic, keyCanary, tokenCanary, sig} {
		if strings.Contains(logs, secret) {
			for _, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, secret) {
					t.Errorf("a secret reached the log (R20): %s", line)
				}
			}
		}
	}
}
