package rp

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLoginRequest: /login asks for a code with PKCE S256, a fresh state
// and nonce (R10, RFC 7636, OIDC Core §3.1.2.1), and keeps them in a sealed
// HttpOnly SameSite=Lax cookie; nothing secret is in the URL.
func TestLoginRequest(t *testing.T) {
	h := newHarness(t)
	rec := h.browser.do(http.MethodGet, "/login", nil)
	loc := rec.Header().Get("Location")
	ar := h.login(t)
	if ar.ResponseType != "code" || ar.Method != "S256" || ar.ClientID != testClientID || ar.RedirectURI != testRedirect {
		t.Errorf("authorization request %+v: want response_type=code, S256, the client id and the exact redirect URI", ar)
	}
	if got := strings.Fields(ar.Scope); !slices.Equal(got, DefaultScopes) {
		t.Errorf("scope = %q, want %q", got, DefaultScopes)
	}
	for name, v := range map[string]string{"state": ar.State, "nonce": ar.Nonce, "code_challenge": ar.Challenge} {
		if b, err := base64.RawURLEncoding.DecodeString(v); err != nil || len(b) != 32 {
			t.Errorf("%s = %q: want 256 random bits, base64url", name, v)
		}
	}
	second := h.login(t)
	if second.State == ar.State || second.Nonce == ar.Nonce || second.Challenge == ar.Challenge {
		t.Error("two logins share a state, nonce or challenge")
	}
	for _, bad := range []string{testClientSecret, "code_verifier", "client_secret"} {
		if strings.Contains(loc, bad) {
			t.Errorf("authorization URL %q contains %q", loc, bad)
		}
	}
	var fc *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == flowCookie {
			fc = c
		}
	}
	if fc == nil {
		t.Fatal("no flow cookie set")
	}
	if !fc.HttpOnly || fc.SameSite != http.SameSiteLaxMode || fc.Secure || fc.Path != "/" || fc.MaxAge != int(flowTTL/time.Second) {
		t.Errorf("flow cookie %+v: want HttpOnly, SameSite=Lax, Path=/, Max-Age %v, not Secure on http", fc, flowTTL)
	}
	for _, v := range []string{ar.State, ar.Nonce} {
		if strings.Contains(fc.Value, v) {
			t.Error("the flow cookie holds the state or nonce in clear")
		}
	}
}

// TestSignIn: the whole flow through the fake provider; the page shows the
// verified claims and userinfo, and the token request carried the PKCE
// verifier and client_secret_basic.
func TestSignIn(t *testing.T) {
	h := newHarness(t)
	ar := h.login(t)
	resp := h.goodResponse(ar)
	rec := h.callback(resp)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("callback = %d %q, want 303 to /\n%s", rec.Code, rec.Header().Get("Location"), h.logs)
	}
	var sc *http.Cookie
	for _, c := range rec.Result().Cookies() {
		switch c.Name {
		case sessionCookie:
			sc = c
		case flowCookie:
			if c.MaxAge >= 0 {
				t.Errorf("flow cookie not cleared after the callback: %+v", c)
			}
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v: want HttpOnly SameSite=Lax", sc)
	}
	if b, err := base64.RawURLEncoding.DecodeString(sc.Value); err != nil || len(b) != 32 {
		t.Errorf("session cookie value: want 256 random bits")
	}

	trs := h.op.tokenRequests()
	if len(trs) != 1 {
		t.Fatalf("%d token requests, want 1", len(trs))
	}
	tr := trs[0]
	sum := sha256.Sum256([]byte(tr.Verifier))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != ar.Challenge {
		t.Error("code_verifier does not match the S256 challenge")
	}
	if tr.BasicUser != testClientID || tr.BodySecret != "" || tr.RedirectURI != testRedirect {
		t.Errorf("token request %+v: want client_secret_basic only and the redirect URI", tr)
	}

	home := h.browser.do(http.MethodGet, "/", nil)
	body := home.Body.String()
	for _, want := range []string{
		`<strong id="username">alice</strong>`, "Verified ID token claims",
		`<td id="claim-sub">` + testSub, `<td id="claim-amr">pwd otp</td>`, `<td id="claim-acr">urn:rempart:acr:mfa</td>`,
		`<td id="claim-email">alice@example.com (email_verified: false)`, `<td id="claim-iss">` + h.op.issuer(),
		`<td id="claim-auth_time">` + h.clock.Now().Add(-time.Minute).UTC().Format("2006-01-02 15:04:05 UTC"),
		`<table id="userinfo">`, "Refresh token: held",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q:\n%s", want, body)
		}
	}
	for _, hdr := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Cache-Control"} {
		if home.Header().Get(hdr) == "" {
			t.Errorf("home page without %s", hdr)
		}
	}
	if got := home.Header().Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy = %q, want same-origin (the callback URL holds the code)", got)
	}

	// The same response again: the flow cookie is spent.
	if again := h.callback(resp); again.Code != http.StatusBadRequest {
		t.Errorf("replayed callback = %d, want 400", again.Code)
	}
	if n := len(h.op.tokenRequests()); n != 1 {
		t.Errorf("a replayed callback reached the token endpoint (%d requests)", n)
	}
	noSecretsIn(t, h, "logs", h.logs.String(), tr)
	noSecretsIn(t, h, "page", body, tr)
}

