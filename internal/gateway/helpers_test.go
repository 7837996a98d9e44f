package gateway

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/web"
)

const testIssuer = "https://as.example"

// t0 is the fixed test clock's start.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is an injectable time source tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// keyMap is a token.KeyLookup over an in-test map kid → public key.
type keyMap map[string]crypto.PublicKey

func (m keyMap) VerificationKey(kid string) (crypto.PublicKey, error) {
	if k, ok := m[kid]; ok {
		return k, nil
	}
	return nil, errors.New("unknown kid")
}

// staticKey is a Deps.Keys source with one key.
type staticKey struct{ k token.SigningKey }

func (s staticKey) SigningKey() (token.SigningKey, error) { return s.k, nil }

// countingVerifier counts the VerifyAccess calls reaching the real verifier.
type countingVerifier struct {
	v     *token.Verifier
	calls atomic.Int64
}

func (c *countingVerifier) VerifyAccess(raw string) (*token.AccessClaims, error) {
	c.calls.Add(1)
	return c.v.VerifyAccess(raw)
}

// fixture holds keys, a clock and a recording upstream for one test.
type fixture struct {
	clock      *clock
	accessKey  *ecdsa.PrivateKey // signs access tokens, kid "at-1"
	idKey      *ecdsa.PrivateKey // signs Rempart-Identity, kid "id-1"
	verifier   *countingVerifier
	idVerifier *token.Verifier
	up         *upstream
	logs       *syncBuffer
	metrics    *metrics.Metrics
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), accessKey: newKey(t), idKey: newKey(t), logs: &syncBuffer{}, metrics: metrics.New()}
	f.verifier = &countingVerifier{v: &token.Verifier{
		Issuer: testIssuer, Keys: keyMap{"at-1": &f.accessKey.PublicKey}, Now: f.clock.Now,
	}}
	f.idVerifier = &token.Verifier{Issuer: testIssuer, Keys: keyMap{"id-1": &f.idKey.PublicKey}, Now: f.clock.Now}
	f.up = newUpstream(t)
	return f
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (f *fixture) deps() Deps {
	return Deps{
		Verifier: f.verifier,
		Keys:     staticKey{token.SigningKey{ID: "id-1", Key: f.idKey}},
		Metrics:  f.metrics,
		Log:      slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      f.clock.Now,
	}
}

// claims returns valid access-token claims for aud, issued at the clock's now.
func (f *fixture) claims(scope string, aud ...string) *token.AccessClaims {
	now := f.clock.Now()
	return &token.AccessClaims{
		Claims: jwt.Claims{
			Issuer:   testIssuer,
			Subject:  "user-1",
			Audience: jwt.Audience(aud),
			Expiry:   jwt.NewNumericDate(now.Add(30 * time.Minute)),
			IssuedAt: jwt.NewNumericDate(now),
			ID:       uuid.NewString(),
		},
		ClientID: "client-1",
		Scope:    scope,
	}
}

// token signs c as an access token with the fixture's key.
func (f *fixture) token(t testing.TB, c *token.AccessClaims) string {
	t.Helper()
	s, err := token.SignAccess(token.SigningKey{ID: "at-1", Key: f.accessKey}, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// gateway builds a gateway for cfg (upstream URLs filled by the caller) and
// serves it, wrapped in web.Observe as the app does, on a test server.
func (f *fixture) serve(t testing.TB, cfg Config, d Deps, tls bool) (*Gateway, *httptest.Server) {
	t.Helper()
	if cfg.Issuer == "" {
		cfg.Issuer = testIssuer
	}
	g, err := New(cfg, d)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := web.Observe("gateway", nil, f.metrics, cfg.HTTPS, g)
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	t.Cleanup(g.Close)
	return g, srv
}

// upstream is a test upstream that records what it received.
type upstream struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu      sync.Mutex // guards the fields below
	last    *http.Request
	body    []byte
	headers http.Header // response headers to send
	block   chan struct{}
}

func newUpstream(t testing.TB) *upstream {
	u := &upstream{headers: http.Header{}}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.last, u.body = r.Clone(r.Context()), body
		for k, vs := range u.headers {
			w.Header()[k] = vs
		}
		block := u.block
		u.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// url returns the upstream's URL with an optional base path.
func (u *upstream) url(t testing.TB, base string) *url.URL {
	t.Helper()
	p, err := url.Parse(u.srv.URL + base)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// received returns the last request and resets the recorder.
func (u *upstream) received() (*http.Request, int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	r := u.last
	u.last = nil
	return r, u.hits.Swap(0)
}

func (u *upstream) setHeaders(h http.Header) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.headers = h
}

// do sends a request built by the caller and returns the response with its
// body read.
func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// newReq builds a request to srv with a raw (unparsed) request path, so
// that "..", "%2e" and friends reach the gateway exactly as written.
func newReq(t testing.TB, srv *httptest.Server, method, rawPathQuery string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(rawPathQuery, "?")
	req.URL.Opaque = path
	req.URL.RawQuery = query
	return req
}

// checkProblem asserts a generic RFC 9457 refusal: status, problem+json,
// no-store, a request_id equal to X-Request-ID, a generic title.
func checkProblem(t testing.TB, res *http.Response, body []byte, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var p web.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-ID") {
		t.Errorf("request_id = %q, X-Request-ID = %q: want equal and non-empty", p.RequestID, res.Header.Get("X-Request-ID"))
	}
	if p.Title != http.StatusText(status) || p.Status != status || p.Detail != "" {
		t.Errorf("problem = %+v, want generic title %q", p, http.StatusText(status))
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
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

// authFailures returns the rempart_auth_failures_total value for reason.
func authFailures(t testing.TB, m *metrics.Metrics, reason string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "rempart_auth_failures_total" {
			continue
		}
		for _, mm := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range mm.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["role"] == "gateway" && labels["reason"] == reason {
				return mm.GetCounter().GetValue()
			}
		}
	}
	return 0
}
