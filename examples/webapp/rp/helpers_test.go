package rp

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is an injected time source.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is the app in front of a fake provider, driven by a browser
// that keeps cookies.
type harness struct {
	op      *fakeOP
	app     *App
	clock   *clock
	logs    *syncBuffer
	browser *browser
}

const testRedirect = "http://127.0.0.1:9100/callback"

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, testRedirect, nil)
}

// newHarnessWith builds the app for redirect; tweak (if any) changes the
// provider before discovery.
func newHarnessWith(t *testing.T, redirect string, tweak func(op *fakeOP)) *harness {
	t.Helper()
	c := &clock{t: time.Now().Truncate(time.Second)}
	op := newFakeOP(t, c.Now)
	if tweak != nil {
		op.set(tweak)
	}
	logs := &syncBuffer{}
	app, err := New(t.Context(), Config{
		Issuer: op.issuer(), ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: redirect,
		HTTPClient: op.srv.Client(), Now: c.Now,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return &harness{op: op, app: app, clock: c, logs: logs, browser: &browser{app: app, origin: strings.TrimSuffix(redirect, CallbackPath), cookies: map[string]*http.Cookie{}}}
}

// browser sends requests to the app and keeps the cookies it sets.
type browser struct {
	app     http.Handler
	origin  string
	cookies map[string]*http.Cookie
}

// do sends a request (same-origin for POST) and returns the recorded answer.
func (b *browser) do(method, target string, hdr http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, b.origin+target, nil)
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	if method == http.MethodPost {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", b.origin)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	b.app.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec
}

// login runs GET /login and returns the authorization request it
// redirected to.
func (h *harness) login(t *testing.T) authRequest {
	t.Helper()
	rec := h.browser.do(http.MethodGet, "/login", nil)
	if rec.Code != http.StatusFound {
		t.Fatalf("GET /login = %d, want 302", rec.Code)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != h.op.issuer()+"/authorize" {
		t.Fatalf("GET /login redirects to %q, want the authorization endpoint", got)
	}
	q := loc.Query()
	return authRequest{
		ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), Scope: q.Get("scope"),
		State: q.Get("state"), Nonce: q.Get("nonce"), Challenge: q.Get("code_challenge"),
		Method: q.Get("code_challenge_method"), ResponseType: q.Get("response_type"),
	}
}

// callback sends the authorization response q to /callback.
func (h *harness) callback(q url.Values) *httptest.ResponseRecorder {
	return h.browser.do(http.MethodGet, CallbackPath+"?"+q.Encode(), nil)
}

// goodResponse returns the provider's answer to ar: a code, the state and
// iss.
func (h *harness) goodResponse(ar authRequest) url.Values {
	return url.Values{"code": {h.op.authorize(ar)}, "state": {ar.State}, "iss": {h.op.issuer()}}
}

// signIn runs the whole flow and returns the home page.
func (h *harness) signIn(t *testing.T) string {
	t.Helper()
	rec := h.callback(h.goodResponse(h.login(t)))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("callback = %d %q, want 303 to /; body:\n%s\nlogs:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body, h.logs)
	}
	home := h.browser.do(http.MethodGet, "/", nil)
	if home.Code != http.StatusOK {
		t.Fatalf("GET / = %d", home.Code)
	}
	return home.Body.String()
}
