package token

import (
	"context"
	"crypto"
	"errors"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// idClaims returns valid ID-token claims at testNow for client "app".
func idClaims() *IDClaims {
	verified := true
	return &IDClaims{
		Claims: jwt.Claims{
			Issuer:   testIssuer,
			Subject:  "user-1",
			Audience: jwt.Audience{"app"},
			Expiry:   jwt.NewNumericDate(testNow.Add(5 * time.Minute)),
			IssuedAt: jwt.NewNumericDate(testNow),
			ID:       "8a6f0b7e-3c1d-4e52-9a8b-6f7d5e4c3b2a",
		},
		Nonce:             "n-0S6_WzA2Mj",
		AuthTime:          jwt.NewNumericDate(testNow.Add(-time.Minute)),
		AMR:               []string{"pwd", "otp"},
		ACR:               "urn:rempart:acr:mfa",
		AZP:               "app",
		AtHash:            AtHash("rpo_access"),
		Email:             "ada@example.test",
		EmailVerified:     &verified,
		PreferredUsername: "ada",
	}
}

func TestSignIDRoundTripGoJose(t *testing.T) {
	f := newFixture(t)
	want := idClaims()
	raw, err := SignID(f.key, want)
	if err != nil {
		t.Fatal(err)
	}
	h := decodeHeader(t, raw)
	if len(h) != 3 || h["alg"] != "ES256" || h["kid"] != f.key.ID || h["typ"] != "JWT" {
		t.Errorf("header = %v, want exactly alg ES256, kid %q, typ JWT", h, f.key.ID)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var got IDClaims
	if err := tok.Claims(&f.priv.PublicKey, &got); err != nil {
		t.Fatalf("go-jose refused the signature: %v", err)
	}
	if err := got.ValidateWithLeeway(jwt.Expected{Issuer: testIssuer, AnyAudience: jwt.Audience{"app"}, Time: testNow}, 0); err != nil {
		t.Errorf("go-jose claim validation: %v", err)
	}
	if got.Subject != want.Subject || got.Nonce != want.Nonce || got.ACR != want.ACR || got.AZP != want.AZP ||
		got.AtHash != want.AtHash || got.Email != want.Email || got.PreferredUsername != want.PreferredUsername ||
		got.EmailVerified == nil || !*got.EmailVerified || len(got.AMR) != 2 || got.AMR[1] != "otp" ||
		got.AuthTime == nil || !got.AuthTime.Time().Equal(want.AuthTime.Time()) || got.ID != want.ID {
		t.Errorf("claims: got %+v, want %+v", got, want)
	}
	other := newP256(t)
	if err := tok.Claims(&other.PublicKey, &got); err == nil {
		t.Error("go-jose accepted the ID token with another key")
	}
}

// TestSignIDGoOIDC: an unmodified coreos/go-oidc verifier accepts our ID
// tokens (issue 3 item 3) and agrees on at_hash.
func TestSignIDGoOIDC(t *testing.T) {
	f := newFixture(t)
	raw, err := SignID(f.key, idClaims())
	if err != nil {
		t.Fatal(err)
	}
	verifier := func(pub crypto.PublicKey, clientID string) *oidc.IDTokenVerifier {
		return oidc.NewVerifier(testIssuer, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{pub}}, &oidc.Config{
			ClientID:             clientID,
			SupportedSigningAlgs: []string{"ES256"},
			Now:                  func() time.Time { return testNow },
		})
	}
	ctx := context.Background()
	idt, err := verifier(&f.priv.PublicKey, "app").Verify(ctx, raw)
	if err != nil {
		t.Fatalf("go-oidc refused our ID token: %v", err)
	}
	if idt.Subject != "user-1" || idt.Nonce != "n-0S6_WzA2Mj" || idt.Issuer != testIssuer {
		t.Errorf("go-oidc read sub %q nonce %q iss %q", idt.Subject, idt.Nonce, idt.Issuer)
	}
	if err := idt.VerifyAccessToken("rpo_access"); err != nil {
		t.Errorf("go-oidc at_hash check: %v", err)
	}
	if err := idt.VerifyAccessToken("rpo_other"); err == nil {
		t.Error("go-oidc at_hash check accepted another access token")
	}
	var extra struct {
		Email    string   `json:"email"`
		Verified bool     `json:"email_verified"`
		AMR      []string `json:"amr"`
		AuthTime int64    `json:"auth_time"`
	}
	if err := idt.Claims(&extra); err != nil {
		t.Fatal(err)
	}
	if extra.Email != "ada@example.test" || !extra.Verified || len(extra.AMR) != 2 || extra.AuthTime != testNow.Add(-time.Minute).Unix() {
		t.Errorf("go-oidc claims = %+v", extra)
	}

	t.Run("fail/other-client", func(t *testing.T) {
		if _, err := verifier(&f.priv.PublicKey, "other").Verify(ctx, raw); err == nil {
			t.Error("go-oidc accepted the token for another client")
		}
	})
	t.Run("fail/other-key", func(t *testing.T) {
		if _, err := verifier(&newP256(t).PublicKey, "app").Verify(ctx, raw); err == nil {
			t.Error("go-oidc accepted the token with another key")
		}
	})
	t.Run("fail/expired", func(t *testing.T) {
		v := oidc.NewVerifier(testIssuer, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&f.priv.PublicKey}}, &oidc.Config{
			ClientID: "app", SupportedSigningAlgs: []string{"ES256"},
			Now: func() time.Time { return testNow.Add(time.Hour) },
		})
		if _, err := v.Verify(ctx, raw); err == nil {
			t.Error("go-oidc accepted an expired token")
		}
	})
}

