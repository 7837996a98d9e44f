package e2e

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/rempart/rempart/examples/webapp/rp"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/users"
)

// The walk-through of docs/login-walkthrough.md, automated: the sample app
// of examples/webapp logs users into itself through a running Rempart
// (authorization code + PKCE S256, state, nonce; login, MFA and consent
// pages; go-oidc verifying the ID token; refresh rotation; revocation on
// sign-out), driven by an HTTP client that fills the pages' forms the way a
// browser would.

const webappScopes = "openid profile email offline_access"

// webappUsers returns the user directory on the stack's store and data key,
// as `rempart user create` builds it. Its argon2id cost is lowered to keep
// the test fast: the server verifies with the parameters stored in each
// hash.
func webappUsers(t *testing.T, s *stack) *users.Directory {
	t.Helper()
	res := s.app.Resources()
	d, err := users.New(users.Deps{
		Store: res.Store, Sealer: res.Vault,
		Params: users.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32},
	})
	if err != nil {
		t.Fatalf("users.New: %v", err)
	}
	return d
}

// webappServer is the sample app on a loopback httptest server, registered
// as a confidential client (client_secret_basic) with its exact redirect
// URI (R9).
type webappServer struct {
	url      string // http://127.0.0.1:port
	clientID string
	secret   string
}

func startWebapp(t *testing.T, s *stack) *webappServer {
	t.Helper()
	if ep, _ := s.discovery(t)["authorization_endpoint"].(string); ep == "" {
		t.Fatal("Rempart advertises no authorization_endpoint: the browser flow is not wired " +
			"(internal/app must give authserver.Deps Accounts, Codes, Sessions and Consents)")
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	res := s.app.Resources()
	c, secret, err := authserver.RegisterClient(context.Background(), res.Store, res.Vault, authserver.ClientSpec{
		Name:         "webapp",
		GrantTypes:   []string{authserver.GrantAuthorizationCode, authserver.GrantRefreshToken},
		Scopes:       []string{webappScopes},
		RedirectURIs: []string{base + rp.CallbackPath},
		AuthMethod:   authserver.AuthSecretBasic,
	}, time.Now())
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	app, err := rp.New(t.Context(), rp.Config{
		Issuer: s.issuer, ClientID: c.ID, ClientSecret: secret, RedirectURL: base + rp.CallbackPath,
		HTTPClient: s.http, Log: slog.New(slog.NewJSONHandler(s.logs, nil)).With("component", "webapp"),
	})
	if err != nil {
		t.Fatalf("the sample app cannot start against Rempart: %v\nlogs:\n%s", err, s.logs)
	}
	srv.Config.Handler = app
	srv.Start()
	t.Cleanup(srv.Close)
	return &webappServer{url: base, clientID: c.ID, secret: secret}
}

// webappBrowser is a cookie-keeping HTTP client that follows redirects and
// trusts Rempart's local CA, like a browser on the user's machine.
type webappBrowser struct {
	hc *http.Client
}

func newWebappBrowser(t *testing.T, s *stack) *webappBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webappBrowser{hc: &http.Client{Jar: jar, Transport: s.http.Transport, Timeout: 20 * time.Second}}
}

// page is one HTML page the browser landed on.
type page struct {
	url  *url.URL
	code int
	body string
}

func (b *webappBrowser) get(t *testing.T, u string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.send(t, req)
}

// post submits form to action as a form on a page of origin would.
func (b *webappBrowser) post(t *testing.T, action string, form url.Values, origin string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(t, req)
}

func (b *webappBrowser) send(t *testing.T, req *http.Request) page {
	t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return page{url: resp.Request.URL, code: resp.StatusCode, body: string(body)}
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*\smethod="post"[^>]*\saction="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input[^>]*\stype="hidden"[^>]*\sname="([^"]+)"[^>]*\svalue="([^"]*)"`)
	fieldRE  = regexp.MustCompile(`<(?:input|button)[^>]*\sname="([^"]+)"`)
)

// htmlForm is a form of a page: its absolute action, hidden inputs and the
// names of its other fields.
type htmlForm struct {
	action string
	values url.Values
	fields map[string]bool
}

// forms returns the post forms of p.
func (p page) forms(t *testing.T) []htmlForm {
	t.Helper()
	var out []htmlForm
	for _, m := range formRE.FindAllStringSubmatch(p.body, -1) {
		action, err := p.url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("form action %q: %v", m[1], err)
		}
		f := htmlForm{action: action.String(), values: url.Values{}, fields: map[string]bool{}}
		for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
			f.values.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		for _, n := range fieldRE.FindAllStringSubmatch(m[2], -1) {
			f.fields[n[1]] = true
		}
		out = append(out, f)
	}
	return out
}

