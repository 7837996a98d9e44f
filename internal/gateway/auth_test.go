package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// authConfig is the API set the auth tests run against.
func authConfig(t testing.TB, f *fixture) Config {
	return Config{Issuer: testIssuer, APIs: []API{
		{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthOAuth2,
			Scopes: []string{"orders:read"},
			Routes: []Route{
				{Methods: []string{"GET"}, Path: "/orders/{id}"},
				{Methods: []string{"POST"}, Path: "/orders", Scopes: []string{"orders:write"}},
				{Methods: []string{"GET"}, Path: "/orders/export/all", Scopes: []string{"orders:admin", "orders:read"}},
				{Methods: []string{"GET"}, Path: "/orders/public/info", Auth: AuthPublic},
				{Methods: []string{"GET"}, Path: "/orders/any/scope", Scopes: []string{}},
			}},
		{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic},
		{Name: "other", PathPrefix: "/other", Upstream: f.up.url(t, ""), Auth: AuthOAuth2},
	}}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, authConfig(t, f), f.deps(), false)

	read := f.token(t, f.claims("orders:read", "orders"))
	write := f.token(t, f.claims("orders:write", "orders"))
	none := f.token(t, f.claims("", "orders"))
	wrongScope := f.token(t, f.claims("orders:readx other:read", "orders"))
	wrongAud := f.token(t, f.claims("orders:read", "other-api"))
	both := f.token(t, f.claims("orders:read orders:admin", "orders", "other"))

	cases := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
		challenge          string // WWW-Authenticate; "" = absent
		reason             string // auth failure metric label
	}{
		{name: "fail/missing", method: "GET", path: "/orders/1",
			status: 401, challenge: `Bearer realm="rempart"`, reason: "missing"},
		{name: "fail/empty-header", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {""}},
			status: 401, challenge: `Bearer realm="rempart"`, reason: "missing"},
		{name: "fail/basic", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}},
			status: 401, challenge: `Bearer realm="rempart"`, reason: "basic_refused"},
		{name: "fail/basic-lowercase", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"basic dXNlcjpwYXNz"}},
			status: 401, challenge: `Bearer realm="rempart"`, reason: "basic_refused"},
		{name: "fail/other-scheme", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"ApiKey abc"}},
			status: 401, challenge: `Bearer realm="rempart"`, reason: "unsupported_scheme"},
		{name: "fail/token-in-query", method: "GET", path: "/orders/1?access_token=" + read,
			status: 400, reason: "credential_in_query"},
		{name: "fail/token-in-query-with-header", method: "GET", path: "/orders/1?a=1&access_token=" + read,
			header: bearer(read), status: 400, reason: "credential_in_query"},
		{name: "fail/token-in-query-encoded-key", method: "GET", path: "/orders/1?access%5Ftoken=x",
			header: bearer(read), status: 400, reason: "credential_in_query"},
		{name: "fail/token-in-query-semicolon", method: "GET", path: "/orders/1?a=1;access_token=x",
			header: bearer(read), status: 400, reason: "credential_in_query"},
		{name: "fail/token-in-query-public-api", method: "GET", path: "/pub/x?access_token=x",
			status: 400, reason: "credential_in_query"},
		{name: "fail/token-in-form-body", method: "POST", path: "/orders",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Bearer " + write}},
			body:   "a=1&access_token=" + write,
			status: 400, challenge: `Bearer realm="rempart", error="invalid_request"`, reason: "token_in_body"},
		{name: "fail/two-authorization-headers", method: "GET", path: "/orders/1",
			header: http.Header{"Authorization": {"Bearer " + read, "Bearer " + read}},
			status: 400, challenge: `Bearer realm="rempart", error="invalid_request"`, reason: "invalid_request"},
		{name: "fail/bearer-without-token", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"Bearer"}},
			status: 400, challenge: `Bearer realm="rempart", error="invalid_request"`, reason: "invalid_request"},
		{name: "fail/bearer-two-tokens", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"Bearer " + read + " x"}},
			status: 400, challenge: `Bearer realm="rempart", error="invalid_request"`, reason: "invalid_request"},
		{name: "fail/garbage-token", method: "GET", path: "/orders/1", header: bearer("abc.def.ghi"),
			status: 401, challenge: `Bearer realm="rempart", error="invalid_token"`, reason: "malformed"},
		{name: "fail/wrong-aud", method: "GET", path: "/orders/1", header: bearer(wrongAud),
			status: 401, challenge: `Bearer realm="rempart", error="invalid_token"`, reason: "audience"},
		{name: "fail/aud-for-orders-used-on-other", method: "GET", path: "/other/x", header: bearer(read),
			status: 401, challenge: `Bearer realm="rempart", error="invalid_token"`, reason: "audience"},
		{name: "fail/insufficient-scope-api-level", method: "GET", path: "/orders/1", header: bearer(wrongScope),
			status: 403, challenge: `Bearer realm="rempart", error="insufficient_scope", scope="orders:read"`, reason: "insufficient_scope"},
		{name: "fail/insufficient-scope-no-scope", method: "GET", path: "/orders/1", header: bearer(none),
			status: 403, challenge: `Bearer realm="rempart", error="insufficient_scope", scope="orders:read"`, reason: "insufficient_scope"},
		{name: "fail/insufficient-scope-route-level", method: "POST", path: "/orders", header: bearer(read),
			status: 403, challenge: `Bearer realm="rempart", error="insufficient_scope", scope="orders:write"`, reason: "insufficient_scope"},
		{name: "fail/insufficient-scope-route-overrides-api", method: "GET", path: "/orders/export/all", header: bearer(read),
			status: 403, challenge: `Bearer realm="rempart", error="insufficient_scope", scope="orders:admin orders:read"`, reason: "insufficient_scope"},
		{name: "fail/route-without-scope-still-needs-token", method: "GET", path: "/orders/any/scope",
			status: 401, challenge: `Bearer realm="rempart"`, reason: "missing"},

		{name: "ok/scope", method: "GET", path: "/orders/1", header: bearer(read), status: 200},
		{name: "ok/scheme-case-insensitive", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"bEaReR " + read}}, status: 200},
		{name: "ok/several-spaces", method: "GET", path: "/orders/1", header: http.Header{"Authorization": {"Bearer   " + read}}, status: 200},
		{name: "ok/route-level-scope", method: "POST", path: "/orders", header: bearer(write), body: `{"a":1}`, status: 200},
		{name: "ok/form-body-without-token", method: "POST", path: "/orders",
			header: http.Header{"Authorization": {"Bearer " + write}, "Content-Type": {"application/x-www-form-urlencoded"}},
			body:   "a=1&b=2", status: 200},
		{name: "ok/route-with-all-scopes", method: "GET", path: "/orders/export/all", header: bearer(both), status: 200},
		{name: "ok/route-with-empty-scopes", method: "GET", path: "/orders/any/scope", header: bearer(none), status: 200},
		{name: "ok/public-route-in-oauth-api", method: "GET", path: "/orders/public/info", status: 200},
		{name: "ok/public-api-without-authorization", method: "GET", path: "/pub/x", status: 200},
		{name: "ok/public-api-with-authorization", method: "GET", path: "/pub/x", header: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, status: 200},
		{name: "ok/multi-aud", method: "GET", path: "/other/x", header: bearer(both), status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := 0.0
			if tc.reason != "" {
				before = authFailures(t, f.metrics, tc.reason)
			}
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req := newReq(t, srv, tc.method, tc.path, nil)
			if body != nil {
				req = newReq(t, srv, tc.method, tc.path, body)
			}
			for k, vs := range tc.header {
				req.Header[k] = vs
			}
			res, resBody := do(t, srv.Client(), req)
			got, hits := f.up.received()
			if h := res.Header.Get("WWW-Authenticate"); h != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", h, tc.challenge)
			}
			if tc.status != 200 {
				checkProblem(t, res, resBody, tc.status)
				if hits != 0 {
					t.Errorf("upstream reached %d times on a refusal", hits)
				}
				if after := authFailures(t, f.metrics, tc.reason); after != before+1 {
					t.Errorf("auth failures{reason=%q} = %v, want %v", tc.reason, after, before+1)
				}
				return
			}
			if res.StatusCode != 200 || hits != 1 {
				t.Fatalf("status = %d, upstream hits = %d; want 200, 1 (body %s)", res.StatusCode, hits, resBody)
			}
			if a := got.Header.Values("Authorization"); len(a) != 0 {
				t.Errorf("upstream received Authorization %q", a)
			}
			if tc.body != "" {
				f.up.mu.Lock()
				b := string(f.up.body)
				f.up.mu.Unlock()
				if b != tc.body {
					t.Errorf("upstream body = %q, want %q", b, tc.body)
				}
			}
		})
	}
	// R20: no token ever reaches a log line.
	logs := f.logs.String()
	for _, tok := range []string{read, write, none, wrongScope, wrongAud, both} {
		if strings.Contains(logs, tok) || strings.Contains(logs, tok[strings.LastIndexByte(tok, '.')+1:]) {
			t.Fatalf("a token appears in the logs")
		}
	}
	if !strings.Contains(logs, "reason=insufficient_scope") || !strings.Contains(logs, "request_id=") {
		t.Errorf("refusals are not logged with reason and request id:\n%s", logs)
	}
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// TestAuthSpecificRouteWins checks that a literal route's stricter scopes
// are not bypassed by a parameter route matching the same path.
func TestAuthSpecificRouteWins(t *testing.T) {
	f := newFixture(t)
	cfg := Config{APIs: []API{{Name: "api", PathPrefix: "/api", Upstream: f.up.url(t, ""), Auth: AuthOAuth2,
		Routes: []Route{
			{Methods: []string{"GET"}, Path: "/api/items/{id}", Scopes: []string{"read"}},
			{Methods: []string{"GET"}, Path: "/api/items/admin", Scopes: []string{"admin"}},
		}}}}
	_, srv := f.serve(t, cfg, f.deps(), false)
	tok := f.token(t, f.claims("read", "api"))
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/items/1", 200},
		{"/api/items/admin", 403},
		{"/api/items/%61dmin", 403}, // decoded before routing: same as /admin
	} {
		req := newReq(t, srv, "GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, _ := do(t, srv.Client(), req)
		if res.StatusCode != tc.status {
			t.Errorf("GET %s = %d, want %d", tc.path, res.StatusCode, tc.status)
		}
	}
}

