package authserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/jail"
	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/web"
)

// memTokens is an in-memory TokenStore, RevocationFeed and PurgeStore for
// tests: one mutex makes every method atomic, as the real stores are.
type memTokens struct {
	mu         sync.Mutex // guards the fields below
	families   map[string]TokenFamily
	refresh    map[string]RefreshToken // by string(hash)
	access     map[string]AccessToken  // by jti
	byHash     map[string]string       // opaque access token: string(hash) → jti
	revoked    map[string]RevokedJTI
	assertions map[string]time.Time // client id + "\x00" + jti
	down       bool                 // every call fails (store unreachable)
	failWrites bool                 // revocations fail
}

var (
	_ TokenStore     = (*memTokens)(nil)
	_ RevocationFeed = (*memTokens)(nil)
	_ PurgeStore     = (*memTokens)(nil)
)

var errMemDown = errors.New("memtokens: connection refused to db.internal:5432")

func newMemTokens() *memTokens {
	return &memTokens{families: map[string]TokenFamily{}, refresh: map[string]RefreshToken{},
		access: map[string]AccessToken{}, byHash: map[string]string{}, revoked: map[string]RevokedJTI{}, assertions: map[string]time.Time{}}
}

func (m *memTokens) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

func (m *memTokens) setFailWrites(fail bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failWrites = fail
}

func (m *memTokens) CreateGrant(_ context.Context, g Grant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errMemDown
	}
	if _, ok := m.families[g.Family.ID]; ok {
		return store.ErrConflict
	}
	m.families[g.Family.ID] = g.Family
	m.putAccessLocked(g.Access)
	if g.Refresh != nil {
		m.refresh[string(g.Refresh.Hash)] = *g.Refresh
	}
	return nil
}

func (m *memTokens) RefreshTokenByHash(_ context.Context, hash []byte) (RefreshToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return RefreshToken{}, errMemDown
	}
	t, ok := m.refresh[string(hash)]
	if !ok {
		return RefreshToken{}, fmt.Errorf("memtokens: %w", store.ErrNotFound)
	}
	return t, nil
}

func (m *memTokens) RotateRefreshToken(_ context.Context, oldHash []byte, next RefreshToken, acc AccessToken) (RefreshToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return RefreshToken{}, errMemDown
	}
	old, ok := m.refresh[string(oldHash)]
	if !ok {
		return RefreshToken{}, store.ErrNotFound
	}
	if !old.UsedAt.IsZero() || !old.RevokedAt.IsZero() {
		m.revokeFamilyLocked(old.FamilyID, next.IssuedAt)
		return RefreshToken{}, store.ErrAlreadyUsed
	}
	old.UsedAt = next.IssuedAt
	m.refresh[string(oldHash)] = old
	m.refresh[string(next.Hash)] = next
	m.putAccessLocked(acc)
	f := m.families[old.FamilyID]
	f.ExpiresAt = later(f.ExpiresAt, later(next.ExpiresAt, acc.ExpiresAt))
	m.families[old.FamilyID] = f
	return old, nil
}

func (m *memTokens) revokeFamilyLocked(id string, at time.Time) bool {
	f, ok := m.families[id]
	if !ok {
		return false
	}
	if f.RevokedAt.IsZero() {
		f.RevokedAt = at
		m.families[id] = f
	}
	for h, t := range m.refresh {
		if t.FamilyID == id && t.RevokedAt.IsZero() {
			t.RevokedAt = at
			m.refresh[h] = t
		}
	}
	for j, a := range m.access {
		if a.FamilyID != id {
			continue
		}
		if a.RevokedAt.IsZero() {
			a.RevokedAt = at
			m.access[j] = a
		}
		if _, ok := m.revoked[j]; !ok && a.ExpiresAt.After(at) {
			m.revoked[j] = RevokedJTI{JTI: j, ExpiresAt: a.ExpiresAt, RevokedAt: at}
		}
	}
	return true
}

func (m *memTokens) RevokeFamily(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down || m.failWrites {
		return errMemDown
	}
	if !m.revokeFamilyLocked(id, at) {
		return store.ErrNotFound
	}
	return nil
}

func (m *memTokens) RevokeFamilyByCode(_ context.Context, code string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down || m.failWrites {
		return errMemDown
	}
	found := false
	for id, f := range m.families {
		if f.CodeID == code {
			found = m.revokeFamilyLocked(id, at) || found
		}
	}
	if !found {
		return store.ErrNotFound
	}
	return nil
}

func (m *memTokens) CreateAccessToken(_ context.Context, t AccessToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errMemDown
	}
	if _, ok := m.access[t.JTI]; ok {
		return store.ErrConflict
	}
	m.putAccessLocked(t)
	return nil
}

func (m *memTokens) putAccessLocked(t AccessToken) {
	m.access[t.JTI] = t
	if t.Hash != nil {
		m.byHash[string(t.Hash)] = t.JTI
	}
}

func (m *memTokens) AccessTokenByHash(_ context.Context, hash []byte) (AccessToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return AccessToken{}, errMemDown
	}
	if a, ok := m.access[m.byHash[string(hash)]]; ok && bytes.Equal(a.Hash, hash) {
		return a, nil
	}
	return AccessToken{}, store.ErrNotFound
}

