package authserver

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
)

func TestRegisterClient(t *testing.T) {
	cc := []string{GrantClientCredentials}
	tests := []struct {
		name      string
		spec      ClientSpec
		wantField string // "" for success
		check     func(t *testing.T, c Client)
	}{
		{name: "ok/minimal", spec: ClientSpec{Name: "svc", GrantTypes: cc, Scopes: []string{"orders:read"}},
			check: func(t *testing.T, c Client) {
				if c.AuthMethod != AuthSecretBasic || c.TokenFormat != "" {
					t.Errorf("defaults: auth %q format %q", c.AuthMethod, c.TokenFormat)
				}
			}},
		{name: "ok/scopes-split-and-deduped", spec: ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials, GrantClientCredentials},
			Scopes: []string{"a b", "b", "c"}, APIs: []string{"orders", "orders"}, AuthMethod: AuthSecretPost, TokenFormat: "jwt"},
			check: func(t *testing.T, c Client) {
				if !slices.Equal(c.Scopes, []string{"a", "b", "c"}) || !slices.Equal(c.GrantTypes, cc) || !slices.Equal(c.APIs, []string{"orders"}) {
					t.Errorf("client = %+v", c)
				}
				if c.AuthMethod != AuthSecretPost || c.TokenFormat != "jwt" {
					t.Errorf("auth %q format %q", c.AuthMethod, c.TokenFormat)
				}
			}},
		{name: "ok/every-known-grant", spec: ClientSpec{Name: "all", AllowPasswordGrant: true,
			GrantTypes:   []string{GrantClientCredentials, GrantAuthorizationCode, GrantRefreshToken, GrantPassword, GrantTokenExchange, GrantJWTBearer, GrantDeviceCode},
			RedirectURIs: []string{"https://app.example/cb", "http://127.0.0.1:8080/cb", "http://[::1]/cb", "com.example.app:/oauth"}}},
		{name: "ok/unicode-name", spec: ClientSpec{Name: "Équipe paie", GrantTypes: cc}},
		{name: "fail/no-name", spec: ClientSpec{GrantTypes: cc}, wantField: "name"},
		{name: "fail/long-name", spec: ClientSpec{Name: strings.Repeat("é", 101), GrantTypes: cc}, wantField: "name"},
		{name: "fail/control-name", spec: ClientSpec{Name: "a\nb", GrantTypes: cc}, wantField: "name"},
		{name: "fail/localhost-redirect", spec: ClientSpec{Name: "lh", GrantTypes: []string{GrantAuthorizationCode}, RedirectURIs: []string{"http://localhost/cb"}}, wantField: "redirect-uri"},
		{name: "fail/wildcard-redirect", spec: ClientSpec{Name: "wc", GrantTypes: []string{GrantAuthorizationCode}, RedirectURIs: []string{"https://*.app.example/cb"}}, wantField: "redirect-uri"},
		{name: "fail/padded-name", spec: ClientSpec{Name: " svc", GrantTypes: cc}, wantField: "name"},
		{name: "fail/invalid-utf8-name", spec: ClientSpec{Name: "a\xffb", GrantTypes: cc}, wantField: "name"},
		{name: "fail/no-grant", spec: ClientSpec{Name: "svc"}, wantField: "grant"},
		{name: "fail/unknown-grant", spec: ClientSpec{Name: "svc", GrantTypes: []string{"magic"}}, wantField: "grant"},
		{name: "fail/implicit", spec: ClientSpec{Name: "svc", GrantTypes: []string{"implicit"}}, wantField: "grant"},
		{name: "fail/password-not-allowed", spec: ClientSpec{Name: "svc", GrantTypes: []string{GrantPassword}}, wantField: "grant"},
		{name: "fail/bad-scope", spec: ClientSpec{Name: "svc", GrantTypes: cc, Scopes: []string{`a"b`}}, wantField: "scope"},
		{name: "fail/empty-scope", spec: ClientSpec{Name: "svc", GrantTypes: cc, Scopes: []string{""}}, wantField: "scope"},
		{name: "fail/double-space-scope", spec: ClientSpec{Name: "svc", GrantTypes: cc, Scopes: []string{"a  b"}}, wantField: "scope"},
		{name: "fail/code-without-redirect", spec: ClientSpec{Name: "svc", GrantTypes: []string{GrantAuthorizationCode}}, wantField: "redirect-uri"},
		{name: "fail/relative-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"/cb"}}, wantField: "redirect-uri"},
		{name: "fail/fragment-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"https://app.example/cb#x"}}, wantField: "redirect-uri"},
		{name: "fail/empty-fragment-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"https://app.example/cb#"}}, wantField: "redirect-uri"},
		{name: "fail/http-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"http://app.example/cb"}}, wantField: "redirect-uri"},
		{name: "fail/javascript-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"javascript:alert(1)"}}, wantField: "redirect-uri"},
		{name: "fail/userinfo-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"https://u@app.example/cb"}}, wantField: "redirect-uri"},
		{name: "fail/hostless-https-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"https:/cb"}}, wantField: "redirect-uri"},
		{name: "fail/long-redirect", spec: ClientSpec{Name: "svc", GrantTypes: cc, RedirectURIs: []string{"https://a.example/" + strings.Repeat("a", 2000)}}, wantField: "redirect-uri"},
		{name: "fail/empty-api", spec: ClientSpec{Name: "svc", GrantTypes: cc, APIs: []string{""}}, wantField: "api"},
		{name: "fail/private-key-jwt-without-jwks", spec: ClientSpec{Name: "svc", GrantTypes: cc, AuthMethod: AuthPrivateKeyJWT}, wantField: "jwks-file"},
		{name: "fail/tls-client-auth", spec: ClientSpec{Name: "svc", GrantTypes: cc, AuthMethod: AuthTLSClient}, wantField: "auth-method"},
		{name: "fail/unknown-auth-method", spec: ClientSpec{Name: "svc", GrantTypes: cc, AuthMethod: "none"}, wantField: "auth-method"},
		{name: "ok/opaque", spec: ClientSpec{Name: "svc", GrantTypes: cc, TokenFormat: "opaque"},
			check: func(t *testing.T, c Client) {
				if c.TokenFormat != FormatOpaque {
					t.Errorf("format %q", c.TokenFormat)
				}
			}},
		{name: "fail/unknown-format", spec: ClientSpec{Name: "svc", GrantTypes: cc, TokenFormat: "paseto"}, wantField: "token-format"},
	}
	h := testHasher(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			c, secret, err := RegisterClient(t.Context(), st, h, tc.spec, t0)
			if tc.wantField != "" {
				var se *SpecError
				if !errors.As(err, &se) || se.Field != tc.wantField {
					t.Fatalf("error %v, want *SpecError on %q", err, tc.wantField)
				}
				if len(st.clients) != 0 {
					t.Error("a refused client was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			id, err := uuid.Parse(c.ID)
			if err != nil || id.Version() != 4 {
				t.Errorf("id %q is not a UUID v4", c.ID)
			}
			if len(secret) != 43 {
				t.Errorf("secret length %d, want 43", len(secret))
			}
			stored, err := st.GetClient(t.Context(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(stored.SecretHash, []byte(secret)) || bytes.Contains(stored.SecretHash, []byte(secret)) {
				t.Error("the secret is stored in clear")
			}
			if !bytes.Equal(stored.SecretHash, h.Hash(vault.PurposeClientSecret, secret)) {
				t.Error("stored hash is not the keyed hash of the secret")
			}
			if stored.PrevSecretHash != nil || !stored.CreatedAt.Equal(t0) || !stored.UpdatedAt.Equal(t0) || stored.Name != tc.spec.Name {
				t.Errorf("stored = %+v", stored)
			}
			if tc.check != nil {
				tc.check(t, stored)
			}
		})
	}

	t.Run("fail/name-taken", func(t *testing.T) {
		st := newMemStore()
		spec := ClientSpec{Name: "svc", GrantTypes: cc}
		if _, _, err := RegisterClient(t.Context(), st, h, spec, t0); err != nil {
			t.Fatal(err)
		}
		_, _, err := RegisterClient(t.Context(), st, h, spec, t0)
		var se *SpecError
		if !errors.As(err, &se) || se.Field != "name" || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("error %v, want name SpecError wrapping ErrConflict", err)
		}
	})
	t.Run("ok/secrets-differ", func(t *testing.T) {
		st := newMemStore()
		_, s1, err1 := RegisterClient(t.Context(), st, h, ClientSpec{Name: "a", GrantTypes: cc}, t0)
		_, s2, err2 := RegisterClient(t.Context(), st, h, ClientSpec{Name: "b", GrantTypes: cc}, t0)
		if err1 != nil || err2 != nil || s1 == s2 {
			t.Fatalf("secrets %q %q errors %v %v", s1, s2, err1, err2)
		}
	})
}

func TestRotateClientSecret(t *testing.T) {
	h := testHasher(t)
	tests := []struct {
		name      string
		grace     time.Duration
		wantField string
		// secret validity at t0+dt
		oldAt, newAt map[time.Duration]bool
	}{
		{name: "ok/no-grace", grace: 0,
			oldAt: map[time.Duration]bool{0: false}, newAt: map[time.Duration]bool{0: true, 24 * time.Hour: true}},
		{name: "ok/grace-1h", grace: time.Hour,
			oldAt: map[time.Duration]bool{0: true, 59 * time.Minute: true, time.Hour: false, 2 * time.Hour: false},
			newAt: map[time.Duration]bool{0: true, 2 * time.Hour: true}},
		{name: "ok/grace-7d", grace: 7 * 24 * time.Hour,
			oldAt: map[time.Duration]bool{6 * 24 * time.Hour: true, 7 * 24 * time.Hour: false}, newAt: map[time.Duration]bool{0: true}},
		{name: "fail/grace-over-7d", grace: 7*24*time.Hour + time.Second, wantField: "grace"},
		{name: "fail/negative-grace", grace: -time.Second, wantField: "grace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			c, oldSecret, err := RegisterClient(t.Context(), st, h, ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials}}, t0.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			newSecret, err := RotateClientSecret(t.Context(), st, h, c.ID, tc.grace, t0)
			if tc.wantField != "" {
				var se *SpecError
				if !errors.As(err, &se) || se.Field != tc.wantField {
					t.Fatalf("error %v, want SpecError on %q", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(newSecret) != 43 || newSecret == oldSecret {
				t.Fatalf("new secret %q", newSecret)
			}
			got, _ := st.GetClient(t.Context(), c.ID)
			if !got.UpdatedAt.Equal(t0) || bytes.Contains(got.SecretHash, []byte(newSecret)) {
				t.Errorf("stored = %+v", got)
			}
			for dt, want := range tc.oldAt {
				if ok := secretMatches(got, h.Hash(vault.PurposeClientSecret, oldSecret), t0.Add(dt)); ok != want {
					t.Errorf("old secret at +%v: %v, want %v", dt, ok, want)
				}
			}
			for dt, want := range tc.newAt {
				if ok := secretMatches(got, h.Hash(vault.PurposeClientSecret, newSecret), t0.Add(dt)); ok != want {
					t.Errorf("new secret at +%v: %v, want %v", dt, ok, want)
				}
			}
		})
	}
	t.Run("ok/second-rotation-drops-first-secret", func(t *testing.T) {
		st := newMemStore()
		c, s1, _ := RegisterClient(t.Context(), st, h, ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials}}, t0)
		s2, err := RotateClientSecret(t.Context(), st, h, c.ID, time.Hour, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := RotateClientSecret(t.Context(), st, h, c.ID, time.Hour, t0); err != nil {
			t.Fatal(err)
		}
		got, _ := st.GetClient(t.Context(), c.ID)
		if secretMatches(got, h.Hash(vault.PurposeClientSecret, s1), t0) {
			t.Error("first secret still valid after two rotations")
		}
		if !secretMatches(got, h.Hash(vault.PurposeClientSecret, s2), t0) {
			t.Error("second secret not in grace")
		}
	})
	t.Run("fail/unknown-client", func(t *testing.T) {
		_, err := RotateClientSecret(t.Context(), newMemStore(), h, uuid.NewString(), 0, t0)
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("error %v, want ErrNotFound", err)
		}
	})
	t.Run("fail/key-based-client", func(t *testing.T) {
		st := newMemStore()
		id := uuid.NewString()
		_ = st.CreateClient(t.Context(), Client{ID: id, Name: "jwt", AuthMethod: AuthPrivateKeyJWT})
		_, err := RotateClientSecret(t.Context(), st, h, id, 0, t0)
		var se *SpecError
		if !errors.As(err, &se) {
			t.Fatalf("error %v, want SpecError", err)
		}
	})
}