// noSecretsIn fails if s holds the client secret, the code, the verifier or
// a token.
func noSecretsIn(t *testing.T, h *harness, what, s string, tr tokenRequest) {
	t.Helper()
	h.op.mu.Lock()
	secrets := []string{testClientSecret, tr.Code, tr.Verifier}
	for at := range h.op.accessTokens {
		secrets = append(secrets, at)
	}
	for rt := range h.op.refresh {
		secrets = append(secrets, rt)
	}
	h.op.mu.Unlock()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s contain a secret value (%.6s…)", what, sec)
		}
	}
}

// TestCallbackRefused: every bad authorization response is refused before
// the code is redeemed, or, for a bad ID token, without a session.
func TestCallbackRefused(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tweak    func(op *fakeOP)
		response func(h *harness, ar authRequest) url.Values
		prepare  func(h *harness)
		status   int
		redeemed bool // the token endpoint was called
	}{
		{name: "fail/state-mismatch", status: http.StatusBadRequest, response: func(h *harness, ar authRequest) url.Values {
			q := h.goodResponse(ar)
			q.Set("state", ar.State+"x")
			return q
		}},
		{name: "fail/state-missing", status: http.StatusBadRequest, response: func(h *harness, ar authRequest) url.Values {
			q := h.goodResponse(ar)
			q.Del("state")
			return q
		}},
		{name: "fail/no-flow-cookie", status: http.StatusBadRequest, prepare: func(h *harness) { clear(h.browser.cookies) }},
		{name: "fail/forged-flow-cookie", status: http.StatusBadRequest, prepare: func(h *harness) {
			h.browser.cookies[flowCookie] = &http.Cookie{Name: flowCookie, Value: base64.RawURLEncoding.EncodeToString(make([]byte, 80))}
		}},
		{name: "fail/flow-expired", status: http.StatusBadRequest, prepare: func(h *harness) { h.clock.Advance(flowTTL) }},
		{name: "fail/iss-mismatch", status: http.StatusBadRequest, response: func(h *harness, ar authRequest) url.Values {
			q := h.goodResponse(ar)
			q.Set("iss", "https://attacker.example")
			return q
		}},
		{name: "fail/iss-missing-when-advertised", status: http.StatusBadRequest, response: func(h *harness, ar authRequest) url.Values {
			q := h.goodResponse(ar)
			q.Del("iss")
			return q
		}},
		{name: "fail/error-response", status: http.StatusBadRequest, response: func(h *harness, ar authRequest) url.Values {
			return url.Values{"error": {"access_denied"}, "state": {ar.State}, "iss": {h.op.issuer()}}
		}},
		{name: "fail/no-code", status: http.StatusBadRequest, response: func(h *harness, ar authRequest) url.Values {
			return url.Values{"state": {ar.State}, "iss": {h.op.issuer()}}
		}},
		{name: "fail/code-refused", status: http.StatusBadGateway, redeemed: true, response: func(h *harness, ar authRequest) url.Values {
			q := h.goodResponse(ar)
			q.Set("code", "not-a-code")
			return q
		}},
		{name: "fail/nonce-mismatch", status: http.StatusBadGateway, redeemed: true, tweak: func(op *fakeOP) { op.idNonce = "another-nonce" }},
		{name: "fail/id-token-other-audience", status: http.StatusBadGateway, redeemed: true, tweak: func(op *fakeOP) { op.idAud = []string{"other-client"} }},
		{name: "fail/id-token-other-issuer", status: http.StatusBadGateway, redeemed: true, tweak: func(op *fakeOP) { op.idIssuer = "https://attacker.example" }},
		{name: "fail/at-hash-mismatch", status: http.StatusBadGateway, redeemed: true, tweak: func(op *fakeOP) { op.atHash = "AAAAAAAAAAAAAAAAAAAAAA" }},
		{name: "fail/no-id-token", status: http.StatusBadGateway, redeemed: true, tweak: func(op *fakeOP) { op.noIDToken = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.tweak != nil {
				h.op.set(tc.tweak)
			}
			ar := h.login(t)
			q := h.goodResponse(ar)
			if tc.response != nil {
				q = tc.response(h, ar)
			}
			if tc.prepare != nil {
				tc.prepare(h)
			}
			rec := h.callback(q)
			if rec.Code != tc.status {
				t.Fatalf("callback = %d, want %d\n%s", rec.Code, tc.status, h.logs)
			}
			if n := len(h.op.tokenRequests()); (n > 0) != tc.redeemed {
				t.Errorf("token requests = %d, want redeemed=%v", n, tc.redeemed)
			}
			if _, ok := h.browser.cookies[sessionCookie]; ok || h.app.sessions.len() != 0 {
				t.Error("a refused callback opened a session")
			}
			if _, ok := h.browser.cookies[flowCookie]; ok {
				t.Error("the flow cookie survived the callback")
			}
			body := rec.Body.String()
			if !strings.Contains(body, `role="alert"`) || strings.Contains(body, "id_token") {
				t.Errorf("error page: want a generic alert:\n%s", body)
			}
		})
	}
}