func TestBearerToken(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   string
		err    error
	}{
		{"ok/plain", []string{"Bearer abc"}, "abc", nil},
		{"ok/lower", []string{"bearer abc"}, "abc", nil},
		{"ok/padding", []string{"Bearer ab/c+d=="}, "ab/c+d==", nil},
		{"ok/jwt", []string{"Bearer a.b.c"}, "a.b.c", nil},
		{"fail/none", nil, "", errNoCredential},
		{"fail/empty", []string{""}, "", errNoCredential},
		{"fail/two", []string{"Bearer a", "Bearer b"}, "", errManyHeaders},
		{"fail/basic", []string{"Basic Zm9vOmJhcg=="}, "", errBasic},
		{"fail/digest", []string{"Digest x"}, "", errOtherScheme},
		{"fail/scheme-only", []string{"Bearer"}, "", errBadBearerForm},
		{"fail/empty-token", []string{"Bearer "}, "", errBadBearerForm},
		{"fail/comma", []string{"Bearer a, Bearer b"}, "", errBadBearerForm},
		{"fail/trailing-garbage", []string{"Bearer a b"}, "", errBadBearerForm},
		{"fail/padding-inside", []string{"Bearer a=b"}, "", errBadBearerForm},
		{"fail/only-padding", []string{"Bearer =="}, "", errBadBearerForm},
		{"fail/tab", []string{"Bearer\ta"}, "", errOtherScheme},
		{"fail/quote", []string{`Bearer "a"`}, "", errBadBearerForm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bearerToken(tc.values)
			if got != tc.want || err != tc.err {
				t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tc.values, got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic x", "Bearer  a==", "Bearer a b", "", "Bearer", "BEARER ~+/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, err := bearerToken([]string{h})
		if err != nil {
			if tok != "" {
				t.Fatalf("token %q returned with error %v", tok, err)
			}
			return
		}
		if tok == "" || !isB64Token(tok) || !strings.HasSuffix(h, tok) {
			t.Fatalf("bearerToken(%q) = %q: not a b64token suffix", h, tok)
		}
		if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
			t.Fatalf("bearerToken(%q) accepted another scheme", h)
		}
		if again, err := bearerToken([]string{"Bearer " + tok}); err != nil || again != tok {
			t.Fatalf("round trip of %q: %q, %v", tok, again, err)
		}
	})
}

func TestHasParam(t *testing.T) {
	cases := []struct {
		q    string
		want bool
	}{
		{"access_token=x", true},
		{"a=1&access_token=x", true},
		{"a=1;access_token", true},
		{"ACCESS_TOKEN=x", true},
		{"access%5Ftoken=x", true},
		{"access%5ftoken=x", true},
		{"a=access_token", false},
		{"xaccess_token=1", false},
		{"", false},
	}
	for _, tc := range cases {
		if got := hasParam(tc.q, "access_token"); got != tc.want {
			t.Errorf("hasParam(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// TestFormBodyTooLarge checks the bounded read of a body (max_body).
func TestFormBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	g, err := New(authConfig(t, f), f.deps())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/orders", strings.NewReader("a="+strings.Repeat("x", DefaultMaxBody)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+f.token(t, f.claims("orders:write", "orders")))
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", rec.Code)
	}
	if _, hits := f.up.received(); hits != 0 {
		t.Errorf("upstream reached")
	}
}
