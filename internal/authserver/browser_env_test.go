package authserver_test

// The browser-flow tests run the authorization server on a real TLS
// listener with the real SQLite store (so code redemption, family
// revocation and the deny-list are the production ones), a real user
// directory, a real jail and rate limiter, and an injected clock.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/jail"
	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/store/sqlstore"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// bfKeys is a key source with one ES256 key; it also looks keys up for a
// token.Verifier.
type bfKeys struct {
	kid  string
	priv *ecdsa.PrivateKey
	jwks []byte
}

func newBFKeys(t testing.TB) *bfKeys {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := uuid.NewString()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return &bfKeys{kid: kid, priv: priv, jwks: b}
}

func (k *bfKeys) SigningKey() (token.SigningKey, error) {
	return token.SigningKey{ID: k.kid, Key: k.priv}, nil
}
func (k *bfKeys) JWKS() []byte { return k.jwks }
func (k *bfKeys) VerificationKey(kid string) (crypto.PublicKey, error) {
	if kid != k.kid {
		return nil, errors.New("unknown kid")
	}
	return &k.priv.PublicKey, nil
}

// bfLogs is a concurrency-safe log buffer.
type bfLogs struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (l *bfLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *bfLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// bfEnv is an authorization server with the browser flow.
type bfEnv struct {
	srv     *httptest.Server
	as      *authserver.Server
	st      *sqlstore.Store
	dir     *users.Directory
	hasher  *vault.Vault
	keys    *bfKeys
	logs    *bfLogs
	issuer  string
	dataDir string
	clock   atomic.Pointer[time.Time]
}

// bfOptions change the environment.
type bfOptions struct {
	requireMFA bool
	loginLimit ratelimit.Limit
	noLimiter  bool
}

// bfTestParams keep argon2id cheap in tests.
var bfTestParams = users.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

var bfAPIs = []authserver.API{
	{Name: "orders", Resource: "https://gw.example/orders", Scopes: []string{"orders:read", "orders:write"}},
}

func newBFEnv(t testing.TB, opt bfOptions) *bfEnv {
	t.Helper()
	e := &bfEnv{keys: newBFKeys(t), logs: &bfLogs{}, dataDir: t.TempDir()}
	start := time.Now().Truncate(time.Second)
	e.clock.Store(&start)
	now := func() time.Time { return *e.clock.Load() }
	var err error
	if e.hasher, err = vault.New(bytes.Repeat([]byte{9}, vault.KeySize)); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if e.st, err = sqlstore.Open(context.Background(), sqlstore.DriverSQLite, filepath.Join(e.dataDir, "rempart.db"), log); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	if e.dir, err = users.New(users.Deps{Store: e.st, Sealer: e.hasher, Params: bfTestParams, Now: now, Log: log}); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewUnstartedServer(nil)
	e.issuer = "https://" + e.srv.Listener.Addr().String()
	var limiter ratelimit.Limiter
	if !opt.noLimiter {
		limiter = &ratelimit.Local{Now: now}
	}
	m := metrics.New()
	e.as, err = authserver.New(authserver.Config{Issuer: e.issuer, APIs: bfAPIs, RequireMFA: opt.requireMFA,
		LoginRateLimit: opt.loginLimit}, authserver.Deps{
		Clients: e.st, Keys: e.keys, Hasher: e.hasher, Metrics: m, Log: log, Now: now,
		Tokens: e.st, Users: e.dir, Jail: jail.New(jail.Config{}, 0, now),
		Accounts: e.dir, Codes: e.st, Sessions: e.st, Consents: e.st, Limiter: limiter,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = web.Observe("authorization_server", log, m, true, e.as.Handler())
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *bfEnv) now() time.Time          { return *e.clock.Load() }
func (e *bfEnv) advance(d time.Duration) { t := e.now().Add(d); e.clock.Store(&t) }

// bfClient is a registered confidential client.
type bfClient struct {
	id, secret, redirect string
}

// register registers a client for the code flow (and refresh).
func (e *bfEnv) register(t testing.TB, name string, mod func(*authserver.ClientSpec)) bfClient {
	t.Helper()
	spec := authserver.ClientSpec{Name: name,
		GrantTypes:   []string{authserver.GrantAuthorizationCode, authserver.GrantRefreshToken},
		Scopes:       []string{"openid profile email offline_access orders:read"},
		RedirectURIs: []string{"https://app.example/cb"}}
	if mod != nil {
		mod(&spec)
	}
	c, secret, err := authserver.RegisterClient(context.Background(), e.st, e.hasher, spec, e.now())
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return bfClient{id: c.ID, secret: secret, redirect: spec.RedirectURIs[0]}
}

// bfUser is a user of the directory.
type bfUser struct {
	id, name, password, email string
	totpSecret                string // "" when not enrolled
}

func (e *bfEnv) addUser(t testing.TB, name string, mfa bool) bfUser {
	t.Helper()
	u := bfUser{name: name, password: "correct horse " + name, email: name + "@example.org"}
	created, err := e.dir.Create(context.Background(), users.NewUser{Username: name, Password: u.password, Email: u.email})
	if err != nil {
		t.Fatal(err)
	}
	u.id = created.ID
	if mfa {
		uri, err := e.dir.EnrollTOTP(context.Background(), u.id)
		if err != nil {
			t.Fatal(err)
		}
		k, err := otp.NewKeyFromURL(uri)
		if err != nil {
			t.Fatal(err)
		}
		u.totpSecret = k.Secret()
	}
	return u
}

// totpCode returns the user's TOTP code at the env's clock.
func (e *bfEnv) totpCode(t testing.TB, u bfUser) string {
	t.Helper()
	code, err := totp.GenerateCode(u.totpSecret, e.now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// browser is a test user agent: a cookie jar, no automatic redirects.
type bfBrowser struct {
	t    testing.TB
	e    *bfEnv
	http *http.Client
	// header is added to every request (e.g. Sec-Fetch-Site).
	header http.Header
}

func (e *bfEnv) newBrowser(t testing.TB) *bfBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *e.srv.Client() // a copy: each browser has its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &bfBrowser{t: t, e: e, http: &c, header: http.Header{}}
}

// page is a response with its body.
type bfPage struct {
	status int
	header http.Header
	body   string
}

func (p bfPage) location() string { return p.header.Get("Location") }

func (b *bfBrowser) do(req *http.Request) bfPage {
	b.t.Helper()
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return bfPage{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *bfBrowser) get(u string) bfPage {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *bfBrowser) post(u string, form url.Values) bfPage {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow GETs redirects that stay on the authorization server and returns
// the first page or the first redirect leaving it.
func (b *bfBrowser) follow(p bfPage) bfPage {
	b.t.Helper()
	for i := 0; i < 5 && p.status == http.StatusSeeOther && strings.HasPrefix(p.location(), "/"); i++ {
		p = b.get(b.e.issuer + p.location())
	}
	return p
}

var (
	bfFormRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	bfHiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// form finds the form of p whose action ends with actionSuffix and returns
// its absolute action URL and hidden fields.
func (b *bfBrowser) form(p bfPage, actionSuffix string) (string, url.Values) {
	b.t.Helper()
	for _, m := range bfFormRe.FindAllStringSubmatch(p.body, -1) {
		action := html.UnescapeString(m[1])
		if !strings.HasSuffix(action, actionSuffix) {
			continue
		}
		v := url.Values{}
		for _, h := range bfHiddenRe.FindAllStringSubmatch(m[2], -1) {
			v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		return b.e.issuer + action, v
	}
	b.t.Fatalf("no form with action …%s in page (status %d):\n%s", actionSuffix, p.status, p.body)
	return "", nil
}

// submit fills the form of p whose action ends with actionSuffix with
// fields and posts it.
func (b *bfBrowser) submit(p bfPage, actionSuffix string, fields map[string]string) bfPage {
	b.t.Helper()
	action, v := b.form(p, actionSuffix)
	for k, val := range fields {
		v.Set(k, val)
	}
	return b.post(action, v)
}

// isLogin, isMFA and isConsent recognise the pages.
func isLogin(p bfPage) bool   { return strings.Contains(p.body, `name="password"`) }
func isMFA(p bfPage) bool     { return strings.Contains(p.body, `name="otp"`) }
func isConsent(p bfPage) bool { return strings.Contains(p.body, `name="decision" value="allow"`) }

// login answers the pages of an authorization until it redirects to the
// client: the login form with u's password, the TOTP page when shown, the
// consent page (allowing) when shown. It returns the redirect's URL.
func (b *bfBrowser) login(p bfPage, u bfUser) *url.URL {
	b.t.Helper()
	for range 4 {
		switch {
		case p.status == http.StatusSeeOther:
			loc, err := url.Parse(p.location())
			if err != nil {
				b.t.Fatal(err)
			}
			return loc
		case isLogin(p):
			p = b.submit(p, "/authorize/login", map[string]string{"username": u.name, "password": u.password})
		case isMFA(p):
			p = b.submit(p, "/authorize/mfa", map[string]string{"otp": b.e.totpCode(b.t, u)})
		case isConsent(p):
			p = b.submit(p, "/authorize/consent", map[string]string{"decision": "allow"})
		default:
			b.t.Fatalf("unexpected page (status %d):\n%s", p.status, p.body)
		}
	}
	b.t.Fatalf("no redirect after 4 pages")
	return nil
}