func (m *memTokens) RevokeAccessToken(_ context.Context, jti string, exp, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down || m.failWrites {
		return errMemDown
	}
	if _, ok := m.revoked[jti]; !ok {
		m.revoked[jti] = RevokedJTI{JTI: jti, ExpiresAt: exp, RevokedAt: at}
	}
	if a, ok := m.access[jti]; ok && a.RevokedAt.IsZero() {
		a.RevokedAt = at
		m.access[jti] = a
	}
	return nil
}

func (m *memTokens) JTIRevoked(_ context.Context, jti string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return false, errMemDown
	}
	_, ok := m.revoked[jti]
	return ok, nil
}

// RevokedClientsSince: memTokens holds no clients, so none are revoked.
func (m *memTokens) RevokedClientsSince(_ context.Context, _ time.Time) ([]RevokedClient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errMemDown
	}
	return nil, nil
}

func (m *memTokens) RevokedJTIsSince(_ context.Context, since time.Time) ([]RevokedJTI, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errMemDown
	}
	var out []RevokedJTI
	for _, e := range m.revoked {
		if !e.RevokedAt.Before(since) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memTokens) UseClientAssertion(_ context.Context, clientID, jti string, exp time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errMemDown
	}
	k := clientID + "\x00" + jti
	if _, ok := m.assertions[k]; ok {
		return store.ErrAlreadyUsed
	}
	m.assertions[k] = exp
	return nil
}

func (m *memTokens) Purge(_ context.Context, now time.Time, batch int) (PurgeStats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errMemDown
	}
	st := PurgeStats{}
	purge := func(table string, keys []string, del func(string)) {
		for _, k := range keys {
			if st[table] >= int64(batch) {
				return
			}
			del(k)
			st[table]++
		}
	}
	var ks []string
	for j, a := range m.access {
		if !now.Before(a.ExpiresAt) {
			ks = append(ks, j)
		}
	}
	purge("access_tokens", ks, func(k string) { delete(m.access, k) })
	ks = nil
	for h, r := range m.refresh {
		if !now.Before(r.ExpiresAt) {
			ks = append(ks, h)
		}
	}
	purge("refresh_tokens", ks, func(k string) { delete(m.refresh, k) })
	ks = nil
	for j, e := range m.revoked {
		if !now.Before(e.ExpiresAt) {
			ks = append(ks, j)
		}
	}
	purge("revoked_jtis", ks, func(k string) { delete(m.revoked, k) })
	return st, nil
}

func (m *memTokens) CountRows(context.Context) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errMemDown
	}
	return map[string]int64{"access_tokens": int64(len(m.access)), "refresh_tokens": int64(len(m.refresh)),
		"revoked_jtis": int64(len(m.revoked))}, nil
}

// accessByJTI returns the access-token record jti.
func (m *memTokens) accessByJTI(jti string) AccessToken {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.access[jti]
}

// accessOfFamily returns the access-token records of family.
func (m *memTokens) accessOfFamily(family string) []AccessToken {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AccessToken
	for _, a := range m.access {
		if a.FamilyID == family {
			out = append(out, a)
		}
	}
	return out
}

// memUsers is a user directory: passwords compared in clear (test only).
type memUsers struct {
	mu    sync.Mutex // guards the fields below
	users map[string]memUser
	down  bool
}

type memUser struct {
	password string
	user     users.User
}

func newMemUsers() *memUsers { return &memUsers{users: map[string]memUser{}} }

func (m *memUsers) add(name, password string, mfa bool) users.User {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := users.User{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", len(m.users)+1), Username: name, MFAEnabled: mfa}
	m.users[name] = memUser{password: password, user: u}
	return u
}

// Get finds a user by id (the userGetter capability).
func (m *memUsers) Get(_ context.Context, id string) (users.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.user.ID == id {
			return u.user, nil
		}
	}
	return users.User{}, store.ErrNotFound
}

// disable marks the user disabled.
func (m *memUsers) disable(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[name]
	u.user.Disabled = true
	m.users[name] = u
}

func (m *memUsers) Authenticate(_ context.Context, username, password string) (users.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return users.User{}, errors.New("users: authenticate: store down")
	}
	u, ok := m.users[strings.ToLower(username)]
	if !ok || u.password != password || u.user.Disabled {
		return users.User{}, users.ErrInvalidCredentials
	}
	return u.user, nil
}

// lcOptions configure a token-lifecycle test server.
type lcOptions struct {
	path        string
	format      string        // Config.AccessTokenFormat
	refreshTTL  time.Duration // Config.RefreshTokenTTL
	withJail    bool
	noTokens    bool
	jailMaxFail int
}

// lcEnv is a testEnv with the token store, users and jail wired.
type lcEnv struct {
	*testEnv
	tokens *memTokens
	users  *memUsers
	jail   *jail.Jail
}