// formWith returns the first form of p that has field, failing the test
// with the page when there is none.
func (p page) formWith(t *testing.T, field string) htmlForm {
	t.Helper()
	for _, f := range p.forms(t) {
		if f.fields[field] {
			return f
		}
	}
	t.Fatalf("no form with a %q field on %s (status %d):\n%s", field, p.url.Redacted(), p.code, p.body)
	return htmlForm{}
}

// webappLogin is a user's answer to Rempart's pages.
type webappLogin struct {
	username, password string
	totpSecret         string // "" when the user has no second factor
}

// signIn opens the sample app, follows its login link to Rempart, fills
// the login, MFA and consent pages that come, and returns the page the
// browser lands on in the app, with the Rempart pages it went through.
func (b *webappBrowser) signIn(t *testing.T, s *stack, wa *webappServer, l webappLogin) (page, []string) {
	t.Helper()
	home := b.get(t, wa.url+"/")
	if !strings.Contains(home.body, `href="/login"`) {
		t.Fatalf("the app's home page has no login link:\n%s", home.body)
	}
	p := b.get(t, wa.url+"/login")
	var seen []string
	for range 6 {
		if strings.HasPrefix(p.url.String(), wa.url) {
			return p, seen
		}
		if !strings.HasPrefix(p.url.String(), s.issuer) || p.code != http.StatusOK {
			t.Fatalf("landed on %s with status %d, want a Rempart page:\n%s\nlogs:\n%s", p.url.Redacted(), p.code, p.body, s.logs)
		}
		switch {
		case strings.Contains(p.body, `name="password"`):
			seen = append(seen, "login")
			f := p.formWith(t, "password")
			f.values.Set("username", l.username)
			f.values.Set("password", l.password)
			p = b.post(t, f.action, f.values, s.issuer)
		case strings.Contains(p.body, `name="otp"`):
			seen = append(seen, "mfa")
			if l.totpSecret == "" {
				t.Fatalf("Rempart asks a user without a second factor for a TOTP code:\n%s", p.body)
			}
			code, err := totp.GenerateCode(l.totpSecret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			f := p.formWith(t, "otp")
			f.values.Set("otp", code)
			p = b.post(t, f.action, f.values, s.issuer)
		case strings.Contains(p.body, `name="decision"`):
			seen = append(seen, "consent")
			for _, want := range strings.Fields(webappScopes) {
				if !strings.Contains(p.body, want) {
					t.Errorf("the consent page does not list the scope %q", want)
				}
			}
			f := p.formWith(t, "decision")
			f.values.Set("decision", "allow")
			p = b.post(t, f.action, f.values, s.issuer)
		default:
			t.Fatalf("unexpected Rempart page %s:\n%s\nlogs:\n%s", p.url.Redacted(), p.body, s.logs)
		}
	}
	t.Fatalf("still on Rempart's pages after %v", seen)
	return page{}, nil
}

// claimOf returns the text of the sample app's claim cell id.
func claimOf(p page, id string) string {
	m := regexp.MustCompile(`<td id="claim-` + regexp.QuoteMeta(id) + `">([^<]*)</td>`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestWebappLogin: a user signs into the sample app through Rempart; the
// app shows the claims it verified; a refresh rotates the refresh token;
// signing out revokes it; a second login skips the password and consent.
func TestWebappLogin(t *testing.T) {
	s := startStack(t)
	dir := webappUsers(t, s)
	alice, err := dir.Create(t.Context(), users.NewUser{Username: "alice", Password: "correct horse battery", Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	wa := startWebapp(t, s)
	b := newWebappBrowser(t, s)

	p, seen := b.signIn(t, s, wa, webappLogin{username: "alice", password: "correct horse battery"})
	if strings.Join(seen, ",") != "login,consent" {
		t.Errorf("Rempart pages %v, want login then consent", seen)
	}
	if p.code != http.StatusOK || p.url.Path != "/" {
		t.Fatalf("landed on %s (%d), want the app's home page:\n%s\nlogs:\n%s", p.url, p.code, p.body, s.logs)
	}
	if !strings.Contains(p.body, `<strong id="username">alice</strong>`) || !strings.Contains(p.body, "Verified ID token claims") {
		t.Fatalf("the app does not show alice's verified claims:\n%s", p.body)
	}
	for id, want := range map[string]string{
		"sub": alice.ID, "preferred_username": "alice", "iss": s.issuer, "aud": wa.clientID, "amr": "pwd",
		"acr": authserver.ACRPassword,
	} {
		if got := claimOf(p, id); got != want {
			t.Errorf("claim %s = %q, want %q", id, got, want)
		}
	}
	if got := claimOf(p, "email"); !strings.HasPrefix(got, "alice@example.com") {
		t.Errorf("claim email = %q, want alice@example.com", got)
	}
	if claimOf(p, "auth_time") == "" {
		t.Error("no auth_time claim")
	}
	if !strings.Contains(p.body, `<table id="userinfo">`) {
		t.Errorf("the app got no userinfo answer:\n%s\nlogs:\n%s", p.body, s.logs)
	}
	if !strings.Contains(p.body, "Refresh token: held") {
		t.Fatalf("no refresh token issued for offline_access:\n%s", p.body)
	}

	t.Run("ok/refresh-rotates", func(t *testing.T) {
		for i := 1; i <= 2; i++ {
			p := b.post(t, wa.url+"/refresh", nil, wa.url)
			want := "Refreshes: " + string(rune('0'+i)) + "; the last one rotated the refresh token"
			if p.url.Path != "/" || !strings.Contains(p.body, want) {
				t.Fatalf("after refresh %d: %s (%d), want %q:\n%s\nlogs:\n%s", i, p.url, p.code, want, p.body, s.logs)
			}
		}
	})

	t.Run("ok/sign-out-and-back", func(t *testing.T) {
		p := b.post(t, wa.url+"/logout", nil, wa.url)
		if !strings.Contains(p.body, `id="login"`) {
			t.Fatalf("after sign-out the app shows:\n%s", p.body)
		}
		if strings.Contains(s.logs.String(), "refresh token not revoked") {
			t.Errorf("the app could not revoke its refresh token at sign-out:\n%s", s.logs)
		}
		// Rempart's own session and the remembered consent remain: the
		// second login goes straight back to the app.
		p, seen := b.signIn(t, s, wa, webappLogin{username: "alice", password: "correct horse battery"})
		if len(seen) != 0 {
			t.Errorf("second login went through %v, want no page (session and consent remembered)", seen)
		}
		if claimOf(p, "sub") != alice.ID {
			t.Errorf("second login: sub %q, want %q:\n%s", claimOf(p, "sub"), alice.ID, p.body)
		}
	})

	// R20: neither Rempart nor the app logged the password or the secret.
	for name, v := range map[string]string{"password": "correct horse battery", "client secret": wa.secret} {
		if strings.Contains(s.logs.String(), v) {
			t.Errorf("the logs contain the %s", name)
		}
	}
}

// TestWebappLoginMFA: a user enrolled with `rempart user mfa enroll` goes
// through the TOTP page, and the ID token says so (amr otp, RFC 8176).
func TestWebappLoginMFA(t *testing.T) {
	s := startStack(t)
	dir := webappUsers(t, s)
	bob, err := dir.Create(t.Context(), users.NewUser{Username: "bob", Password: "bob's long password"})
	if err != nil {
		t.Fatal(err)
	}
	uri, err := dir.EnrollTOTP(t.Context(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	wa := startWebapp(t, s)
	b := newWebappBrowser(t, s)
	p, seen := b.signIn(t, s, wa, webappLogin{username: "bob", password: "bob's long password", totpSecret: u.Query().Get("secret")})
	if strings.Join(seen, ",") != "login,mfa,consent" {
		t.Errorf("Rempart pages %v, want login, mfa, consent", seen)
	}
	if claimOf(p, "sub") != bob.ID {
		t.Fatalf("sub %q, want %q:\n%s", claimOf(p, "sub"), bob.ID, p.body)
	}
	if amr := strings.Fields(claimOf(p, "amr")); !(len(amr) == 2 && strings.Contains(claimOf(p, "amr"), "pwd") && strings.Contains(claimOf(p, "amr"), "otp")) {
		t.Errorf("amr %v, want pwd and otp", amr)
	}
	if acr := claimOf(p, "acr"); acr != authserver.ACRMFA {
		t.Errorf("acr %q, want %q", acr, authserver.ACRMFA)
	}
}

// TestWebappRedirectMismatch: an authorization request whose redirect_uri
// is not the registered one gets Rempart's error page and never a redirect
// (R9), as the walk-through's troubleshooting section says.
func TestWebappRedirectMismatch(t *testing.T) {
	s := startStack(t)
	wa := startWebapp(t, s)
	for _, redirect := range []string{
		strings.Replace(wa.url, "127.0.0.1", "localhost", 1) + rp.CallbackPath,
		wa.url + rp.CallbackPath + "/",
		wa.url + "/other",
	} {
		q := url.Values{
			"response_type": {"code"}, "client_id": {wa.clientID}, "redirect_uri": {redirect},
			"scope": {webappScopes}, "state": {"s1"}, "nonce": {"n1"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
		}
		resp, err := s.http.Get(s.issuer + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 || loc != "" {
			t.Errorf("redirect_uri %q: %d Location %q, want an error page and no redirect", redirect, resp.StatusCode, loc)
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("redirect_uri %q: status %d, want 400", redirect, resp.StatusCode)
		}
	}
}
