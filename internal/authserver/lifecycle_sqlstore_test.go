package authserver_test

// Token lifecycle against the real store (SQLite always, PostgreSQL when
// REMPART_TEST_POSTGRES is set): refresh rotation under 20 concurrent
// requests, and the token tables staying flat under a week of steady
// issuance with the purge job running (T2, T3).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/store/sqlstore"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/vault"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type keySource struct {
	kid  string
	priv *ecdsa.PrivateKey
	jwks []byte
}

func newKeySource(t *testing.T) *keySource {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := uuid.NewString()
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
	return &keySource{kid: kid, priv: priv, jwks: b}
}

func (k *keySource) SigningKey() (token.SigningKey, error) {
	return token.SigningKey{ID: k.kid, Key: k.priv}, nil
}
func (k *keySource) JWKS() []byte { return k.jwks }

// oneUser authenticates a single user without argon2 (speed).
type oneUser struct{ user users.User }

func (o oneUser) Authenticate(_ context.Context, name, password string) (users.User, error) {
	if name != o.user.Username || password != "correct horse battery" {
		return users.User{}, users.ErrInvalidCredentials
	}
	return o.user, nil
}

// sqlEnv is an authorization server on a real store.
type sqlEnv struct {
	st      *sqlstore.Store
	srv     *httptest.Server
	issuer  string
	clock   atomic.Int64
	metrics *metrics.Metrics
	vault   *vault.Vault
	id, sec string
}

func (e *sqlEnv) now() time.Time { return time.Unix(0, e.clock.Load()).UTC() }

func newSQLEnv(t *testing.T, driver, dsn string) *sqlEnv {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), driver, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(bytes.Repeat([]byte{9}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e := &sqlEnv{st: st, metrics: metrics.New(), vault: v}
	e.clock.Store(start.UnixNano())
	e.srv = httptest.NewUnstartedServer(nil)
	e.issuer = "https://" + e.srv.Listener.Addr().String()
	as, err := authserver.New(authserver.Config{Issuer: e.issuer,
		APIs: []authserver.API{{Name: "orders", Scopes: []string{"orders:read"}}}},
		authserver.Deps{Clients: st, Keys: newKeySource(t), Hasher: v, Tokens: st, Now: e.now, Metrics: e.metrics,
			Users: oneUser{users.User{ID: uuid.NewString(), Username: "alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = as.Handler()
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	c, secret, err := authserver.RegisterClient(t.Context(), st, v, authserver.ClientSpec{Name: "app",
		GrantTypes: []string{authserver.GrantPassword, authserver.GrantRefreshToken}, AllowPasswordGrant: true,
		Scopes: []string{"orders:read offline_access"}}, start)
	if err != nil {
		t.Fatal(err)
	}
	e.id, e.sec = c.ID, secret
	return e
}

type tokenResp struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

func (e *sqlEnv) token(t *testing.T, f url.Values) (int, tokenResp) {
	return e.tokenAs(t, e.id, e.sec, f)
}

func (e *sqlEnv) tokenAs(t *testing.T, id, secret string, f url.Values) (int, tokenResp) {
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/token", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Error(err)
		return 0, tokenResp{}
	}
	defer resp.Body.Close()
	var tr tokenResp
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	return resp.StatusCode, tr
}

func (e *sqlEnv) passwordGrant(t *testing.T) tokenResp {
	code, tr := e.token(t, url.Values{"grant_type": {authserver.GrantPassword}, "username": {"alice"},
		"password": {"correct horse battery"}, "scope": {"orders:read offline_access"}})
	if code != 200 || tr.RefreshToken == "" {
		t.Fatalf("password grant: status %d %q", code, tr.Error)
	}
	return tr
}

// backends returns the stores to run on: a SQLite file (real concurrent
// connections) and PostgreSQL when REMPART_TEST_POSTGRES is set.
func backends(t *testing.T) map[string]func(t *testing.T) (string, string) {
	b := map[string]func(t *testing.T) (string, string){
		"sqlite": func(t *testing.T) (string, string) {
			return sqlstore.DriverSQLite, filepath.Join(t.TempDir(), "rempart.db")
		},
	}
	if base := os.Getenv("REMPART_TEST_POSTGRES"); base != "" {
		b["postgres"] = func(t *testing.T) (string, string) { return sqlstore.DriverPostgres, pgSchema(t, base) }
	}
	return b
}

// pgSchema creates a schema dropped at the end of the test and returns a
// DSN using it.
func pgSchema(t *testing.T, base string) string {
	schema := "rempart_lc_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestRefreshConcurrentReuseOnStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			driver, dsn := open(t)
			e := newSQLEnv(t, driver, dsn)
			first := e.passwordGrant(t)
			const n = 20
			codes := make([]int, n)
			results := make([]tokenResp, n)
			gate := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-gate
					codes[i], results[i] = e.token(t, url.Values{"grant_type": {authserver.GrantRefreshToken},
						"refresh_token": {first.RefreshToken}})
				})
			}
			close(gate)
			wg.Wait()
			winner, ok := -1, 0
			for i, c := range codes {
				switch {
				case c == 200:
					ok++
					winner = i
				case c != 400 || results[i].Error != "invalid_grant":
					t.Errorf("request %d: status %d %q", i, c, results[i].Error)
				}
			}
			if ok != 1 {
				t.Fatalf("%d rotations won, want exactly 1", ok)
			}
			// The reuse revoked the family: the winner's new token fails too.
			if c, tr := e.token(t, url.Values{"grant_type": {authserver.GrantRefreshToken},
				"refresh_token": {results[winner].RefreshToken}}); c != 400 || tr.Error != "invalid_grant" {
				t.Errorf("winner's new refresh token: status %d", c)
			}
			for _, raw := range []string{first.AccessToken, results[winner].AccessToken} {
				var claims struct {
					ID string `json:"jti"`
				}
				parts := strings.Split(raw, ".")
				b, _ := base64.RawURLEncoding.DecodeString(parts[1])
				_ = json.Unmarshal(b, &claims)
				if revoked, err := e.st.JTIRevoked(t.Context(), claims.ID); err != nil || !revoked {
					t.Errorf("access token %s of the family not deny-listed (%v)", claims.ID, err)
				}
			}
		})
	}
}

