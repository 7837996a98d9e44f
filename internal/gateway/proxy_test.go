package gateway

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/token"
)

// TestUpstreamSees checks what crosses the gateway towards the upstream:
// no caller credentials or caller-chosen identity, Rempart's request id and
// a verifiable Rempart-Identity.
func TestUpstreamSees(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, authConfig(t, f), f.deps(), false)
	c := f.claims("orders:read", "orders")
	tok := f.token(t, c)

	req := newReq(t, srv, "GET", "/orders/1?q=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	for k, v := range map[string]string{
		"Rempart-Identity":       "forged",
		"Rempart-Anything":       "forged",
		"Rempart_Identity":       "forged",
		"X-Request-ID":           "caller-chosen",
		"X_Request_ID":           "caller-chosen",
		"X-API-Key":              "secret-key",
		"DPoP":                   "proof",
		"Proxy-Authorization":    "Basic eDp5",
		"X-Forwarded-For":        "6.6.6.6",
		"X-Forwarded-Host":       "evil.example",
		"X-Forwarded-Prefix":     "/admin",
		"Forwarded":              "for=6.6.6.6",
		"X-Real-IP":              "6.6.6.6",
		"X-HTTP-Method-Override": "DELETE",
		"X-Original-URL":         "/admin",
		"Cookie":                 "session=abc",
		"Accept":                 "application/json",
	} {
		req.Header[k] = []string{v}
	}
	res, body := do(t, srv.Client(), req)
	if res.StatusCode != 200 {
		t.Fatalf("status %d (body %s)", res.StatusCode, body)
	}
	got, _ := f.up.received()
	for _, k := range []string{"Authorization", "Rempart-Anything", "Rempart_Identity", "X_Request_ID", "X-Api-Key",
		"Dpop", "Proxy-Authorization", "X-Forwarded-Prefix", "Forwarded", "X-Real-Ip", "X-Http-Method-Override", "X-Original-Url"} {
		if v := got.Header.Values(k); len(v) != 0 {
			t.Errorf("upstream received %s: %q", k, v)
		}
	}
	if v := got.Header.Get("Cookie"); v != "session=abc" {
		t.Errorf("Cookie = %q, want it kept", v)
	}
	if v := got.Header.Get("Accept"); v != "application/json" {
		t.Errorf("Accept = %q, want it kept", v)
	}
	if v := got.Header.Values("X-Forwarded-For"); len(v) != 1 || v[0] != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want the peer only", v)
	}
	srvURL, _ := url.Parse(srv.URL)
	if v := got.Header.Get("X-Forwarded-Host"); v != srvURL.Host {
		t.Errorf("X-Forwarded-Host = %q, want %q", v, srvURL.Host)
	}
	if v := got.Header.Get("X-Forwarded-Proto"); v != "http" {
		t.Errorf("X-Forwarded-Proto = %q, want http", v)
	}
	upURL, _ := url.Parse(f.up.srv.URL)
	if got.Host != upURL.Host {
		t.Errorf("upstream Host = %q, want %q", got.Host, upURL.Host)
	}
	if rid := got.Header.Values("X-Request-Id"); len(rid) != 1 || rid[0] != res.Header.Get("X-Request-ID") || rid[0] == "" {
		t.Errorf("upstream X-Request-ID = %q, response X-Request-ID = %q", rid, res.Header.Get("X-Request-ID"))
	}
	ids := got.Header.Values("Rempart-Identity")
	if len(ids) != 1 {
		t.Fatalf("Rempart-Identity = %q, want exactly one", ids)
	}
	ic, err := f.idVerifier.VerifyIdentity(ids[0], "orders")
	if err != nil {
		t.Fatalf("Rempart-Identity does not verify: %v", err)
	}
	if ic.Subject != c.Subject || ic.ClientID != c.ClientID || ic.Scope != c.Scope || ic.Issuer != testIssuer {
		t.Errorf("identity claims = %+v, want sub/client_id/scope of the access token", ic)
	}
	if len(ic.Audience) != 1 || ic.Audience[0] != "orders" {
		t.Errorf("identity aud = %q, want [orders]", ic.Audience)
	}
	iat, exp := ic.IssuedAt.Time(), ic.Expiry.Time()
	if exp.Sub(iat) > 60*time.Second || !exp.After(f.clock.Now()) {
		t.Errorf("identity iat %v exp %v: want a lifetime ≤ 60 s, still valid", iat, exp)
	}
	if ic.ID == "" || ic.ID == c.ID {
		t.Errorf("identity jti = %q, want a fresh one", ic.ID)
	}
	if _, err := f.verifier.v.VerifyAccess(ids[0]); err == nil {
		t.Errorf("the identity assertion is accepted as an access token")
	}
}

