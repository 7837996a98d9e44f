package authserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/ratelimit"
)

// TestPageSecurityHeaders: every page has a restrictive CSP (no script,
// styles and forms only from ourselves, the client's redirect origin as
// the only other form target), X-Frame-Options DENY, no-store and
// no-referrer; the cookies are __Host-, Secure, HttpOnly, SameSite=Lax,
// Path=/.
func TestPageSecurityHeaders(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "kim", false)
	b := e.newBrowser(t)
	login := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil))
	logout := b.get(e.issuer + "/logout")
	bad := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), url.Values{"redirect_uri": {"https://evil.example/"}}))
	for name, p := range map[string]bfPage{"login": login, "logout": logout, "error": bad} {
		t.Run("ok/"+name, func(t *testing.T) {
			csp := p.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "evil") {
				t.Errorf("CSP %q allows too much", csp)
			}
			for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store",
				"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
				if got := p.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if strings.Contains(p.body, "<script") || strings.Contains(p.body, "style=") {
				t.Error("page has a script or an inline style")
			}
		})
	}
	if csp := login.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://app.example;") {
		t.Errorf("login CSP %q: want form-action 'self' plus the client's redirect origin", csp)
	}
	css := b.get(e.issuer + cssPath(login.body))
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", css.status, css.header.Get("Content-Type"))
	}
	// Cookies, as set on the wire.
	p := b.submit(login, "/authorize/login", map[string]string{"username": u.name, "password": u.password})
	var seen []string
	for _, c := range append(login.header.Values("Set-Cookie"), p.header.Values("Set-Cookie")...) {
		name, _, _ := strings.Cut(c, "=")
		seen = append(seen, name)
		if !strings.HasPrefix(name, "__Host-") || !strings.Contains(c, "; Path=/") || !strings.Contains(c, "; Secure") ||
			!strings.Contains(c, "; HttpOnly") || !strings.Contains(c, "; SameSite=Lax") || strings.Contains(c, "Domain=") {
			t.Errorf("cookie %q: want __Host-, Path=/, Secure, HttpOnly, SameSite=Lax, no Domain", c)
		}
	}
	if len(seen) < 2 {
		t.Errorf("cookies set: %v, want the CSRF and the session cookies", seen)
	}
}

func cssPath(body string) string {
	_, rest, _ := strings.Cut(body, `<link rel="stylesheet" href="`)
	p, _, _ := strings.Cut(rest, `"`)
	return p
}

// TestCSRF: a form posted without the CSRF token, with another browser's
// token, or flagged cross-site by the browser is refused with 403 and has
// no effect (R10 for our own pages).
func TestCSRF(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "leo", false)
	victim := e.newBrowser(t)
	bfAuthorize(t, victim, cl, pkceURL(e, cl, oauth2.GenerateVerifier(), nil), u) // logged in, consented
	acct := victim.get(e.issuer + "/account/consents")
	revokeURL, revokeForm := victim.form(acct, "/account/consents/revoke")
	attacker := e.newBrowser(t)
	login := attacker.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil))
	_, attackerForm := attacker.form(login, "/authorize/login")

	for _, tc := range []struct {
		name   string
		mutate func(url.Values) url.Values
		header http.Header
	}{
		{"no-token", func(v url.Values) url.Values { v.Del("csrf"); return v }, nil},
		{"other-browsers-token", func(v url.Values) url.Values { v.Set("csrf", attackerForm.Get("csrf")); return v }, nil},
		{"garbage-token", func(v url.Values) url.Values { v.Set("csrf", "x"); return v }, nil},
		{"cross-site-fetch", func(v url.Values) url.Values { return v }, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"same-site-fetch", func(v url.Values) url.Values { return v }, http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"foreign-origin", func(v url.Values) url.Values { return v }, http.Header{"Origin": {"https://evil.example"}}},
	} {
		t.Run("fail/"+tc.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range revokeForm {
				v[k] = append([]string(nil), vs...)
			}
			victim.header = tc.header
			p := victim.post(revokeURL, tc.mutate(v))
			victim.header = http.Header{}
			if p.status != http.StatusForbidden || p.location() != "" {
				t.Fatalf("status %d Location %q, want 403: %s", p.status, p.location(), p.body)
			}
			if got := victim.get(e.issuer + "/account/consents"); strings.Contains(got.body, "No application has access") {
				t.Fatal("the consent was revoked by a forged request")
			}
		})
	}
	t.Run("fail/login-without-cookie", func(t *testing.T) {
		// A cross-site POST arrives without our SameSite=Lax CSRF cookie.
		fresh := e.newBrowser(t)
		attackerForm.Set("username", u.name)
		attackerForm.Set("password", u.password)
		if p := fresh.post(e.issuer+"/authorize/login", attackerForm); p.status != http.StatusForbidden {
			t.Errorf("status %d, want 403", p.status)
		}
	})
	t.Run("ok/with-token", func(t *testing.T) {
		victim.header = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"null"}}
		p := victim.post(revokeURL, revokeForm)
		victim.header = http.Header{}
		if p.status != http.StatusSeeOther {
			t.Errorf("status %d, want 303", p.status)
		}
	})
}

