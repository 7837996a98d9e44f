package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// checkingUpstream fails the fuzz run when a forwarded request breaks an
// invariant: a non-canonical path, a caller credential, a body longer than
// max_body.
type checkingUpstream struct {
	t       *testing.T
	maxBody int64
}

func (u checkingUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	if p := r.URL.EscapedPath(); p != "" {
		if canon, err := normalizePath(p); err != nil || canon != p {
			u.t.Errorf("upstream got non-canonical path %q", p)
		}
	}
	for _, h := range []string{"Authorization", "X-Api-Key", "Dpop", "X-Http-Method-Override"} {
		if r.Header.Get(h) != "" {
			u.t.Errorf("upstream got %s", h)
		}
	}
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		if int64(len(b)) > u.maxBody {
			u.t.Errorf("upstream got a %d-byte body", len(b))
		}
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		for k := range q {
			if strings.EqualFold(k, "access_token") || strings.EqualFold(k, "api_key") {
				u.t.Errorf("upstream got a credential in the query")
			}
		}
	}
	return fakeUpstream{}.RoundTrip(r)
}

// FuzzServe drives the whole pipeline (every stage on) with arbitrary
// methods, paths, queries, headers and bodies: it must never panic, always
// answer a valid status, and never forward a request that breaks the
// gateway's invariants (checkingUpstream).
func FuzzServe(f *testing.F) {
	f.Add("GET", "/shop/orders/abc", "limit=1", "Content-Type", "application/json", "")
	f.Add("POST", "/shop/orders", "", "Content-Type", "application/json", `{"item":"a","amount":1}`)
	f.Add("POST", "/shop/orders", "", "Content-Type", "application/json", `{"item":"a","amount":1,"x":[[[[1]]]]}`)
	f.Add("GET", "/shop/%2e%2e/admin", "access_token=x", "Authorization", "Bearer abc", "")
	f.Add("OPTIONS", "/shop/orders", "", "Origin", "https://app.example.com", "")
	f.Add("GET", "/open/x", "a=1;token=2", "X-HTTP-Method-Override", "DELETE", "")
	f.Add("PUT", "/open//a/../b", "", "Connection", "X-Api-Key", "zzz")
	fx := newFixture(f)
	d := fx.deps()
	d.Jail = fx.newJail()
	d, st := fx.withKeys(d)
	_, key := issue(f, st, fx.clock.Now(), "k", "keys")
	d.Log = nil
	const maxBody = 512
	cfg := Config{Issuer: testIssuer, MaxBody: maxBody, MaxHeaders: 30, JSONLimits: jsonLimits(), TrustedProxies: []string{"192.0.2.0/24"}, APIs: []API{
		{Name: "shop", PathPrefix: "/shop", Upstream: benchUpstream, Auth: AuthPublic, OpenAPI: "testdata/shop.openapi.yaml",
			ResponseValidation: "strip", Policy: `!has(request.path_params.id) || request.path_params.id != "x"`,
			RateLimit: &RateLimit{Requests: 1 << 20, Per: time.Hour, By: ByIP},
			CORS:      &CORS{AllowOrigins: []string{"https://app.example.com"}}},
		{Name: "orders", PathPrefix: "/orders", Upstream: benchUpstream, Auth: AuthOAuth2, Scopes: []string{"orders:read"},
			Routes: []Route{{Methods: []string{"GET", "POST"}, Path: "/orders/{id}", Policy: "token.sub == request.path_params.id"}}},
		{Name: "keys", PathPrefix: "/keys", Upstream: benchUpstream, Auth: AuthAPIKey, AllowIPs: []string{"192.0.2.0/24", "127.0.0.1"}},
		{Name: "open", PathPrefix: "/open", Upstream: benchUpstream, Auth: AuthPublic, ContentTypes: []string{"application/json"},
			Deprecated: &Deprecation{Sunset: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}}
	tok := fx.token(f, fx.claims("orders:read", "orders"))
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue, body string) {
		dd := d
		dd.Transport = checkingUpstream{t: t, maxBody: maxBody}
		g, err := New(cfg, dd)
		if err != nil {
			t.Fatal(err)
		}
		if method == "" || strings.ContainsAny(method, " \t\r\n") || !strings.HasPrefix(path, "/") {
			return
		}
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: "/", RawQuery: query},
			RequestURI: path + "?" + query,
			Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:     http.Header{"Authorization": {"Bearer " + tok}, "X-Api-Key": {key}, "X-Forwarded-For": {"192.0.2.7"}},
			RemoteAddr: "127.0.0.1:1234",
			Host:       "gw",
		}
		if hname != "" && !strings.ContainsAny(hname, " \t\r\n:") {
			r.Header[http.CanonicalHeaderKey(hname)] = append(r.Header[http.CanonicalHeaderKey(hname)], hvalue)
		}
		if body != "" {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		} else {
			r.Body = http.NoBody
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, r)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
