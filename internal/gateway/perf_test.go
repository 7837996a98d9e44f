package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rempart/rempart/internal/hygiene"
	"github.com/rempart/rempart/internal/web"
)

// The per-request fast paths (header-name sets, the one-pass header scan,
// RawPath only when needed, response fields written into the writer's
// header) must decide exactly as the straightforward forms they replace.
// These tests compare them with those forms, kept here as references.

// strippedRequestHeaderRef is strippedRequestHeader as first written:
// canonicalise, then compare.
func strippedRequestHeaderRef(k string) bool {
	if strings.IndexByte(k, '_') >= 0 {
		k = strings.ReplaceAll(k, "_", "-")
	}
	switch http.CanonicalHeaderKey(k) {
	case "Authorization", "Proxy-Authorization", "X-Api-Key", "Dpop", "X-Request-Id",
		"Forwarded", "X-Real-Ip", "True-Client-Ip", "X-Client-Ip",
		"X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
		"X-Original-Url", "X-Rewrite-Url", "X-Original-Method":
		return true
	}
	return hasFoldPrefixRef(k, "X-Forwarded-") || hasFoldPrefixRef(k, "Rempart-")
}

// strippedResponseHeaderRef is strippedResponseHeader as first written.
func strippedResponseHeaderRef(k string) bool {
	if strings.IndexByte(k, '_') >= 0 {
		k = strings.ReplaceAll(k, "_", "-")
	}
	switch http.CanonicalHeaderKey(k) {
	case "Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime",
		"X-Version", "X-Generator", "Via", "X-Backend-Server",
		"X-Request-Id", "X-Content-Type-Options", "Strict-Transport-Security":
		return true
	}
	return hasFoldPrefixRef(k, "X-Envoy-") || hasFoldPrefixRef(k, "X-Kong-") || hasFoldPrefixRef(k, "Rempart-")
}