// newLifecycleEnv starts an authorization server on a real TLS listener
// with a memTokens store, a memUsers directory and, optionally, a jail on
// the server's clock.
func newLifecycleEnv(t testing.TB, o lcOptions) *lcEnv {
	t.Helper()
	e := &lcEnv{testEnv: &testEnv{store: newMemStore(), keys: newTestKeys(t), hasher: testHasher(t),
		metrics: metrics.New(), logs: &syncBuffer{}}, tokens: newMemTokens(), users: newMemUsers()}
	e.setNow(t0)
	now := func() time.Time { return *e.now.Load() }
	e.srv = httptest.NewUnstartedServer(nil)
	e.issuer = "https://" + e.srv.Listener.Addr().String() + o.path
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := Deps{Clients: e.store, Keys: e.keys, Hasher: e.hasher, Metrics: e.metrics, Log: log, Now: now,
		Tokens: e.tokens, Users: e.users}
	if o.noTokens {
		d.Tokens = nil
	}
	if o.withJail {
		max := o.jailMaxFail
		if max == 0 {
			max = 5
		}
		e.jail = jail.New(jail.Config{MaxFailures: max, Window: 5 * time.Minute, Ban: 15 * time.Minute}, 1000, now)
		d.Jail = e.jail
	}
	as, err := New(Config{Issuer: e.issuer, APIs: testAPIs, AccessTokenFormat: o.format, RefreshTokenTTL: o.refreshTTL}, d)
	if err != nil {
		t.Fatal(err)
	}
	e.as = as
	e.srv.Config.Handler = web.Observe("authorization_server", log, e.metrics, true, as.Handler())
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	return e
}

// tokenBody is a decoded token response or OAuth error.
type tokenBody struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// post sends form to the endpoint path (e.g. "/token") with Basic
// credentials when id is not "", and decodes the JSON body when there is
// one.
func (e *lcEnv) post(t testing.TB, path, id, secret string, f url.Values) (*http.Response, tokenBody, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	var tb tokenBody
	if raw.Len() > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw.Bytes(), &tb); err != nil {
			t.Fatalf("%s: body %q: %v", path, raw.String(), err)
		}
	}
	return resp, tb, raw.Bytes()
}

// passwordTokens runs a password grant that must succeed.
func (e *lcEnv) passwordTokens(t testing.TB, id, secret, user, password, scope string) tokenBody {
	t.Helper()
	resp, tb, raw := e.post(t, "/token", id, secret, form("grant_type", GrantPassword, "username", user, "password", password, "scope", scope))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("password grant: status %d: %s", resp.StatusCode, raw)
	}
	return tb
}

// refresh runs a refresh grant.
func (e *lcEnv) refresh(t testing.TB, id, secret, rt string, kv ...string) (*http.Response, tokenBody) {
	t.Helper()
	f := form(append([]string{"grant_type", GrantRefreshToken, "refresh_token", rt}, kv...)...)
	resp, tb, _ := e.post(t, "/token", id, secret, f)
	return resp, tb
}

// lcClients are the clients the lifecycle tests use.
type lcClients struct {
	app, appSecret       string // password + refresh_token, offline_access; JWT
	opaque, opaqueSecret string // same, opaque tokens
	other, otherSecret   string // another client with the same grants
	noRT, noRTSecret     string // password only (no refresh_token grant)
	svc, svcSecret       string // client_credentials, opaque tokens
	svcJWT, svcJWTSecret string // client_credentials, JWT
	plain, plainSecret   string // no password grant
}

func setupLifecycleClients(t testing.TB, e *lcEnv) lcClients {
	t.Helper()
	var c lcClients
	pw := []string{GrantPassword, GrantRefreshToken}
	scopes := []string{"orders:read orders:write billing:read offline_access"}
	c.app, c.appSecret = e.register(t, ClientSpec{Name: "app", GrantTypes: pw, Scopes: scopes, AllowPasswordGrant: true})
	c.opaque, c.opaqueSecret = e.register(t, ClientSpec{Name: "app-opaque", GrantTypes: pw, Scopes: scopes,
		AllowPasswordGrant: true, TokenFormat: FormatOpaque})
	c.other, c.otherSecret = e.register(t, ClientSpec{Name: "other", GrantTypes: pw, Scopes: scopes, AllowPasswordGrant: true})
	c.noRT, c.noRTSecret = e.register(t, ClientSpec{Name: "no-refresh", GrantTypes: []string{GrantPassword}, Scopes: scopes,
		AllowPasswordGrant: true})
	c.svc, c.svcSecret = e.register(t, ClientSpec{Name: "svc-opaque", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read"}, TokenFormat: FormatOpaque})
	c.svcJWT, c.svcJWTSecret = e.register(t, ClientSpec{Name: "svc-jwt", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read"}})
	c.plain, c.plainSecret = e.register(t, ClientSpec{Name: "plain", GrantTypes: []string{GrantClientCredentials, GrantRefreshToken},
		Scopes: scopes})
	return c
}

// waitFor polls cond until it holds or the deadline passes; it returns
// how long it took. No fixed sleep decides anything.
func waitFor(t testing.TB, within time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// containsSecret reports whether any of secrets appears in s.
func containsSecret(s string, secrets ...string) bool {
	return slices.ContainsFunc(secrets, func(x string) bool { return x != "" && strings.Contains(s, x) })
}