// TestIdentityReuse checks that the assertion is reused while it has ≥ 10 s
// left, renewed after, never outlives the access token, and is per API.
func TestIdentityReuse(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, authConfig(t, f), f.deps(), false)
	c := f.claims("orders:read", "orders", "other")
	c.Expiry = jwt.NewNumericDate(t0.Add(90 * time.Second))
	tok := f.token(t, c)

	identity := func(path string) string {
		t.Helper()
		req := newReq(t, srv, "GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, body := do(t, srv.Client(), req)
		if res.StatusCode != 200 {
			t.Fatalf("status %d (body %s)", res.StatusCode, body)
		}
		got, _ := f.up.received()
		return got.Header.Get("Rempart-Identity")
	}
	claimsOf := func(raw, aud string) *token.IdentityClaims {
		t.Helper()
		ic, err := f.idVerifier.VerifyIdentity(raw, aud)
		if err != nil {
			t.Fatalf("identity: %v", err)
		}
		return ic
	}
	first := identity("/orders/1")
	if second := identity("/orders/2"); second != first {
		t.Errorf("identity not reused within its lifetime")
	}
	other := identity("/other/x")
	if other == first {
		t.Errorf("identity for API orders reused for API other")
	}
	claimsOf(other, "other")

	f.clock.Add(49 * time.Second) // 11 s left
	if again := identity("/orders/3"); again != first {
		t.Errorf("identity with 11 s left not reused")
	}
	f.clock.Add(2 * time.Second) // 9 s left
	renewed := identity("/orders/4")
	if renewed == first {
		t.Fatalf("identity with 9 s left reused")
	}
	ic := claimsOf(renewed, "orders")
	if !ic.Expiry.Time().Equal(t0.Add(90 * time.Second)) {
		t.Errorf("identity exp = %v, want the access token's exp %v", ic.Expiry.Time(), t0.Add(90*time.Second))
	}
	f.clock.Add(30 * time.Second) // 9 s left on the token: the capped assertion is still the best
	if again := identity("/orders/5"); again != renewed {
		t.Errorf("identity capped at the token's exp not reused")
	}
}

// TestResponseCleaning checks R17 on proxied responses.
func TestResponseCleaning(t *testing.T) {
	for _, tc := range []struct {
		name        string
		https       bool
		path        string
		auth        bool
		upstream    http.Header
		wantCC      string
		wantCSP     string
		wantHSTS    bool
		wantPresent map[string]string
	}{
		{name: "ok/fingerprints-stripped-auth", path: "/orders/1", auth: true,
			upstream: http.Header{
				"Server": {"nginx/1.2"}, "X-Powered-By": {"PHP/5"}, "X-Aspnet-Version": {"4.0"}, "X-Aspnetmvc-Version": {"5"},
				"X-Runtime": {"0.1"}, "X-Version": {"1.2.3"}, "X-Generator": {"Drupal"}, "Via": {"1.1 squid"},
				"X-Backend-Server": {"app-7"}, "X-Envoy-Upstream-Service-Time": {"3"}, "X-Kong-Proxy-Latency": {"1"},
				"X-Request-Id": {"upstream-id"}, "X-Content-Type-Options": {"sniff"}, "Strict-Transport-Security": {"max-age=0"},
				"Rempart-Identity": {"echo"}, "X_Powered_By": {"Express"}, "X-Custom": {"kept"},
			},
			wantCC: "no-store", wantCSP: apiCSP, wantPresent: map[string]string{"X-Custom": "kept"}},
		{name: "ok/upstream-cache-control-and-csp-kept", path: "/orders/1", auth: true,
			upstream: http.Header{"Cache-Control": {"private, max-age=5"}, "Content-Security-Policy": {"default-src 'self'"}},
			wantCC:   "private, max-age=5", wantCSP: "default-src 'self'"},
		{name: "ok/public-no-cache-control-added", path: "/pub/x", upstream: http.Header{}, wantCC: "", wantCSP: apiCSP},
		{name: "ok/https-hsts", https: true, path: "/pub/x", upstream: http.Header{"Strict-Transport-Security": {"max-age=0"}},
			wantCSP: apiCSP, wantHSTS: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			cfg := authConfig(t, f)
			cfg.HTTPS = tc.https
			_, srv := f.serve(t, cfg, f.deps(), tc.https)
			f.up.setHeaders(tc.upstream)
			req := newReq(t, srv, "GET", tc.path, nil)
			if tc.auth {
				req.Header.Set("Authorization", "Bearer "+f.token(t, f.claims("orders:read", "orders")))
			}
			res, body := do(t, srv.Client(), req)
			if res.StatusCode != 200 {
				t.Fatalf("status %d (body %s)", res.StatusCode, body)
			}
			for _, k := range []string{"Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime",
				"X-Version", "X-Generator", "Via", "X-Backend-Server", "X-Envoy-Upstream-Service-Time", "X-Kong-Proxy-Latency",
				"Rempart-Identity", "X_Powered_By"} {
				if v := res.Header.Values(k); len(v) != 0 {
					t.Errorf("response carries %s: %q", k, v)
				}
			}
			want := map[string]string{
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
				"Content-Security-Policy": tc.wantCSP,
				"Cache-Control":           tc.wantCC,
			}
			for k, v := range tc.wantPresent {
				want[k] = v
			}
			for k, v := range want {
				got := res.Header.Values(k)
				if v == "" && len(got) == 0 {
					continue
				}
				if len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want exactly %q", k, got, v)
				}
			}
			if rid := res.Header.Values("X-Request-Id"); len(rid) != 1 || rid[0] == "upstream-id" {
				t.Errorf("X-Request-ID = %q, want Rempart's only", rid)
			}
			hsts := res.Header.Values("Strict-Transport-Security")
			if tc.wantHSTS != (len(hsts) == 1 && strings.HasPrefix(hsts[0], "max-age=63072000")) || (!tc.wantHSTS && len(hsts) != 0) {
				t.Errorf("Strict-Transport-Security = %q, want present: %v", hsts, tc.wantHSTS)
			}
		})
	}
}

