package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/web"
)

// routeObserver records the route label web.Observe reports.
type routeObserver struct {
	mu     sync.Mutex
	routes []string
}

func (o *routeObserver) ObserveRequest(role, route string, status int, elapsed time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.routes = append(o.routes, route)
}

func (o *routeObserver) last() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.routes) == 0 {
		return ""
	}
	return o.routes[len(o.routes)-1]
}

func TestRouting(t *testing.T) {
	f := newFixture(t)
	cfg := Config{Issuer: testIssuer, APIs: []API{
		{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthPublic},
		{Name: "orders-admin", PathPrefix: "/orders/admin", Upstream: f.up.url(t, "/admin-svc"), Auth: AuthPublic},
		{Name: "items", PathPrefix: "/items", Upstream: f.up.url(t, "/base"), Auth: AuthPublic, StripPrefix: true},
		{Name: "shop", PathPrefix: "/shop", Upstream: f.up.url(t, ""), Auth: AuthPublic, Routes: []Route{
			{Methods: []string{"GET"}, Path: "/shop/items"},
			{Methods: []string{"GET", "POST"}, Path: "/shop/items/{id}"},
			{Methods: []string{"DELETE"}, Path: "/shop/items/{id}"},
			{Methods: []string{"PUT"}, Path: "/shop/items/export"},
			{Methods: []string{"GET"}, Path: "/shop/items/{id}/lines/{line}"},
		}},
	}}
	g, err := New(cfg, f.deps())
	if err != nil {
		t.Fatal(err)
	}
	obs := &routeObserver{}
	srv := newServer(t, web.Observe("gateway", nil, obs, false, g))

	cases := []struct {
		name, method, path string
		status             int
		upstream           string // RequestURI the upstream must see; "" = not reached
		allow              string
		api                string // route label reported to web.Observe
	}{
		{"ok/prefix-exact", "GET", "/orders", 200, "/orders", "", "orders"},
		{"ok/prefix-child", "GET", "/orders/42", 200, "/orders/42", "", "orders"},
		{"ok/query-kept", "GET", "/orders/42?x=1&y=%20", 200, "/orders/42?x=1&y=%20", "", "orders"},
		{"ok/trailing-slash", "GET", "/orders/", 200, "/orders/", "", "orders"},
		{"ok/normalised-before-proxy", "GET", "/orders//a/./b/../c", 200, "/orders/a/c", "", "orders"},
		{"ok/unreserved-decoded-upstream", "GET", "/orders/%61bc", 200, "/orders/abc", "", "orders"},
		{"ok/encoded-kept-upstream", "GET", "/orders/caf%c3%a9", 200, "/orders/caf%C3%A9", "", "orders"},
		{"ok/longest-prefix", "GET", "/orders/admin/users", 200, "/admin-svc/orders/admin/users", "", "orders-admin"},
		{"ok/longest-prefix-exact", "GET", "/orders/admin", 200, "/admin-svc/orders/admin", "", "orders-admin"},
		{"ok/dotdot-into-longer-prefix", "GET", "/orders/x/../admin/y", 200, "/admin-svc/orders/admin/y", "", "orders-admin"},
		{"ok/not-segment-prefix-of-admin", "GET", "/orders/administrator", 200, "/orders/administrator", "", "orders"},
		{"ok/strip-prefix", "GET", "/items/a/b", 200, "/base/a/b", "", "items"},
		{"ok/strip-prefix-root", "GET", "/items", 200, "/base/", "", "items"},
		{"ok/strip-prefix-slash", "GET", "/items/", 200, "/base/", "", "items"},
		{"ok/template-literal", "GET", "/shop/items", 200, "/shop/items", "", "shop"},
		{"ok/template-param", "GET", "/shop/items/7", 200, "/shop/items/7", "", "shop"},
		{"ok/template-second-route-same-path", "DELETE", "/shop/items/7", 200, "/shop/items/7", "", "shop"},
		{"ok/template-two-params", "GET", "/shop/items/7/lines/2", 200, "/shop/items/7/lines/2", "", "shop"},
		{"ok/literal-beats-param", "PUT", "/shop/items/export", 200, "/shop/items/export", "", "shop"},

		{"fail/not-segment-aligned", "GET", "/orders-admin", 404, "", "", ""},
		{"fail/not-segment-aligned-2", "GET", "/ordersx/1", 404, "", "", ""},
		{"fail/case-sensitive", "GET", "/ORDERS", 404, "", "", ""},
		{"fail/unknown", "GET", "/unknown", 404, "", "", ""},
		{"fail/root", "GET", "/", 404, "", "", ""},
		{"fail/dotdot-out-of-prefix", "GET", "/orders/../secret", 404, "", "", ""},
		{"fail/encoded-dotdot", "GET", "/orders/%2e%2e/admin", 400, "", "", ""},
		{"fail/encoded-slash", "GET", "/orders%2fadmin", 400, "", "", ""},
		{"fail/path-param", "GET", "/orders;x=1/../admin", 400, "", "", ""},
		{"fail/above-root", "GET", "/../orders", 400, "", "", ""},
		{"fail/template-trailing-slash", "GET", "/shop/items/", 404, "", "", "shop"},
		{"fail/template-too-deep", "GET", "/shop/items/7/x", 404, "", "", "shop"},
		{"fail/template-unknown", "GET", "/shop/other", 404, "", "", "shop"},
		{"fail/template-prefix-only", "GET", "/shop", 404, "", "", "shop"},
		{"fail/method-literal", "POST", "/shop/items", 405, "", "GET", "shop"},
		{"fail/method-all-matching-routes", "PUT", "/shop/items/7", 405, "", "DELETE, GET, POST", "shop"},
		{"fail/method-literal-and-param", "PATCH", "/shop/items/export", 405, "", "DELETE, GET, POST, PUT", "shop"},
		{"fail/head-not-implied", "HEAD", "/shop/items", 405, "", "GET", "shop"},
		{"fail/trace-without-routes", "TRACE", "/orders/1", 405, "", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT", "orders"},
		{"ok/head-without-routes", "HEAD", "/orders/1", 200, "/orders/1", "", "orders"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, srv.Client(), newReq(t, srv, tc.method, tc.path, nil))
			got, hits := f.up.received()
			if tc.upstream == "" {
				if tc.method != "HEAD" {
					checkProblem(t, res, body, tc.status)
				} else if res.StatusCode != tc.status {
					t.Errorf("status = %d, want %d", res.StatusCode, tc.status)
				}
				if hits != 0 {
					t.Errorf("upstream reached %d times, want 0", hits)
				}
				if a := res.Header.Get("Allow"); a != tc.allow {
					t.Errorf("Allow = %q, want %q", a, tc.allow)
				}
			} else {
				if res.StatusCode != tc.status {
					t.Fatalf("status = %d, want %d (body %s)", res.StatusCode, tc.status, body)
				}
				if hits != 1 || got == nil {
					t.Fatalf("upstream reached %d times, want 1", hits)
				}
				if got.RequestURI != tc.upstream {
					t.Errorf("upstream RequestURI = %q, want %q", got.RequestURI, tc.upstream)
				}
				if got.Method != tc.method {
					t.Errorf("upstream method = %q, want %q", got.Method, tc.method)
				}
			}
			if tc.api != "" {
				if r := obs.last(); r != tc.api {
					t.Errorf("route label = %q, want %q", r, tc.api)
				}
			}
		})
	}
}

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestNewRefusesBadConfig(t *testing.T) {
	up, _ := url.Parse("http://127.0.0.1:1")
	okAPI := func() API { return API{Name: "a", PathPrefix: "/a", Upstream: up, Auth: AuthPublic} }
	keys := staticKey{}
	cases := []struct {
		name string
		mod  func(*Config)
		want string // substring of the error
	}{
		{"fail/api-key-without-authenticator", func(c *Config) { c.APIs[0].Auth = AuthAPIKey }, "API-key authenticator"},
		{"fail/unknown-auth", func(c *Config) { c.APIs[0].Auth = "basic" }, `auth "basic"`},
		{"fail/missing-auth", func(c *Config) { c.APIs[0].Auth = "" }, "auth is required"},
		{"fail/route-api-key-without-authenticator", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"GET"}, Path: "/a", Auth: AuthAPIKey}}
		}, "API-key authenticator"},
		{"fail/no-name", func(c *Config) { c.APIs[0].Name = "" }, "name"},
		{"fail/duplicate-name", func(c *Config) {
			b := okAPI()
			b.PathPrefix = "/b"
			c.APIs = append(c.APIs, b)
		}, "duplicate name"},
		{"fail/duplicate-prefix", func(c *Config) {
			b := okAPI()
			b.Name = "b"
			c.APIs = append(c.APIs, b)
		}, "already used"},
		{"fail/prefix-not-canonical", func(c *Config) { c.APIs[0].PathPrefix = "/a/../b" }, "not canonical"},
		{"fail/prefix-relative", func(c *Config) { c.APIs[0].PathPrefix = "a" }, "path_prefix"},
		{"fail/no-upstream", func(c *Config) { c.APIs[0].Upstream = nil }, "upstream"},
		{"fail/upstream-scheme", func(c *Config) { c.APIs[0].Upstream = &url.URL{Scheme: "file", Path: "/etc"} }, "upstream"},
		{"fail/upstream-userinfo", func(c *Config) {
			c.APIs[0].Upstream = &url.URL{Scheme: "http", Host: "h", User: url.User("u")}
		}, "user info"},
		{"fail/public-with-scopes", func(c *Config) { c.APIs[0].Scopes = []string{"x"} }, "scopes need auth oauth2"},
		{"fail/bad-scope", func(c *Config) {
			c.APIs[0].Auth = AuthOAuth2
			c.APIs[0].Scopes = []string{`a"b`}
		}, "invalid character"},
		{"fail/route-outside-prefix", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"GET"}, Path: "/b/x"}}
		}, "not under path_prefix"},
		{"fail/route-param-in-prefix", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"GET"}, Path: "/{x}/y"}}
		}, "not under path_prefix"},
		{"fail/route-no-methods", func(c *Config) { c.APIs[0].Routes = []Route{{Path: "/a"}} }, "no methods"},
		{"fail/route-lower-method", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"get"}, Path: "/a"}}
		}, "upper-case"},
		{"fail/route-bad-param", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"GET"}, Path: "/a/{}"}}
		}, "parameter"},
		{"fail/route-dup-param", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"GET"}, Path: "/a/{x}/{x}"}}
		}, "twice"},
		{"fail/route-not-canonical", func(c *Config) {
			c.APIs[0].Routes = []Route{{Methods: []string{"GET"}, Path: "/a/../b"}}
		}, "not canonical"},
		{"fail/route-duplicate", func(c *Config) {
			c.APIs[0].Routes = []Route{
				{Methods: []string{"GET", "POST"}, Path: "/a/{x}"},
				{Methods: []string{"POST"}, Path: "/a/{y}"},
			}
		}, "duplicates"},
		{"fail/oauth-without-verifier", func(c *Config) { c.APIs[0].Auth = AuthOAuth2 }, "token verifier"},
		{"fail/negative-cache", func(c *Config) { c.CacheSize = -1 }, "cache size"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Issuer: testIssuer, APIs: []API{okAPI()}}
			tc.mod(&cfg)
			d := Deps{Keys: keys}
			_, err := New(cfg, d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("ok/control", func(t *testing.T) {
		if _, err := New(Config{APIs: []API{okAPI()}}, Deps{}); err != nil {
			t.Fatalf("New() = %v", err)
		}
	})
}

func TestRawPath(t *testing.T) {
	cases := []struct {
		name, requestURI, urlPath, want string
	}{
		{"ok/origin-form", "/orders/%2e%2e/x?q=1", "", "/orders/%2e%2e/x"},
		{"ok/origin-form-no-query", "/orders", "", "/orders"},
		{"ok/absolute-form", "http://gw.example/orders/%2fx?q", "", "/orders/%2fx"},
		{"ok/absolute-form-no-path", "http://gw.example?q", "", "/"},
		{"ok/absolute-form-bare", "https://gw.example", "", "/"},
		{"ok/asterisk-kept-for-refusal", "*", "", "*"},
		{"ok/authority-form-kept-for-refusal", "gw.example:443", "", "gw.example:443"},
		{"ok/in-process", "", "/a b", "/a%20b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RequestURI: tc.requestURI, URL: &url.URL{Path: tc.urlPath}}
			if got := rawPath(r); got != tc.want {
				t.Errorf("rawPath(%q) = %q, want %q", tc.requestURI, got, tc.want)
			}
		})
	}
}