// TestErrorResponseNotReflected: error_description and odd error codes
// are attacker-controlled text; the page shows neither.
func TestErrorResponseNotReflected(t *testing.T) {
	h := newHarness(t)
	ar := h.login(t)
	rec := h.callback(url.Values{
		"error": {"<b>Call +1-555-0100</b>"}, "error_description": {"Your account is locked, call us"},
		"state": {ar.State}, "iss": {h.op.issuer()},
	})
	body := rec.Body.String()
	if rec.Code != http.StatusBadRequest || !strings.Contains(body, "(unknown)") {
		t.Errorf("callback = %d, want 400 with the error shown as unknown:\n%s", rec.Code, body)
	}
	for _, bad := range []string{"555", "locked", "<b>"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page reflects %q", bad)
		}
	}
}

// TestIssOptionalWhenNotAdvertised: without
// authorization_response_iss_parameter_supported, a response without iss
// is accepted, one with a wrong iss still refused (RFC 9207 §2.4).
func TestIssOptionalWhenNotAdvertised(t *testing.T) {
	tweak := func(op *fakeOP) { delete(op.discovery, "authorization_response_iss_parameter_supported") }
	h := newHarnessWith(t, testRedirect, tweak)
	ar := h.login(t)
	q := h.goodResponse(ar)
	q.Del("iss")
	if rec := h.callback(q); rec.Code != http.StatusSeeOther {
		t.Errorf("callback without iss = %d, want 303", rec.Code)
	}
	h = newHarnessWith(t, testRedirect, tweak)
	ar = h.login(t)
	q = h.goodResponse(ar)
	q.Set("iss", h.op.issuer()+"/other")
	if rec := h.callback(q); rec.Code != http.StatusBadRequest {
		t.Errorf("callback with a wrong iss = %d, want 400", rec.Code)
	}
}