func TestTokenTablesStayFlat(t *testing.T) {
	// T3: a week of steady issuance — one password grant with a 24 h
	// refresh token every 10 simulated minutes (1008 in all), the purge job
	// every simulated hour — keeps the refresh-token table at about
	// rate × lifetime (144 rows), not at the total ever issued.
	e := newSQLEnv(t, sqlstore.DriverSQLite, ":memory:")
	p := authserver.NewPurger(e.st, e.metrics, e.now, nil)
	const (
		every    = 10 * time.Minute
		lifetime = 24 * time.Hour
		perHour  = int(time.Hour / every)
		steady   = int(lifetime / every) // 144
	)
	var maxRows, issued int64
	for step := range 7 * 24 * perHour {
		e.clock.Store(start.Add(time.Duration(step) * every).UnixNano())
		e.passwordGrant(t)
		issued++
		if (step+1)%perHour != 0 {
			continue
		}
		if _, err := p.PurgeOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		counts, err := e.st.CountRows(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if step >= 2*24*perHour { // past the first day and a bit: steady state
			maxRows = max(maxRows, counts["refresh_tokens"])
		}
		if got := metricValue(t, e.metrics, "rempart_store_rows", "refresh_tokens"); got != float64(counts["refresh_tokens"]) {
			t.Fatalf("rempart_store_rows{refresh_tokens} = %v, want %d", got, counts["refresh_tokens"])
		}
	}
	counts, err := e.st.CountRows(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("issued %d refresh tokens; rows now %v; steady-state max %d", issued, counts, maxRows)
	if issued != 1008 {
		t.Fatalf("issued %d, want 1008", issued)
	}
	// Between two purges at most perHour tokens expire without being purged.
	if maxRows < int64(steady) || maxRows > int64(steady+perHour) {
		t.Errorf("refresh_tokens peaked at %d rows, want %d..%d (rate × lifetime)", maxRows, steady, steady+perHour)
	}
	if counts["token_families"] > int64(steady+perHour) || counts["access_tokens"] > int64(perHour+3) {
		t.Errorf("families %d, access tokens %d: not bounded by rate × lifetime", counts["token_families"], counts["access_tokens"])
	}
	if purged := metricValue(t, e.metrics, "rempart_purged_rows_total", "refresh_tokens"); purged < float64(issued)-float64(steady+perHour) {
		t.Errorf("rempart_purged_rows_total{refresh_tokens} = %v, want ≈ %d", purged, issued-int64(steady))
	}
}

// metricValue returns the gauge or counter name{table=table}, or -1.
func metricValue(t *testing.T, m *metrics.Metrics, name, table string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, x := range mf.GetMetric() {
			for _, l := range x.GetLabel() {
				if l.GetName() == "table" && l.GetValue() == table {
					if g := x.GetGauge(); g != nil {
						return g.GetValue()
					}
					return x.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}

func TestStoreHoldsNoTokenInClear(t *testing.T) {
	// R4, D5: the database files hold only keyed hashes of client secrets,
	// refresh tokens and opaque tokens.
	dir := t.TempDir()
	e := newSQLEnv(t, sqlstore.DriverSQLite, filepath.Join(dir, "rempart.db"))
	c, secret, err := authserver.RegisterClient(t.Context(), e.st, e.vault, authserver.ClientSpec{Name: "svc",
		GrantTypes: []string{authserver.GrantClientCredentials}, Scopes: []string{"orders:read"},
		TokenFormat: authserver.FormatOpaque}, start)
	if err != nil {
		t.Fatal(err)
	}
	code, opaque := e.tokenAs(t, c.ID, secret, url.Values{"grant_type": {authserver.GrantClientCredentials}})
	if code != 200 || !strings.HasPrefix(opaque.AccessToken, token.PrefixAccess) {
		t.Fatalf("opaque token: status %d", code)
	}
	first := e.passwordGrant(t)
	code, second := e.token(t, url.Values{"grant_type": {authserver.GrantRefreshToken}, "refresh_token": {first.RefreshToken}})
	if code != 200 {
		t.Fatalf("refresh: status %d", code)
	}
	secrets := map[string]string{"client secret": secret, "app secret": e.sec, "opaque token": opaque.AccessToken,
		"refresh token": first.RefreshToken, "rotated refresh token": second.RefreshToken}
	files, err := filepath.Glob(filepath.Join(dir, "rempart.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, v := range secrets {
			if bytes.Contains(b, []byte(v)) || bytes.Contains(b, []byte(v[4:])) {
				t.Errorf("%s holds a %s in clear", filepath.Base(f), what)
			}
		}
	}
}