func hasFoldPrefixRef(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

var headerNameSeeds = []string{
	"", "a", "Authorization", "authorization", "AUTHORIZATION", "aUTHORIZATION", "Authorization ", " Authorization",
	"Authorizatio\xff", "Authorizati\u00f6n", "x_api_key", "X_API_KEY", "x-api-key", "X-Api-Key", "Dpop", "DPoP", "dpop",
	"X-Request-ID", "x-request-id", "X-Forwarded-For", "x-forwarded-host", "X_Forwarded_Proto", "X-Forwarded-",
	"X-Forwarded", "Rempart-Identity", "rempart-x", "REMPART_", "Rempart", "X-\u212Aong-Latency", "x-kong-a",
	"X-Envoy-Upstream-Service-Time", "x-envoy-", "\u017Ferver", "Server", "server", "SERVER", "Server\t", "Via", "via",
	"X-Powered-By", "X_Powered_By", "x-aspnetmvc-version", "Strict-Transport-Security", "strict_transport_security",
	"X-Content-Type-Options", "Content-Type", "Accept", "User-Agent", "Cookie", "X-Custom", "Forwarded", "forwarded",
	"True-Client-IP", "x-original-url", "X-HTTP-Method-Override", "x-http-method", "X-Method-Override",
	"Access-Control-Allow-Origin", "access-control-", "\u212A", "\xff", "-", "--", "X--Forwarded-",
}

// TestHeaderNameRulesMatchCanonicalForm checks the name sets and prefix
// test against canonicalise-then-compare, and that every member is
// canonical (nameSet's premise).
func TestHeaderNameRulesMatchCanonicalForm(t *testing.T) {
	for _, s := range []nameSet{strippedRequestNames, strippedResponseNames} {
		for _, members := range s.byLen {
			for _, m := range members {
				if http.CanonicalHeaderKey(m) != m || strings.ContainsFunc(m, func(r rune) bool {
					return !(r == '-' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
				}) {
					t.Errorf("member %q is not a canonical name of letters, digits and -", m)
				}
			}
		}
	}
	for _, k := range headerNameSeeds {
		checkHeaderNameRules(t, k)
	}
}

// FuzzHeaderNameRules is TestHeaderNameRulesMatchCanonicalForm on
// arbitrary names.
func FuzzHeaderNameRules(f *testing.F) {
	for _, k := range headerNameSeeds {
		f.Add(k)
	}
	f.Fuzz(checkHeaderNameRules)
}

func checkHeaderNameRules(t *testing.T, k string) {
	if got, want := strippedRequestHeader(k), strippedRequestHeaderRef(k); got != want {
		t.Errorf("strippedRequestHeader(%q) = %v, want %v", k, got, want)
	}
	if got, want := strippedResponseHeader(k), strippedResponseHeaderRef(k); got != want {
		t.Errorf("strippedResponseHeader(%q) = %v, want %v", k, got, want)
	}
	for _, p := range []string{"X-Forwarded-", "Rempart-", "X-Envoy-", "X-Kong-", "Access-Control-", "Kelvin-", "s"} {
		if got, want := hasFoldPrefix(k, p), hasFoldPrefixRef(k, p); got != want {
			t.Errorf("hasFoldPrefix(%q, %q) = %v, want %v", k, p, got, want)
		}
	}
}

// TestScanHeaderAgreesWithHygiene checks the premises of checkHygiene's
// one pass: it counts field lines as hygiene.CheckHeaderLimits does, and
// when it finds no method override or hop-by-hop field, the hygiene
// functions it then skips would have changed nothing.
func TestScanHeaderAgreesWithHygiene(t *testing.T) {
	names := []string{
		"Authorization", "Accept", "User-Agent", "Accept-Encoding", "Content-Type", "Content-Length", "Cookie",
		"X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Request-Id", "Origin", "If-None-Match", "Cache-Control",
		"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te",
		"Trailer", "Transfer-Encoding", "Upgrade", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
		"connection", "x-http-method-override", "X-HTTP-Method-Override", "upgrade", "TE",
	}
	// Every subset of a sliding window of names, with 0 to 2 values each.
	for start := range names {
		for mask := 0; mask < 1<<4; mask++ {
			h := http.Header{}
			for i := range 4 {
				if mask&(1<<i) != 0 {
					n := names[(start+i)%len(names)]
					h[n] = make([]string, (start+i)%3)
					for j := range h[n] {
						h[n][j] = "Authorization, Accept"
					}
				}
			}
			checkScan(t, h)
		}
	}
}

func checkScan(t *testing.T, h http.Header) {
	t.Helper()
	s := scanHeader(h)
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	if s.fields != n {
		t.Errorf("scanHeader(%v).fields = %d, want %d", h, s.fields, n)
	}
	// (A limit of 0 means the default, so n-1 is only tried above 1.)
	if hygiene.CheckHeaderLimits(h, max(n, 1)) != nil || (n > 1 && hygiene.CheckHeaderLimits(h, n-1) == nil) {
		t.Errorf("CheckHeaderLimits does not count %d field lines in %v", n, h)
	}
	if !s.override {
		c := h.Clone()
		if hygiene.StripMethodOverride(c) || len(c) != len(h) {
			t.Errorf("scanHeader(%v) found no method override, StripMethodOverride did", h)
		}
	}
	if !s.hopByHop {
		c := h.Clone()
		if hygiene.StripHopByHop(c); len(c) != len(h) {
			t.Errorf("scanHeader(%v) found no hop-by-hop field, StripHopByHop removed %d", h, len(h)-len(c))
		}
	}
}

// TestNeedsRawPath checks that url.URL writes a canonical path back from
// its decoded form alone whenever needsRawPath says RawPath is not needed.
func TestNeedsRawPath(t *testing.T) {
	for _, raw := range rawPathSeeds {
		checkRawPath(t, raw)
	}
}

var rawPathSeeds = []string{
	"/", "/orders/123", "/a:b@c/$&+,=", "/a/(b)", "/x*y!", "/it's", "/caf%C3%A9", "/a%20b", "/a b", "/%7Euser",
	"/a;b", "/a/%2e/b", "/a/./b/../c", "/%E2%82%AC/x", "/a//b/", "/{x}", "/a%3Fb", "/a?b", "/a#b", "/%25", "/~-._",
}

// FuzzNeedsRawPath is TestNeedsRawPath on arbitrary request paths.
func FuzzNeedsRawPath(f *testing.F) {
	for _, p := range rawPathSeeds {
		f.Add(p)
	}
	f.Fuzz(checkRawPath)
}

func checkRawPath(t *testing.T, raw string) {
	p, err := normalizePath(raw)
	if err != nil {
		return
	}
	u := &url.URL{Path: unescapePath(p)}
	if !needsRawPath(p) {
		if got := u.EscapedPath(); got != p {
			t.Errorf("canonical %q: EscapedPath without RawPath = %q", p, got)
		}
		return
	}
	u.RawPath = p
	if got := u.EscapedPath(); got != p {
		t.Errorf("canonical %q: EscapedPath with RawPath = %q", p, got)
	}
}

// TestUpstreamGetsCanonicalPath checks the request line the upstream
// receives, with and without RawPath, under a base path too.
func TestUpstreamGetsCanonicalPath(t *testing.T) {
	f := newFixture(t)
	cfg := Config{APIs: []API{
		{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic},
		{Name: "based", PathPrefix: "/based", Upstream: f.up.url(t, "/v1%2Fx/"), Auth: AuthPublic, StripPrefix: true},
	}}
	_, srv := f.serve(t, cfg, f.deps(), false)
	for _, tc := range []struct{ path, want string }{
		{"/pub/orders/123", "/pub/orders/123"},
		{"/pub/a:b@c/$&+,=", "/pub/a:b@c/$&+,="},
		{"/pub/a/(b)/x*y!/it's", "/pub/a/(b)/x*y!/it's"},
		{"/pub/caf%c3%a9/%7Euser", "/pub/caf%C3%A9/~user"},
		{"/pub/a%20b", "/pub/a%20b"},
		{"/based/orders/1", "/v1%2Fx/orders/1"},
		{"/based/(x)", "/v1%2Fx/(x)"},
		{"/based/caf%C3%A9", "/v1%2Fx/caf%C3%A9"},
	} {
		t.Run("ok"+tc.path, func(t *testing.T) {
			res, body := do(t, srv.Client(), newReq(t, srv, "GET", tc.path, nil))
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			got, _ := f.up.received()
			if got == nil || got.RequestURI != tc.want {
				t.Fatalf("upstream request line path %v, want %q", got, tc.want)
			}
		})
	}
}

// TestResponseFieldsReplaced checks that Rempart's response fields
// replace the upstream's, once each, with and without web.Observe (forward
// writes them into the writer's header only inside Observe).
func TestResponseFieldsReplaced(t *testing.T) {
	upstreamFields := http.Header{
		"X-Frame-Options": {"SAMEORIGIN"}, "Referrer-Policy": {"unsafe-url"}, "Server": {"nginx"},
		"X-Custom": {"kept"},
	}
	for _, observed := range []bool{true, false} {
		name := "ok/observed"
		if !observed {
			name = "ok/bare-handler"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.up.setHeaders(upstreamFields)
			g, err := New(authConfig(t, f), f.deps())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(g.Close)
			var h http.Handler = g
			if observed {
				h = web.Observe("gateway", nil, nil, false, g)
			}
			req := httptest.NewRequest("GET", "/orders/1", nil)
			req.Header.Set("Authorization", "Bearer "+f.token(t, f.claims("orders:read", "orders")))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			for k, want := range map[string]string{
				"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Content-Security-Policy": apiCSP,
				"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Custom": "kept",
			} {
				if got := rec.Header().Values(k); len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want exactly %q", k, got, want)
				}
			}
			if got := rec.Header().Values("Server"); len(got) != 0 {
				t.Errorf("Server = %q, want none", got)
			}
			if got, _ := f.up.received(); got == nil || got.Header.Get("Rempart-Identity") == "" || got.Header.Get("Authorization") != "" {
				t.Errorf("upstream request: want Rempart-Identity and no Authorization, got %v", got)
			}
		})
	}
}