// TestUserinfoOtherSubject: a userinfo answer about another user is
// ignored (OIDC Core §5.3.2); the login itself stands.
func TestUserinfoOtherSubject(t *testing.T) {
	h := newHarnessWith(t, testRedirect, func(op *fakeOP) { op.userinfoAs = "someone-else" })
	body := h.signIn(t)
	if strings.Contains(body, "someone-else") || !strings.Contains(body, `<p id="userinfo">`) {
		t.Errorf("home page shows another subject's userinfo:\n%s", body)
	}
}

// TestRefreshRotates: POST /refresh redeems the refresh token once and
// keeps the rotated one.
func TestRefreshRotates(t *testing.T) {
	h := newHarness(t)
	h.signIn(t)
	before := h.op.validRefreshTokens()
	if len(before) != 1 {
		t.Fatalf("valid refresh tokens = %d, want 1", len(before))
	}
	for i := 1; i <= 2; i++ {
		rec := h.browser.do(http.MethodPost, "/refresh", nil)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST /refresh = %d\n%s\n%s", rec.Code, rec.Body, h.logs)
		}
		body := h.browser.do(http.MethodGet, "/", nil).Body.String()
		if want := "Refreshes: " + string(rune('0'+i)) + "; the last one rotated the refresh token"; !strings.Contains(body, want) {
			t.Errorf("after refresh %d the page lacks %q:\n%s", i, want, body)
		}
	}
	after := h.op.validRefreshTokens()
	if len(after) != 1 || after[0] == before[0] {
		t.Errorf("valid refresh tokens %v after two refreshes: want one new token", after)
	}
	noSecretsIn(t, h, "logs", h.logs.String(), tokenRequest{})
}

// TestLogout: POST /logout revokes the refresh token and forgets the
// session; a cross-site POST is refused.
func TestLogout(t *testing.T) {
	h := newHarness(t)
	h.signIn(t)
	rt := h.op.validRefreshTokens()[0]

	crossSite := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	if rec := h.browser.do(http.MethodPost, "/logout", crossSite); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST /logout = %d, want 403", rec.Code)
	}
	if rec := h.browser.do(http.MethodPost, "/refresh", crossSite); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST /refresh = %d, want 403", rec.Code)
	}
	if h.app.sessions.len() != 1 {
		t.Fatal("a cross-site POST ended the session")
	}
	if rec := h.browser.do(http.MethodGet, "/logout", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout = %d, want 405 (a link must not log out)", rec.Code)
	}

	rec := h.browser.do(http.MethodPost, "/logout", nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /logout = %d", rec.Code)
	}
	if got := h.op.revokedTokens(); !slices.Equal(got, []string{rt}) {
		t.Errorf("revoked %d tokens, want the refresh token", len(got))
	}
	if h.app.sessions.len() != 0 {
		t.Error("session kept after logout")
	}
	if _, ok := h.browser.cookies[sessionCookie]; ok {
		t.Error("session cookie kept after logout")
	}
	if body := h.browser.do(http.MethodGet, "/", nil).Body.String(); !strings.Contains(body, `id="login"`) {
		t.Errorf("after logout the home page is not the login page:\n%s", body)
	}
}

// TestSessionExpires: a session ends after sessionTTL.
func TestSessionExpires(t *testing.T) {
	h := newHarness(t)
	h.signIn(t)
	h.clock.Advance(sessionTTL)
	if body := h.browser.do(http.MethodGet, "/", nil).Body.String(); !strings.Contains(body, `id="login"`) {
		t.Errorf("expired session still shown:\n%s", body)
	}
}

