package gateway

import (
	"net/http"
	"testing"
	"time"
)

// TestExposure is item 9 (A9) through real HTTP: deprecation headers,
// disabled APIs (410), CORS per API (exact origins, preflights before
// authentication) and allow_ips / deny_ips with gateway.trusted_proxies.
func TestExposure(t *testing.T) {
	f := newFixture(t)
	f.up.setHeaders(http.Header{
		"Deprecation":                 {"@1"},
		"Access-Control-Allow-Origin": {"*"},
		"Link":                        {`</orders?page=2>; rel="next"`},
	})
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sunset := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	_, srv := f.serve(t, Config{TrustedProxies: []string{"127.0.0.0/8"}, APIs: []API{
		{Name: "v1", PathPrefix: "/v1", Upstream: f.up.url(t, ""), Auth: AuthPublic,
			Deprecated: &Deprecation{Since: since, Sunset: sunset, Link: "https://docs.example.com/v1"}},
		{Name: "v0", PathPrefix: "/v0", Upstream: f.up.url(t, ""), Auth: AuthPublic,
			Deprecated: &Deprecation{Sunset: sunset}},
		{Name: "old", PathPrefix: "/old", Upstream: f.up.url(t, ""), Auth: AuthPublic, Disabled: true},
		{Name: "web", PathPrefix: "/web", Upstream: f.up.url(t, ""), Auth: AuthOAuth2,
			CORS: &CORS{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "PUT"},
				AllowHeaders: []string{"Authorization", "Content-Type"}, ExposeHeaders: []string{"X-Total"}, MaxAge: 10 * time.Minute},
			Routes: []Route{{Methods: []string{"GET", "PUT"}, Path: "/web/items"}}},
		{Name: "internal", PathPrefix: "/internal", Upstream: f.up.url(t, ""), Auth: AuthPublic,
			AllowIPs: []string{"10.0.0.0/8"}, DenyIPs: []string{"10.9.0.0/16"}},
	}}, f.deps(), false)
	tok := f.token(t, f.claims("", "web"))

	cases := []struct {
		name, method, path string
		header             http.Header
		status             int
		want               map[string][]string // exact header values; nil slice = absent
	}{
		{"ok/deprecated", "GET", "/v1/x", nil, 200, map[string][]string{
			"Deprecation": {"@1767225600"},
			"Sunset":      {"Thu, 31 Dec 2026 00:00:00 GMT"},
			"Link":        {`<https://docs.example.com/v1>; rel="deprecation"`, `</orders?page=2>; rel="next"`},
		}},
		{"ok/deprecated-without-since", "GET", "/v0/x", nil, 200, map[string][]string{
			"Deprecation": {"@0"}, "Sunset": {"Thu, 31 Dec 2026 00:00:00 GMT"},
		}},
		{"fail/refused-before-routing-not-announced", "GET", "/v1/x?token=1", nil, 400, map[string][]string{"Deprecation": nil}},
		{"ok/deprecated-on-refusal-after-routing", "TRACE", "/v1/x", nil, 405, map[string][]string{"Deprecation": {"@1767225600"}}},
		{"ok/not-deprecated-upstream-fields-pass", "GET", "/internal/x", hdr("X-Forwarded-For", "10.1.2.3"), 200, map[string][]string{"Deprecation": {"@1"}, "Sunset": nil}},
		{"ok/cors-on-routing-refusal", "DELETE", "/web/items", hdr("Origin", "https://app.example.com"), 405, map[string][]string{
			"Access-Control-Allow-Origin": {"https://app.example.com"}}},
		{"fail/disabled", "GET", "/old/x", nil, 410, nil},
		{"fail/disabled-any-method", "POST", "/old/x", nil, 410, nil},
		{"ok/cors-preflight", "OPTIONS", "/web/items", hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "authorization, content-type"), 204, map[string][]string{
			"Access-Control-Allow-Origin":  {"https://app.example.com"},
			"Access-Control-Allow-Methods": {"GET, PUT"},
			"Access-Control-Max-Age":       {"600"},
		}},
		{"fail/cors-preflight-other-origin", "OPTIONS", "/web/items", hdr("Origin", "https://evil.example", "Access-Control-Request-Method", "GET"), 403,
			map[string][]string{"Access-Control-Allow-Origin": nil}},
		{"fail/cors-preflight-method", "OPTIONS", "/web/items", hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "DELETE"), 403, nil},
		{"fail/cors-preflight-unknown-path", "OPTIONS", "/web/other", hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "GET"), 404, nil},
		{"ok/cors-actual", "GET", "/web/items", hdr("Origin", "https://app.example.com", "Authorization", "Bearer "+tok), 200, map[string][]string{
			"Access-Control-Allow-Origin":   {"https://app.example.com"},
			"Access-Control-Expose-Headers": {"X-Total"},
		}},
		{"ok/cors-other-origin-not-reflected", "GET", "/web/items", hdr("Origin", "https://evil.example", "Authorization", "Bearer "+tok), 200,
			map[string][]string{"Access-Control-Allow-Origin": nil}},
		{"fail/cors-does-not-replace-auth", "GET", "/web/items", hdr("Origin", "https://app.example.com"), 401, map[string][]string{
			"Access-Control-Allow-Origin": {"https://app.example.com"},
		}},
		{"ok/allow-ips", "GET", "/internal/x", hdr("X-Forwarded-For", "10.1.2.3"), 200, nil},
		{"ok/allow-ips-rightmost-untrusted", "GET", "/internal/x", hdr("X-Forwarded-For", "203.0.113.5, 10.1.2.3, 127.0.0.2"), 200, nil},
		{"fail/allow-ips-spoofed-left", "GET", "/internal/x", hdr("X-Forwarded-For", "10.1.2.3, 203.0.113.5"), 403, nil},
		{"fail/deny-ips-wins", "GET", "/internal/x", hdr("X-Forwarded-For", "10.9.8.7"), 403, nil},
		{"fail/allow-ips-peer-itself", "GET", "/internal/x", nil, 403, nil},
		{"fail/allow-ips-garbage-xff", "GET", "/internal/x", hdr("X-Forwarded-For", "not-an-ip"), 403, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := send(t, srv, tc.method, tc.path, tc.header, "")
			_, hits := f.up.received()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %s)", res.StatusCode, tc.status, body)
			}
			if tc.status >= 400 {
				if tc.status != 403 || tc.method != "OPTIONS" {
					checkProblem(t, res, body, tc.status)
				}
				if hits != 0 {
					t.Errorf("upstream reached on a refusal")
				}
			} else if tc.method != "OPTIONS" && hits != 1 {
				t.Errorf("upstream hits %d, want 1", hits)
			}
			if tc.method == "OPTIONS" && hits != 0 {
				t.Errorf("a preflight reached the upstream")
			}
			for name, want := range tc.want {
				got := res.Header.Values(name)
				if len(got) != len(want) {
					t.Errorf("%s = %q, want %q", name, got, want)
					continue
				}
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("%s = %q, want %q", name, got, want)
					}
				}
			}
		})
	}
}