// TestSharedFieldValuesUntouched checks that serving requests never writes
// into the shared, immutable field values.
func TestSharedFieldValuesUntouched(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, authConfig(t, f), f.deps(), false)
	tok := f.token(t, f.claims("orders:read", "orders"))
	for range 3 {
		req := newReq(t, srv, "GET", "/orders/1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if res, body := do(t, srv.Client(), req); res.StatusCode != 200 {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
	}
	for _, c := range []struct {
		v    []string
		want string
	}{
		{frameOptionsValue, "DENY"}, {referrerPolicyValue, "no-referrer"}, {apiCSPValue, apiCSP}, {noStoreValue, "no-store"},
	} {
		if len(c.v) != 1 || cap(c.v) != 1 || c.v[0] != c.want {
			t.Errorf("shared value = %q (cap %d), want [%q] with cap 1", c.v, cap(c.v), c.want)
		}
	}
}

// TestBufferPool checks that the copy-buffer pool hands out full-size
// buffers, takes them back without allocating and ignores foreign ones.
func TestBufferPool(t *testing.T) {
	bp := newBufferPool()
	b := bp.Get()
	if len(b) != copyBufferSize || cap(b) != copyBufferSize {
		t.Fatalf("Get: len %d cap %d, want %d", len(b), cap(b), copyBufferSize)
	}
	bp.Put(b[:10])
	bp.Put(make([]byte, 10)) // not ours: dropped
	if n := testing.AllocsPerRun(100, func() { bp.Put(bp.Get()) }); n != 0 {
		t.Errorf("Get+Put allocates %v times, want 0", n)
	}
}

// TestHeaderLimitBoundary checks checkHygiene's field-line limit at its
// edge, configured and default (hygiene.DefaultMaxHeaderCount).
func TestHeaderLimitBoundary(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name       string
		maxHeaders int
		lines      int
		status     int
	}{
		{"ok/at-configured-limit", 5, 5, 200},
		{"fail/over-configured-limit", 5, 6, 431},
		{"ok/at-default-limit", 0, hygiene.DefaultMaxHeaderCount, 200},
		{"fail/over-default-limit", 0, hygiene.DefaultMaxHeaderCount + 1, 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := f.deps()
			d.Transport = fakeUpstream{}
			g, err := New(Config{MaxHeaders: tc.maxHeaders, APIs: []API{
				{Name: "pub", PathPrefix: "/pub", Upstream: benchUpstream, Auth: AuthPublic},
			}}, d)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/pub/x", nil)
			req.Header["Accept"] = []string{"a", "b"}
			for i := range tc.lines - 2 {
				req.Header.Add("X-Filler", strings.Repeat("a", i+1))
			}
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("%d field lines, limit %d: status %d, want %d", tc.lines, tc.maxHeaders, rec.Code, tc.status)
			}
		})
	}
}