// TestSecureCookies: when the app is served over https its cookies are
// Secure with the __Host- prefix, and the sign-in works the same.
func TestSecureCookies(t *testing.T) {
	h := newHarnessWith(t, "https://app.example/callback", nil)
	rec := h.browser.do(http.MethodGet, "/login", nil)
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "__Host-"+flowCookie || !cs[0].Secure || !cs[0].HttpOnly || cs[0].Domain != "" || cs[0].Path != "/" {
		t.Fatalf("flow cookies %+v: want one Secure HttpOnly __Host-%s", cs, flowCookie)
	}
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over https")
	}
	if body := h.signIn(t); !strings.Contains(body, `<strong id="username">alice</strong>`) {
		t.Errorf("sign-in over https failed:\n%s", body)
	}
	if _, ok := h.browser.cookies["__Host-"+sessionCookie]; !ok {
		t.Error("no __Host- session cookie")
	}
}

// TestNewRefuses: bad configurations and providers without S256 are
// refused at start-up.
func TestNewRefuses(t *testing.T) {
	c := &clock{t: time.Now()}
	op := newFakeOP(t, c.Now)
	good := Config{Issuer: op.issuer(), ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect, HTTPClient: op.srv.Client()}
	if _, err := New(t.Context(), good); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *Config)
	}{
		{"fail/http-issuer", func(c *Config) { c.Issuer = "http://127.0.0.1:9443" }},
		{"fail/issuer-mismatch", func(c *Config) { c.Issuer = op.issuer() + "/" }},
		{"fail/no-client-id", func(c *Config) { c.ClientID = "" }},
		{"fail/no-secret", func(c *Config) { c.ClientSecret = "" }},
		{"fail/redirect-relative", func(c *Config) { c.RedirectURL = "/callback" }},
		{"fail/redirect-other-path", func(c *Config) { c.RedirectURL = "http://127.0.0.1:9100/cb" }},
		{"fail/redirect-query", func(c *Config) { c.RedirectURL = "http://127.0.0.1:9100/callback?x=1" }},
		{"fail/no-openid-scope", func(c *Config) { c.Scopes = []string{"profile"} }},
		{"fail/bad-scope", func(c *Config) { c.Scopes = []string{"openid", `a"b`} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			if _, err := New(t.Context(), cfg); err == nil {
				t.Errorf("New(%+v) = nil error", cfg)
			} else if strings.Contains(err.Error(), testClientSecret) {
				t.Errorf("error %q quotes the secret", err)
			}
		})
	}
	t.Run("fail/no-s256", func(t *testing.T) {
		op.set(func(op *fakeOP) { op.discovery["code_challenge_methods_supported"] = []string{"plain"} })
		defer op.set(func(op *fakeOP) { op.discovery["code_challenge_methods_supported"] = []string{"S256"} })
		if _, err := New(t.Context(), good); err == nil || !strings.Contains(err.Error(), "S256") {
			t.Errorf("New() against a provider without S256 = %v, want an error", err)
		}
	})
}

// TestFlowSealer: a sealed flow opens only unmodified, before expiry.
func TestFlowSealer(t *testing.T) {
	c := &clock{t: time.Now()}
	h := newHarness(t)
	s := h.app.flows
	f := flow{State: "s", Nonce: "n", Verifier: "v", Expires: c.Now().Add(flowTTL)}
	v, err := s.seal(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.open(v, c.Now()); err != nil || got.State != "s" || got.Verifier != "v" {
		t.Fatalf("open(seal(f)) = %+v, %v", got, err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(v)
	for _, tc := range []struct {
		name string
		v    string
		at   time.Time
	}{
		{"fail/expired", v, f.Expires},
		{"fail/flipped-bit", base64.RawURLEncoding.EncodeToString(append(append([]byte{}, raw[:len(raw)-1]...), raw[len(raw)-1]^1)), c.Now()},
		{"fail/truncated", v[:10], c.Now()},
		{"fail/not-base64", "!!!", c.Now()},
		{"fail/empty", "", c.Now()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.open(tc.v, tc.at); err != errFlow {
				t.Errorf("open() = %v, want errFlow", err)
			}
		})
	}
	other, err := newFlowSealer(strings.NewReader(strings.Repeat("k", 64)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.open(v, c.Now()); err != errFlow {
		t.Errorf("open() under another key = %v, want errFlow (a restart ends logins in progress)", err)
	}
}