// TestLoginJail: five wrong passwords jail the username and the address;
// the right password then gets 429 with Retry-After, and so does another
// user from the same address (R3, contract "Jail"); the log says
// jail.entered and never holds a password.
func TestLoginJail(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "mallory", false)
	other := e.addUser(t, "nina", false)
	b := e.newBrowser(t)
	p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil))
	for i := range 5 {
		p = b.submit(p, "/authorize/login", map[string]string{"username": u.name, "password": "wrong-guess-" + string(rune('a'+i))})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "incorrect") {
			t.Fatalf("attempt %d: status %d, want 400 with an error", i+1, p.status)
		}
	}
	right := b.submit(p, "/authorize/login", map[string]string{"username": u.name, "password": u.password})
	if right.status != http.StatusTooManyRequests || right.header.Get("Retry-After") == "" {
		t.Fatalf("right password while jailed: status %d Retry-After %q, want 429 with Retry-After", right.status, right.header.Get("Retry-After"))
	}
	if !strings.Contains(right.body, "Too many attempts") {
		t.Errorf("429 page: %s", right.body)
	}
	if p := b.submit(p, "/authorize/login", map[string]string{"username": other.name, "password": other.password}); p.status != http.StatusTooManyRequests {
		t.Errorf("other user from the jailed address: %d, want 429", p.status)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"jail.entered"`) || !strings.Contains(logs, `"key":"mallory"`) {
		t.Error("no jail.entered log line for the user")
	}
	for _, secret := range []string{u.password, "wrong-guess-a", other.password} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a password %q", secret)
		}
	}
	// The ban ends.
	e.advance(16 * time.Minute)
	if loc := b.login(b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil)), u); loc.Query().Get("code") == "" {
		t.Errorf("after the ban: %s", loc)
	}
}

// TestLoginRateLimit: login attempts per address are limited (R11) with
// 429, Retry-After and the RateLimit headers.
func TestLoginRateLimit(t *testing.T) {
	e := newBFEnv(t, bfOptions{loginLimit: ratelimit.Limit{Requests: 3, Per: time.Minute}})
	cl := e.register(t, "shop", nil)
	b := e.newBrowser(t)
	p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil))
	for i := range 3 {
		// Different unknown usernames: the jail (per user) stays out of it,
		// though the address is charged; 3 < 5 failures.
		got := b.submit(p, "/authorize/login", map[string]string{"username": "ghost" + string(rune('a'+i)), "password": "whatever1"})
		if got.status != http.StatusBadRequest || got.header.Get("RateLimit-Policy") == "" {
			t.Fatalf("attempt %d: status %d RateLimit-Policy %q", i+1, got.status, got.header.Get("RateLimit-Policy"))
		}
	}
	got := b.submit(p, "/authorize/login", map[string]string{"username": "ghostd", "password": "whatever1"})
	if got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") == "" || got.header.Get("RateLimit") == "" {
		t.Errorf("4th attempt: status %d headers %v, want 429 with Retry-After and RateLimit", got.status, got.header)
	}
}

// TestSessionLifecycle: sign-out ends the session; an idle session and a
// disabled user's session grant nothing.
func TestSessionLifecycle(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "olga", false)
	loggedIn := func(t *testing.T) *bfBrowser {
		b := e.newBrowser(t)
		bfAuthorize(t, b, cl, pkceURL(e, cl, oauth2.GenerateVerifier(), nil), u)
		if p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil)); p.status != http.StatusSeeOther {
			t.Fatalf("not logged in: %d", p.status)
		}
		return b
	}
	t.Run("ok/logout", func(t *testing.T) {
		b := loggedIn(t)
		p := b.submit(b.get(e.issuer+"/logout"), "/logout", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "signed out") {
			t.Fatalf("logout: %d", p.status)
		}
		if p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil)); !isLogin(p) {
			t.Errorf("after logout: status %d, want the login page", p.status)
		}
	})
	t.Run("ok/idle", func(t *testing.T) {
		b := loggedIn(t)
		e.advance(authserver.SessionIdle + time.Second)
		if p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil)); !isLogin(p) {
			t.Errorf("after %v idle: status %d, want the login page", authserver.SessionIdle, p.status)
		}
	})
	t.Run("ok/active-within-absolute-limit", func(t *testing.T) {
		b := loggedIn(t)
		for range 3 {
			e.advance(20 * time.Minute)
			if p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil)); p.status != http.StatusSeeOther {
				t.Fatalf("active session refused: %d", p.status)
			}
		}
	})
	t.Run("ok/disabled-user", func(t *testing.T) {
		b := loggedIn(t)
		if err := e.dir.Disable(t.Context(), u.id); err != nil {
			t.Fatal(err)
		}
		if p := b.get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil)); !isLogin(p) {
			t.Errorf("disabled user: status %d, want the login page", p.status)
		}
	})
	t.Run("ok/account-login", func(t *testing.T) {
		v := e.addUser(t, "pia", false)
		b := e.newBrowser(t)
		p := b.get(e.issuer + "/account/consents")
		if !isLogin(p) {
			t.Fatalf("account page without session: %d", p.status)
		}
		p = b.follow(b.submit(p, "/authorize/login", map[string]string{"username": v.name, "password": v.password}))
		if p.status != http.StatusOK || !strings.Contains(p.body, "Signed in as <strong>pia</strong>") {
			t.Errorf("account page after login: %d %s", p.status, p.body)
		}
	})
}

// TestUserinfoErrors: RFC 6750 challenges for a missing or bad token and
// a token without openid; a token in the query is refused (R15).
func TestUserinfoErrors(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "quinn", false)
	verifier := oauth2.GenerateVerifier()
	q := bfAuthorize(t, e.newBrowser(t), cl, pkceURL(e, cl, verifier, url.Values{"scope": {"orders:read"}}), u)
	_, tok := exchangeRaw(t, e, cl, url.Values{"code": {q.Get("code")}, "redirect_uri": {cl.redirect}, "code_verifier": {verifier}})
	noOpenID, _ := tok["access_token"].(string)
	if noOpenID == "" || tok["id_token"] != nil {
		t.Fatalf("token response %v: want an access token and no id_token without openid", tok)
	}
	for _, tc := range []struct {
		name, auth, query string
		status            int
		challenge         string
	}{
		{"no-token", "", "", 401, `Bearer realm="rempart"`},
		{"garbage", "Bearer abc", "", 401, `error="invalid_token"`},
		{"basic", "Basic YTpi", "", 401, `Bearer realm="rempart"`},
		{"no-openid-scope", "Bearer " + noOpenID, "", 403, `error="insufficient_scope"`},
		{"query-token", "", "access_token=" + noOpenID, 400, `error="invalid_request"`},
	} {
		t.Run("fail/"+tc.name, func(t *testing.T) {
			u := e.issuer + "/userinfo"
			if tc.query != "" {
				u += "?" + tc.query
			}
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(resp.Header.Get("WWW-Authenticate"), tc.challenge) {
				t.Errorf("status %d WWW-Authenticate %q, want %d with %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tc.status, tc.challenge)
			}
		})
	}
}

// TestBrowserDiscovery: the metadata advertise the browser flow exactly.
func TestBrowserDiscovery(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	resp, err := e.srv.Client().Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"authorization_endpoint":                         e.issuer + "/authorize",
		"userinfo_endpoint":                              e.issuer + "/userinfo",
		"response_types_supported":                       `["code"]`,
		"response_modes_supported":                       `["query"]`,
		"code_challenge_methods_supported":               `["S256"]`,
		"authorization_response_iss_parameter_supported": "true",
		"request_uri_parameter_supported":                "false",
		"id_token_signing_alg_values_supported":          `["ES256"]`,
		"subject_types_supported":                        `["public"]`,
	}
	for k, w := range want {
		got, _ := json.Marshal(doc[k])
		if s := strings.Trim(string(got), `"`); s != w && string(got) != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	for _, list := range []struct{ key, want string }{
		{"grant_types_supported", "authorization_code"}, {"scopes_supported", "openid"},
		{"scopes_supported", "offline_access"}, {"claims_supported", "auth_time"},
	} {
		got, _ := json.Marshal(doc[list.key])
		if !strings.Contains(string(got), `"`+list.want+`"`) {
			t.Errorf("%s = %s lacks %s", list.key, got, list.want)
		}
	}
	if got, _ := json.Marshal(doc["grant_types_supported"]); strings.Contains(string(got), "implicit") {
		t.Errorf("grant_types_supported = %s advertises implicit", got)
	}
}