// TestUpstreamFailures checks R19: a dead or slow upstream gets a generic
// 502/504 that names nothing.
func TestUpstreamFailures(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	ln.Close()

	cfg := Config{APIs: []API{
		{Name: "dead", PathPrefix: "/dead", Upstream: dead, Auth: AuthPublic},
		{Name: "slow", PathPrefix: "/slow", Upstream: f.up.url(t, ""), Auth: AuthPublic},
	}}
	d := f.deps()
	d.Transport = &http.Transport{Proxy: nil, ResponseHeaderTimeout: 50 * time.Millisecond}
	_, srv := f.serve(t, cfg, d, false)
	block := make(chan struct{})
	defer close(block)
	f.up.mu.Lock()
	f.up.block = block
	f.up.mu.Unlock()

	for _, tc := range []struct {
		name, path string
		status     int
		hide       []string
	}{
		{"fail/upstream-down", "/dead/x", http.StatusBadGateway, []string{dead.Host, "connection refused", "dial"}},
		{"fail/upstream-timeout", "/slow/x", http.StatusGatewayTimeout, []string{f.up.srv.URL[len("http://"):], "timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, srv.Client(), newReq(t, srv, "GET", tc.path, nil))
			checkProblem(t, res, body, tc.status)
			for _, s := range tc.hide {
				if strings.Contains(string(body), s) || strings.Contains(strings.Join(headerLines(res.Header), "\n"), s) {
					t.Errorf("response reveals %q: %s", s, body)
				}
			}
			if !strings.Contains(f.logs.String(), "reason="+map[int]string{502: "upstream_error", 504: "upstream_timeout"}[tc.status]) {
				t.Errorf("upstream failure not logged")
			}
		})
	}
}

func headerLines(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	return out
}

func TestDefaultTransport(t *testing.T) {
	f := newFixture(t)
	tb, err := compile(Config{APIs: []API{{Name: "a", PathPrefix: "/a", Upstream: f.up.url(t, ""), Auth: AuthPublic}}})
	if err != nil {
		t.Fatal(err)
	}
	tr := newTransport(tb, DefaultUpstreamTimeout)
	if tr.Proxy != nil {
		t.Errorf("transport uses a proxy from the environment")
	}
	if tr.MaxIdleConnsPerHost < 256 || tr.ResponseHeaderTimeout != 30*time.Second || tr.ForceAttemptHTTP2 {
		t.Errorf("transport = %+v, want ≥ 256 idle per host, 30 s header timeout, no forced HTTP/2 for http upstreams", tr)
	}
}

// TestServeWithoutObserve checks the gateway stays usable when called
// directly (no request id from web.Observe).
func TestServeWithoutObserve(t *testing.T) {
	f := newFixture(t)
	g, err := New(authConfig(t, f), f.deps())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/pub/x", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if got, _ := f.up.received(); got.Header.Get("X-Request-Id") != "" {
		t.Errorf("X-Request-ID sent without a request id")
	}
}
