package authserver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// memStore is an in-memory ClientStore for tests.
type memStore struct {
	mu      sync.Mutex // guards the fields below
	clients map[string]Client
	failIDs map[string]bool // GetClient of these ids fails (store down)
	reads   int
}

var _ ClientStore = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{clients: map[string]Client{}, failIDs: map[string]bool{}}
}

func cloneClient(c Client) Client {
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.Scopes = slices.Clone(c.Scopes)
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.APIs = slices.Clone(c.APIs)
	c.SecretHash = slices.Clone(c.SecretHash)
	c.PrevSecretHash = slices.Clone(c.PrevSecretHash)
	return c
}

func (m *memStore) CreateClient(_ context.Context, c Client) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.clients {
		if o.ID == c.ID || o.Name == c.Name {
			return fmt.Errorf("memstore: %w", store.ErrConflict)
		}
	}
	m.clients[c.ID] = cloneClient(c)
	return nil
}

func (m *memStore) GetClient(_ context.Context, id string) (Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	if m.failIDs[id] {
		return Client{}, errors.New("memstore: connection refused to db.internal:5432")
	}
	c, ok := m.clients[id]
	if !ok {
		return Client{}, fmt.Errorf("memstore: client: %w", store.ErrNotFound)
	}
	return cloneClient(c), nil
}

func (m *memStore) ListClients(context.Context) ([]Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Client
	for _, c := range m.clients {
		out = append(out, cloneClient(c))
	}
	slices.SortFunc(out, func(a, b Client) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memStore) DeleteClient(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[id]; !ok {
		return fmt.Errorf("memstore: %w", store.ErrNotFound)
	}
	delete(m.clients, id)
	return nil
}

func (m *memStore) UpdateClientSecret(_ context.Context, id string, u SecretUpdate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	if !ok {
		return fmt.Errorf("memstore: %w", store.ErrNotFound)
	}
	c.SecretHash = slices.Clone(u.SecretHash)
	c.PrevSecretHash = slices.Clone(u.PrevSecretHash)
	c.PrevSecretExpires = u.PrevSecretExpires
	c.UpdatedAt = u.UpdatedAt
	m.clients[id] = c
	return nil
}

// testKeys is a keySource with one real ES256 key.
type testKeys struct {
	kid  string
	priv *ecdsa.PrivateKey
	jwks []byte
	err  error // SigningKey fails when set
}

func newTestKeys(t testing.TB) *testKeys {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := uuid.NewString()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return &testKeys{kid: kid, priv: priv, jwks: b}
}

func (k *testKeys) SigningKey() (token.SigningKey, error) {
	if k.err != nil {
		return token.SigningKey{}, k.err
	}
	return token.SigningKey{ID: k.kid, Key: k.priv}, nil
}

func (k *testKeys) JWKS() []byte { return k.jwks }

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testEnv is an authorization server on a real TLS listener.
type testEnv struct {
	srv     *httptest.Server
	as      *Server
	store   *memStore
	keys    *testKeys
	hasher  *vault.Vault
	metrics *metrics.Metrics
	logs    *syncBuffer
	issuer  string
	now     atomic.Pointer[time.Time]
	secrets []string // every secret handed out, for leak checks
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testAPIs = []API{
	{Name: "orders", Resource: "https://gw.example/orders", Scopes: []string{"orders:read", "orders:write"}},
	{Name: "billing", Resource: "https://gw.example/billing", Scopes: []string{"billing:read"}},
}

func testHasher(t testing.TB) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newTestEnv starts a server whose issuer is its own https URL plus path.
func newTestEnv(t testing.TB, path string) *testEnv {
	t.Helper()
	e := &testEnv{store: newMemStore(), keys: newTestKeys(t), hasher: testHasher(t),
		metrics: metrics.New(), logs: &syncBuffer{}}
	e.setNow(t0)
	e.srv = httptest.NewUnstartedServer(nil)
	e.issuer = "https://" + e.srv.Listener.Addr().String() + path
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	as, err := New(Config{Issuer: e.issuer, APIs: testAPIs}, Deps{
		Clients: e.store, Keys: e.keys, Hasher: e.hasher, Metrics: e.metrics, Log: log,
		Now: func() time.Time { return *e.now.Load() },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.as = as
	e.srv.Config.Handler = web.Observe("authorization_server", log, e.metrics, true, as.Handler())
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *testEnv) setNow(at time.Time) { e.now.Store(&at) }

// register creates a client through RegisterClient and returns its id and
// secret.
func (e *testEnv) register(t testing.TB, spec ClientSpec) (string, string) {
	t.Helper()
	c, secret, err := RegisterClient(context.Background(), e.store, e.hasher, spec, t0)
	if err != nil {
		t.Fatalf("RegisterClient(%+v): %v", spec, err)
	}
	e.secrets = append(e.secrets, secret)
	return c.ID, secret
}

// tokenCall describes one request to the token endpoint.
type tokenCall struct {
	form        url.Values
	basic       *[2]string // id, secret: sent form-urlencoded in Basic
	rawAuth     string     // Authorization header as is
	query       string
	contentType string // "" means form
	body        string // overrides form
	method      string
}

func (e *testEnv) call(t testing.TB, c tokenCall) (*http.Response, []byte) {
	t.Helper()
	body := c.body
	if body == "" {
		body = c.form.Encode()
	}
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	u := e.issuer + "/token"
	if c.query != "" {
		u += "?" + c.query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ct := c.contentType
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	if c.basic != nil {
		req.SetBasicAuth(url.QueryEscape(c.basic[0]), url.QueryEscape(c.basic[1]))
	}
	if c.rawAuth != "" {
		req.Header.Set("Authorization", c.rawAuth)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// authFailures returns the value of the invalid_client failure counter.
func (e *testEnv) authFailures(t testing.TB) float64 {
	t.Helper()
	mfs, err := e.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "rempart_auth_failures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["role"] == "authorization_server" && labels["reason"] == "invalid_client" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