// TestStoreHoldsNoBrowserSecrets: the database files hold neither the
// authorization code, the session cookie, the password nor the e-mail in
// clear (R4, D5).
func TestStoreHoldsNoBrowserSecrets(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "rita", false)
	b := e.newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	q := bfAuthorize(t, b, cl, pkceURL(e, cl, verifier, nil), u)
	_, tok := exchangeRaw(t, e, cl, url.Values{"code": {q.Get("code")}, "redirect_uri": {cl.redirect}, "code_verifier": {verifier}})
	srvURL, _ := url.Parse(e.issuer)
	var secrets []string
	for _, c := range b.http.Jar.Cookies(srvURL) {
		secrets = append(secrets, c.Value)
	}
	if len(secrets) != 2 {
		t.Fatalf("cookies %v, want 2", secrets)
	}
	secrets = append(secrets, q.Get("code"), u.password, u.email, tok["refresh_token"].(string), cl.secret)
	e.st.Close() // flush the WAL
	files, _ := filepath.Glob(filepath.Join(e.dataDir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds a secret in clear (%.8s…)", filepath.Base(f), s)
			}
		}
	}
}

// TestAuthorizePOSTAndPendingMFA: the authorization request may be POSTed
// (OIDC Core §3.1.2.1); a password checked but a second factor not given
// within 5 minutes means logging in again.
func TestAuthorizePOSTAndPendingMFA(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "uma", true)
	b := e.newBrowser(t)
	authURL, _ := url.Parse(pkceURL(e, cl, oauth2.GenerateVerifier(), nil))
	p := b.post(e.issuer+"/authorize", authURL.Query())
	if p.status != http.StatusOK || !isLogin(p) {
		t.Fatalf("POST /authorize: status %d, want the login page", p.status)
	}
	p = b.submit(p, "/authorize/login", map[string]string{"username": u.name, "password": u.password})
	if !isMFA(p) {
		t.Fatalf("status %d, want the MFA page", p.status)
	}
	e.advance(5*time.Minute + time.Second)
	p = b.submit(p, "/authorize/mfa", map[string]string{"otp": e.totpCode(t, u)})
	if p.status != http.StatusBadRequest || !isLogin(p) || !strings.Contains(p.body, "took too long") {
		t.Fatalf("late code: status %d, want the login page again", p.status)
	}
	if loc := b.login(p, u); loc.Query().Get("code") == "" {
		t.Errorf("no code after logging in again: %s", loc)
	}
}
