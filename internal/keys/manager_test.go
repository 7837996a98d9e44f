package keys

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

const (
	testTTL    = 30 * time.Minute
	testIssuer = "https://as.example.test"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newVault(t *testing.T) *vault.Vault {
	t.Helper()
	key := make([]byte, vault.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type env struct {
	store *memStore
	vault *vault.Vault
	clock *clock
}

func newEnv(t *testing.T) *env {
	return &env{store: &memStore{}, vault: newVault(t), clock: &clock{t: t0}}
}

func (e *env) deps() Deps {
	return Deps{Store: e.store, Vault: e.vault, Now: e.clock.Now, MaxTokenTTL: testTTL}
}

func (e *env) manager(t *testing.T) *Manager {
	t.Helper()
	m, err := NewManager(context.Background(), e.deps())
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	return m
}

// sign signs a valid access token with k at the env's current time.
func (e *env) sign(t *testing.T, k token.SigningKey) string {
	t.Helper()
	now := e.clock.Now()
	raw, err := token.SignAccess(k, &token.AccessClaims{
		Claims: jwt.Claims{
			Issuer: testIssuer, Subject: "u", Audience: jwt.Audience{"api"}, ID: uuid.NewString(),
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(testTTL)),
		},
		ClientID: "c",
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (e *env) verifier(m *Manager) *token.Verifier {
	return &token.Verifier{Issuer: testIssuer, Keys: m, Now: e.clock.Now}
}

// jwksKids returns the kids of m's JWK Set, in order.
func jwksKids(t *testing.T, m *Manager) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(m.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func activeCount(recs []Record) int {
	n := 0
	for _, r := range recs {
		if r.RetiredAt.IsZero() {
			n++
		}
	}
	return n
}

func TestFirstStartCreatesOneKey(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	recs := e.store.snapshot()
	if len(recs) != 1 {
		t.Fatalf("%d keys stored, want 1", len(recs))
	}
	r := recs[0]
	if _, err := uuid.Parse(r.ID); err != nil {
		t.Errorf("kid %q is not a UUID (R16)", r.ID)
	}
	if r.Algorithm != "ES256" || !r.RetiredAt.IsZero() || !r.CreatedAt.Equal(t0) {
		t.Errorf("record = %+v", r)
	}
	k, err := m.SigningKey()
	if err != nil || k.ID != r.ID {
		t.Fatalf("SigningKey = %v, %v; want kid %s", k.ID, err, r.ID)
	}
	if err := m.Ready(); err != nil {
		t.Errorf("Ready: %v", err)
	}
	// The private key is stored sealed, bound to its id (R4).
	der, err := x509.MarshalPKCS8PrivateKey(k.Key)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(r.SealedPriv, der[len(der)-32:]) {
		t.Error("sealed private key contains the key in clear")
	}
	if _, err := e.vault.Open(r.SealedPriv, []byte("other-id")); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("sealed key opens with another id as AAD: %v", err)
	}
	if got := jwksKids(t, m); len(got) != 1 || got[0] != r.ID {
		t.Errorf("JWKS kids = %v", got)
	}
}

func TestRestartLoadsSameKey(t *testing.T) {
	e := newEnv(t)
	m1 := e.manager(t)
	k1, _ := m1.SigningKey()
	raw := e.sign(t, k1)

	m2 := e.manager(t)
	k2, _ := m2.SigningKey()
	if k2.ID != k1.ID {
		t.Fatalf("restart: kid %s, want %s", k2.ID, k1.ID)
	}
	if n := len(e.store.snapshot()); n != 1 {
		t.Errorf("%d keys after restart, want 1", n)
	}
	if _, err := e.verifier(m2).VerifyAccess(raw); err != nil {
		t.Errorf("token from before restart: %v", err)
	}
	raw2 := e.sign(t, k2)
	if _, err := e.verifier(m1).VerifyAccess(raw2); err != nil {
		t.Errorf("token signed after restart: %v", err)
	}
}

func TestRotateAndExpiry(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	old, _ := m.SigningKey()
	oldToken := e.sign(t, old)

	e.clock.Set(t0.Add(time.Minute))
	rotatedAt := e.clock.Now()
	nk, err := m.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if nk.ID == old.ID {
		t.Fatal("Rotate kept the old key")
	}
	if cur, _ := m.SigningKey(); cur.ID != nk.ID {
		t.Errorf("SigningKey = %s, want new %s", cur.ID, nk.ID)
	}
	recs := e.store.snapshot()
	if len(recs) != 2 || activeCount(recs) != 1 {
		t.Fatalf("store after rotate: %d keys, %d active", len(recs), activeCount(recs))
	}
	if kids := jwksKids(t, m); len(kids) != 2 || kids[0] != nk.ID || kids[1] != old.ID {
		t.Errorf("JWKS kids = %v, want [%s %s]", kids, nk.ID, old.ID)
	}
	v := e.verifier(m)
	if _, err := v.VerifyAccess(oldToken); err != nil {
		t.Errorf("token signed by the retired key: %v", err)
	}
	if _, err := v.VerifyAccess(e.sign(t, nk)); err != nil {
		t.Errorf("token signed by the new key: %v", err)
	}

	end := rotatedAt.Add(testTTL + PublishGrace)
	t.Run("ok/published-until-window-ends", func(t *testing.T) {
		e.clock.Set(end.Add(-time.Nanosecond))
		if err := m.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if kids := jwksKids(t, m); len(kids) != 2 {
			t.Errorf("JWKS kids = %v, want both", kids)
		}
		if _, err := m.VerificationKey(old.ID); err != nil {
			t.Errorf("old key: %v", err)
		}
		if len(e.store.snapshot()) != 2 {
			t.Error("old key deleted too early")
		}
	})
	t.Run("ok/unpublished-after-window", func(t *testing.T) {
		e.clock.Set(end)
		if kids := jwksKids(t, m); len(kids) != 1 || kids[0] != nk.ID {
			t.Errorf("JWKS kids = %v, want only %s", kids, nk.ID)
		}
		if _, err := m.VerificationKey(old.ID); !errors.Is(err, token.ErrUnknownKey) {
			t.Errorf("old key after window: err = %v", err)
		}
		if err := m.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		recs := e.store.snapshot()
		if len(recs) != 1 || recs[0].ID != nk.ID {
			t.Errorf("store after refresh: %+v", recs)
		}
		if !slicesEqual(e.store.deletes, []string{old.ID}) {
			t.Errorf("deleted %v, want [%s]", e.store.deletes, old.ID)
		}
		if cur, _ := m.SigningKey(); cur.ID != nk.ID {
			t.Errorf("active key changed to %s", cur.ID)
		}
	})
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWrongVaultFailsClosed(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	k, _ := m.SigningKey()

	d := e.deps()
	d.Vault = newVault(t)
	_, err := NewManager(context.Background(), d)
	if err == nil {
		t.Fatal("NewManager succeeded with another encryption key")
	}
	want := "signing key " + k.ID + " cannot be decrypted with this encryption_key"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
	if !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("err does not wrap vault.ErrDecrypt: %v", err)
	}
	if n := len(e.store.snapshot()); n != 1 {
		t.Errorf("a key was generated to replace the undecryptable one: %d keys", n)
	}
}

func TestCorruptRecordsFailClosed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(r *Record, e *env)
		want   string
	}{
		{"fail/sealed-flipped", func(r *Record, _ *env) { r.SealedPriv[len(r.SealedPriv)-1] ^= 1 }, "cannot be decrypted"},
		{"fail/public-swapped", func(r *Record, e *env) {
			other := &memStore{}
			oe := &env{store: other, vault: e.vault, clock: e.clock}
			oe.manager(t)
			r.PublicDER = other.snapshot()[0].PublicDER
		}, "does not match"},
		{"fail/algorithm", func(r *Record, _ *env) { r.Algorithm = "RS256" }, "unsupported algorithm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.manager(t)
			e.store.mu.Lock()
			tc.mutate(&e.store.recs[0], e)
			e.store.mu.Unlock()
			_, err := NewManager(context.Background(), e.deps())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestStoreErrorsFailClosed(t *testing.T) {
	boom := errors.New("store down")
	t.Run("fail/list", func(t *testing.T) {
		e := newEnv(t)
		e.store.listErr = boom
		if _, err := NewManager(context.Background(), e.deps()); !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})
	t.Run("fail/insert", func(t *testing.T) {
		e := newEnv(t)
		e.store.insertErr = boom
		if _, err := NewManager(context.Background(), e.deps()); !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})
	t.Run("ok/refresh-error-keeps-keys", func(t *testing.T) {
		e := newEnv(t)
		m := e.manager(t)
		k, _ := m.SigningKey()
		e.store.mu.Lock()
		e.store.listErr = boom
		e.store.mu.Unlock()
		if err := m.Refresh(context.Background()); !errors.Is(err, boom) {
			t.Errorf("Refresh err = %v", err)
		}
		if got, err := m.SigningKey(); err != nil || got.ID != k.ID {
			t.Errorf("SigningKey after failed refresh = %s, %v", got.ID, err)
		}
		if _, err := m.Rotate(context.Background()); !errors.Is(err, boom) {
			t.Errorf("Rotate err = %v", err)
		}
	})
	t.Run("fail/deps", func(t *testing.T) {
		e := newEnv(t)
		for name, d := range map[string]Deps{
			"no store": {Vault: e.vault, MaxTokenTTL: testTTL},
			"no vault": {Store: e.store, MaxTokenTTL: testTTL},
			"no ttl":   {Store: e.store, Vault: e.vault},
		} {
			if _, err := NewManager(context.Background(), d); err == nil {
				t.Errorf("%s: NewManager succeeded", name)
			}
		}
	})
}

func TestRefreshSeesRotationByAnotherProcess(t *testing.T) {
	e := newEnv(t)
	m1 := e.manager(t)
	m2 := e.manager(t)
	old, _ := m1.SigningKey()
	nk, err := m2.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := m1.SigningKey(); cur.ID != old.ID {
		t.Fatalf("m1 switched before refreshing")
	}
	// A token from m2's new key reaches m1 before its periodic refresh: the
	// unknown kid triggers one refresh.
	if _, err := e.verifier(m1).VerifyAccess(e.sign(t, nk)); err != nil {
		t.Fatalf("new key's token on m1: %v", err)
	}
	if cur, _ := m1.SigningKey(); cur.ID != nk.ID {
		t.Errorf("m1 signs with %s, want %s", cur.ID, nk.ID)
	}
}

func TestUnknownKidRefreshIsRateLimited(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	base := e.store.listCalls()
	for range 50 {
		_, err := m.VerificationKey("forged-kid")
		if !errors.Is(err, token.ErrUnknownKey) {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "forged-kid") {
			t.Fatalf("error quotes the kid: %v", err)
		}
	}
	if got := e.store.listCalls() - base; got != 1 {
		t.Errorf("50 forged kids caused %d store reads, want 1", got)
	}
	e.clock.Set(t0.Add(999 * time.Millisecond))
	m.VerificationKey("forged-kid")
	if got := e.store.listCalls() - base; got != 1 {
		t.Errorf("within a second: %d store reads, want 1", got)
	}
	e.clock.Set(t0.Add(time.Second))
	m.VerificationKey("forged-kid")
	if got := e.store.listCalls() - base; got != 2 {
		t.Errorf("after a second: %d store reads, want 2", got)
	}
	if _, err := m.VerificationKey(""); !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("empty kid: %v", err)
	}
}

func TestConcurrentFirstStartConverges(t *testing.T) {
	e := newEnv(t)
	// Both processes have read the empty store before either inserts.
	var arrived sync.WaitGroup
	arrived.Add(2)
	var once [2]sync.Once
	calls := 0
	var mu sync.Mutex
	e.store.onList = func() {
		mu.Lock()
		i := calls
		calls++
		mu.Unlock()
		if i < 2 {
			once[i].Do(arrived.Done)
			arrived.Wait()
		}
	}
	ms := make([]*Manager, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range ms {
		wg.Go(func() { ms[i], errs[i] = NewManager(context.Background(), e.deps()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs := e.store.snapshot()
	if len(recs) != 2 || activeCount(recs) != 1 {
		t.Fatalf("store: %d keys, %d active; want 2 keys, 1 active", len(recs), activeCount(recs))
	}
	for _, m := range ms {
		if err := m.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	k0, _ := ms[0].SigningKey()
	k1, _ := ms[1].SigningKey()
	want := activeRecord(recs).ID
	if k0.ID != k1.ID || k0.ID != want {
		t.Errorf("processes sign with %s and %s, want both %s", k0.ID, k1.ID, want)
	}
}

func TestJWKS(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	if _, err := m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw := m.JWKS()

	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 2 {
		t.Fatalf("%d keys", len(doc.Keys))
	}
	allowed := map[string]bool{"kty": true, "crv": true, "x": true, "y": true, "kid": true, "use": true, "alg": true}
	for _, k := range doc.Keys {
		for name := range k {
			if !allowed[name] {
				t.Errorf("JWK member %q present (private or unexpected)", name)
			}
		}
		if _, ok := k["d"]; ok {
			t.Error(`JWK has private member "d"`)
		}
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["use"] != "sig" || k["alg"] != "ES256" || k["kid"] == "" {
			t.Errorf("JWK = %v", k)
		}
	}

	set, err := jwk.Parse(raw)
	if err != nil {
		t.Fatalf("jwx cannot parse the JWK Set: %v", err)
	}
	if set.Len() != 2 {
		t.Errorf("jwx sees %d keys", set.Len())
	}
	active, _ := m.SigningKey()
	if _, ok := set.LookupKeyID(active.ID); !ok {
		t.Error("active kid not in JWK Set")
	}
	for i := range set.Len() {
		key, _ := set.Key(i)
		if priv, err := jwk.IsPrivateKey(key); err != nil || priv {
			t.Errorf("key %d: private=%v err=%v", i, priv, err)
		}
	}
}

func TestRun(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	lists := make(chan struct{}, 16)
	e.store.onList = func() {
		select {
		case lists <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx, time.Millisecond); close(done) }()
	for range 2 {
		select {
		case <-lists:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not refresh")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				k, err := m.SigningKey()
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := m.VerificationKey(k.ID); err != nil && !errors.Is(err, token.ErrUnknownKey) {
					t.Error(err)
				}
				_ = m.JWKS()
			}
		})
	}
	for range 5 {
		if _, err := m.Rotate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
