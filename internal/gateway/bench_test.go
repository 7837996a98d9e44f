package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/web"
)

// fakeUpstream answers every request in-process, so benchmarks measure the
// gateway and not the network.
type fakeUpstream struct{}

func (fakeUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	const body = `{"ok":true}`
	return &http.Response{
		StatusCode:    200,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Server": {"nginx"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

var benchUpstream = &url.URL{Scheme: "http", Host: "upstream.internal"}

func runParallel(b *testing.B, h http.Handler, authz string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/orders/123?x=1", nil)
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkReverseProxyBare is the baseline: httputil.ReverseProxy alone.
func BenchmarkReverseProxyBare(b *testing.B) {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(benchUpstream)
			pr.SetXForwarded()
		},
		Transport: fakeUpstream{},
	}
	runParallel(b, p, "")
}

// BenchmarkReverseProxyBarePooled is the fair baseline: the bare proxy
// with the same body-copy buffer pool as the gateway.
func BenchmarkReverseProxyBarePooled(b *testing.B) {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(benchUpstream)
			pr.SetXForwarded()
		},
		Transport:  fakeUpstream{},
		BufferPool: newBufferPool(),
	}
	runParallel(b, p, "")
}

// BenchmarkGatewayPublic is the gateway on a public route (no token).
func BenchmarkGatewayPublic(b *testing.B) {
	g, err := New(Config{APIs: []API{{Name: "orders", PathPrefix: "/orders", Upstream: benchUpstream, Auth: AuthPublic}}},
		Deps{Transport: fakeUpstream{}})
	if err != nil {
		b.Fatal(err)
	}
	runParallel(b, g, "")
}

// BenchmarkGatewayCached is the gateway on an OAuth route with a cached
// verification and a reused Rempart-Identity: the steady-state cost of
// JWT validation.
func BenchmarkGatewayCached(b *testing.B) {
	f := newFixture(b)
	d := f.deps()
	d.Transport = fakeUpstream{}
	d.Log = nil
	g, err := New(Config{Issuer: testIssuer, APIs: []API{{
		Name: "orders", PathPrefix: "/orders", Upstream: benchUpstream, Auth: AuthOAuth2,
		Scopes: []string{"orders:read"},
		Routes: []Route{{Methods: []string{"GET"}, Path: "/orders/{id}"}},
	}}}, d)
	if err != nil {
		b.Fatal(err)
	}
	runParallel(b, g, "Bearer "+f.token(b, f.claims("orders:read", "orders")))
	// Goroutines racing on the very first request may each verify once.
	if n := f.verifier.calls.Load(); n > int64(runtime.GOMAXPROCS(0)) {
		b.Errorf("VerifyAccess called %d times, want at most one per goroutine", n)
	}
}

// BenchmarkGatewayUncached empties the cache before every request, so each
// one verifies the token and signs a Rempart-Identity: what the cache saves.
func BenchmarkGatewayUncached(b *testing.B) {
	f := newFixture(b)
	d := f.deps()
	d.Transport = fakeUpstream{}
	d.Log = nil
	g, err := New(Config{Issuer: testIssuer, APIs: []API{{
		Name: "orders", PathPrefix: "/orders", Upstream: benchUpstream, Auth: AuthOAuth2, Scopes: []string{"orders:read"},
	}}}, d)
	if err != nil {
		b.Fatal(err)
	}
	tok := f.token(b, f.claims("orders:read", "orders"))
	g.cache = newVerifyCache(1)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/orders/123?x=1", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			g.cache.shards[0].mu.Lock()
			clear(g.cache.shards[0].m)
			g.cache.shards[0].mu.Unlock()
			g.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkGatewayPipeline is the whole pipeline on: a cached token, the
// jail, a rate limit, OpenAPI validation (path, query, header and JSON
// body), scopes and CEL policies (the API's and the route's), then the
// proxy. Compare with BenchmarkReverseProxyBarePooled (the bare proxy)
// and BenchmarkGatewayCached (authentication only).
func BenchmarkGatewayPipeline(b *testing.B) {
	f := newFixture(b)
	d := f.deps()
	d.Transport = fakeUpstream{}
	d.Log = nil
	d.Jail = f.newJail()
	g, err := New(Config{Issuer: testIssuer, APIs: []API{{
		Name: "shop", PathPrefix: "/shop", Upstream: benchUpstream, Auth: AuthOAuth2,
		Scopes:    []string{"orders:read"},
		OpenAPI:   "testdata/shop.openapi.yaml",
		RateLimit: &RateLimit{Requests: 1 << 30, Per: time.Hour, By: ByClient},
		Policy:    `request.method == "GET" || "orders:write" in token.scope.split(" ")`,
		Routes: []Route{
			{Methods: []string{"GET"}, Path: "/shop/orders/{id}", Policy: "token.sub == request.path_params.id"},
			{Methods: []string{"POST"}, Path: "/shop/orders", Policy: "body.amount < 1000.0"},
		},
	}}}, d)
	if err != nil {
		b.Fatal(err)
	}
	authz := "Bearer " + f.token(b, f.claims("orders:read orders:write", "shop"))
	const order = `{"item":"book","amount":12.5,"note":"gift wrap"}`
	for _, bc := range []struct {
		name, method, target, body string
	}{
		{"get", "GET", "/shop/orders/user-1", ""},
		{"post-json", "POST", "/shop/orders", order},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var body io.Reader
					if bc.body != "" {
						body = strings.NewReader(bc.body)
					}
					req := httptest.NewRequest(bc.method, bc.target, body)
					req.Header.Set("Authorization", authz)
					if bc.body != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					rec := httptest.NewRecorder()
					g.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}

// swapLike is app.swapHandler's shape (internal/app/reload.go): the
// listener serves through an atomically replaced handler.
type swapLike struct{ h atomic.Pointer[http.Handler] }

func (s *swapLike) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.h.Load()).ServeHTTP(w, r) }

// BenchmarkGatewayApp is BenchmarkGatewayCached wrapped as the app serves
// it (internal/app addListener, buildGateway): web.Observe with metrics
// and a warn-level logger, the reload indirection, HTTPS security headers,
// the jail, the revocation check (D1) and the gateway's metrics.
func BenchmarkGatewayApp(b *testing.B) {
	f := newFixture(b)
	d := f.deps()
	d.Transport = fakeUpstream{}
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d.Log = log
	d.Jail = f.newJail()
	d.Revoked = func(string) bool { return false }
	g, err := New(Config{Issuer: testIssuer, HTTPS: true, APIs: []API{{
		Name: "orders", PathPrefix: "/orders", Upstream: benchUpstream, Auth: AuthOAuth2,
		Scopes: []string{"orders:read"},
	}}}, d)
	if err != nil {
		b.Fatal(err)
	}
	sw := &swapLike{}
	var h http.Handler = g
	sw.h.Store(&h)
	runParallel(b, web.Observe("gateway", log, f.metrics, true, sw), "Bearer "+f.token(b, f.claims("orders:read", "orders")))
}