// TestVerifyAccessRefusesIDToken: an ID token is never accepted as an
// access token at the gateway (issue 3 item 3), even when it carries every
// access-token claim, because its typ is "JWT", not "at+jwt".
func TestVerifyAccessRefusesIDToken(t *testing.T) {
	f := newFixture(t)
	c := idClaims()
	raw, err := SignID(f.key, c)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.verifier.VerifyAccess(raw); !errors.Is(err, ErrHeader) || got != nil {
		t.Fatalf("VerifyAccess(ID token) = %v, %v; want ErrHeader", got, err)
	}
	// Control: the same claims plus client_id, signed as an access token,
	// are accepted, so the refusal above is the typ and nothing else.
	ac := &AccessClaims{Claims: c.Claims, ClientID: "app"}
	ac.NotBefore = nil
	access, err := SignAccess(f.key, ac)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.VerifyAccess(access); err != nil {
		t.Fatalf("control access token refused: %v", err)
	}
	if _, err := f.verifier.VerifyIdentity(raw, "app"); !errors.Is(err, ErrHeader) {
		t.Errorf("VerifyIdentity(ID token) = %v, want ErrHeader", err)
	}
}

func TestSignIDRequiredClaims(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		mutate func(*IDClaims)
	}{
		{"fail/no-iss", func(c *IDClaims) { c.Issuer = "" }},
		{"fail/no-sub", func(c *IDClaims) { c.Subject = "" }},
		{"fail/no-aud", func(c *IDClaims) { c.Audience = nil }},
		{"fail/no-exp", func(c *IDClaims) { c.Expiry = nil }},
		{"fail/no-iat", func(c *IDClaims) { c.IssuedAt = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := idClaims()
			tc.mutate(c)
			if raw, err := SignID(f.key, c); !errors.Is(err, ErrClaims) || raw != "" {
				t.Errorf("SignID = %q, %v; want ErrClaims", raw, err)
			}
		})
	}
	t.Run("fail/nil", func(t *testing.T) {
		if _, err := SignID(f.key, nil); err == nil {
			t.Error("SignID(nil) succeeded")
		}
	})
	t.Run("fail/no-kid", func(t *testing.T) {
		if _, err := SignID(SigningKey{Key: f.priv}, idClaims()); err == nil {
			t.Error("SignID without key id succeeded")
		}
	})
	t.Run("ok/minimal", func(t *testing.T) {
		c := &IDClaims{Claims: jwt.Claims{Issuer: testIssuer, Subject: "s", Audience: jwt.Audience{"app"},
			Expiry: jwt.NewNumericDate(testNow.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(testNow)}}
		raw, err := SignID(f.key, c)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := tok.Claims(&f.priv.PublicKey, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"nonce", "auth_time", "amr", "acr", "azp", "at_hash", "email", "email_verified", "preferred_username", "jti", "nbf"} {
			if _, ok := m[k]; ok {
				t.Errorf("empty claim %q serialised", k)
			}
		}
	})
}

// TestAtHash checks OIDC Core §3.1.3.6 against vectors computed
// independently with
// printf %s TOKEN | openssl dgst -sha256 -binary | head -c16 | base64 | tr '+/' '-_' | tr -d =
func TestAtHash(t *testing.T) {
	for _, tc := range []struct{ token, want string }{
		{"jHkWEdUXMU1BwAsC4vtUsZwnNUzAXk6f", "ytOe_gXzbLMEn8n59n2n7Q"},
		{"", "47DEQpj8HBSa-_TImW-5JA"},
	} {
		if got := AtHash(tc.token); got != tc.want {
			t.Errorf("AtHash(%q) = %q, want %q", tc.token, got, tc.want)
		}
	}
}
