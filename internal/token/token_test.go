package token

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

func TestSignVerifyAccess(t *testing.T) {
	f := newFixture(t)
	want := accessClaims()
	raw, err := SignAccess(f.key, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.verifier.VerifyAccess(raw)
	if err != nil {
		t.Fatalf("VerifyAccess: %v", err)
	}
	if got.Subject != want.Subject || got.ClientID != want.ClientID || got.Scope != want.Scope ||
		got.ID != want.ID || got.Issuer != want.Issuer || !got.Audience.Contains("orders") ||
		!got.Expiry.Time().Equal(want.Expiry.Time()) || !got.IssuedAt.Time().Equal(want.IssuedAt.Time()) {
		t.Errorf("claims: got %+v, want %+v", got, want)
	}
}

func TestSignAccessHeader(t *testing.T) {
	f := newFixture(t)
	raw, err := SignAccess(f.key, accessClaims())
	if err != nil {
		t.Fatal(err)
	}
	h := decodeHeader(t, raw)
	if len(h) != 3 || h["alg"] != "ES256" || h["kid"] != f.key.ID || h["typ"] != TypeAccess {
		t.Errorf("header = %v, want exactly alg ES256, kid %q, typ %q", h, f.key.ID, TypeAccess)
	}
}

func TestVerifyAccessClaims(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		mutate func(c *AccessClaims)
		want   error
	}{
		{"ok/basic", func(*AccessClaims) {}, nil},
		{"ok/expiry-within-leeway", func(c *AccessClaims) { c.Expiry = jwt.NewNumericDate(testNow.Add(-2 * time.Second)) }, nil},
		{"ok/nbf-within-leeway", func(c *AccessClaims) { c.NotBefore = jwt.NewNumericDate(testNow.Add(2 * time.Second)) }, nil},
		{"ok/no-nbf", func(c *AccessClaims) { c.NotBefore = nil }, nil},
		{"ok/no-scope", func(c *AccessClaims) { c.Scope = "" }, nil},
		{"fail/expired", func(c *AccessClaims) { c.Expiry = jwt.NewNumericDate(testNow.Add(-time.Minute)) }, ErrExpired},
		{"fail/expired-exactly-at-leeway", func(c *AccessClaims) { c.Expiry = jwt.NewNumericDate(testNow.Add(-5 * time.Second)) }, ErrExpired},
		{"fail/nbf-future", func(c *AccessClaims) { c.NotBefore = jwt.NewNumericDate(testNow.Add(time.Minute)) }, ErrNotYetValid},
		{"fail/iat-future", func(c *AccessClaims) { c.IssuedAt = jwt.NewNumericDate(testNow.Add(time.Minute)) }, ErrNotYetValid},
		{"fail/wrong-iss", func(c *AccessClaims) { c.Issuer = "https://evil.example" }, ErrIssuer},
		{"fail/no-iss", func(c *AccessClaims) { c.Issuer = "" }, ErrIssuer},
		{"fail/no-exp", func(c *AccessClaims) { c.Expiry = nil }, ErrClaims},
		{"fail/no-iat", func(c *AccessClaims) { c.IssuedAt = nil }, ErrClaims},
		{"fail/no-sub", func(c *AccessClaims) { c.Subject = "" }, ErrClaims},
		{"fail/no-jti", func(c *AccessClaims) { c.ID = "" }, ErrClaims},
		{"fail/no-client-id", func(c *AccessClaims) { c.ClientID = "" }, ErrClaims},
		{"fail/no-aud", func(c *AccessClaims) { c.Audience = nil }, ErrClaims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := accessClaims()
			tc.mutate(c)
			raw, err := SignAccess(f.key, c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.verifier.VerifyAccess(raw)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if (got == nil) == (tc.want == nil) {
				t.Errorf("claims = %v with err %v", got, err)
			}
		})
	}
}

func TestVerifierEmptyIssuerFailsClosed(t *testing.T) {
	f := newFixture(t)
	c := accessClaims()
	c.Issuer = ""
	raw, err := SignAccess(f.key, c)
	if err != nil {
		t.Fatal(err)
	}
	v := *f.verifier
	v.Issuer = ""
	if _, err := v.VerifyAccess(raw); !errors.Is(err, ErrIssuer) {
		t.Errorf("err = %v, want ErrIssuer", err)
	}
}

func TestVerifierNilKeysFailsClosed(t *testing.T) {
	f := newFixture(t)
	raw, err := SignAccess(f.key, accessClaims())
	if err != nil {
		t.Fatal(err)
	}
	v := *f.verifier
	v.Keys = nil
	if _, err := v.VerifyAccess(raw); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("err = %v, want ErrUnknownKey", err)
	}
}

func TestVerifyAccessAcceptsApplicationType(t *testing.T) {
	f := newFixture(t)
	for _, typ := range []string{"at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT"} {
		t.Run("ok/"+typ, func(t *testing.T) {
			raw := signRaw(t, "ES256", f.priv, f.key.ID, typ, nil, accessClaims())
			if _, err := f.verifier.VerifyAccess(raw); err != nil {
				t.Errorf("typ %q: %v", typ, err)
			}
		})
	}
}

func TestSignIdentityVerify(t *testing.T) {
	f := newFixture(t)
	c := &IdentityClaims{
		Claims: jwt.Claims{
			Issuer:   testIssuer,
			Subject:  "user-1",
			Audience: jwt.Audience{"orders-api"},
			Expiry:   jwt.NewNumericDate(testNow.Add(60 * time.Second)),
			IssuedAt: jwt.NewNumericDate(testNow),
			ID:       "id-1",
		},
		ClientID: "client-1",
		Act:      map[string]any{"sub": "gateway"},
	}
	raw, err := SignIdentity(f.key, c)
	if err != nil {
		t.Fatal(err)
	}
	if h := decodeHeader(t, raw); h["typ"] != TypeIdentity {
		t.Errorf("typ = %v, want %s", h["typ"], TypeIdentity)
	}
	got, err := f.verifier.VerifyIdentity(raw, "orders-api")
	if err != nil {
		t.Fatalf("VerifyIdentity: %v", err)
	}
	if got.Subject != "user-1" || got.ClientID != "client-1" || got.Act["sub"] != "gateway" {
		t.Errorf("claims = %+v", got)
	}
	t.Run("fail/wrong-audience", func(t *testing.T) {
		if _, err := f.verifier.VerifyIdentity(raw, "billing-api"); !errors.Is(err, ErrAudience) {
			t.Errorf("err = %v, want ErrAudience", err)
		}
	})
	t.Run("fail/empty-audience", func(t *testing.T) {
		if _, err := f.verifier.VerifyIdentity(raw, ""); !errors.Is(err, ErrAudience) {
			t.Errorf("err = %v, want ErrAudience", err)
		}
	})
	t.Run("fail/identity-as-access", func(t *testing.T) {
		if _, err := f.verifier.VerifyAccess(raw); !errors.Is(err, ErrHeader) {
			t.Errorf("err = %v, want ErrHeader", err)
		}
	})
	t.Run("fail/access-as-identity", func(t *testing.T) {
		ac := accessClaims()
		ac.Audience = jwt.Audience{"orders-api"}
		at, err := SignAccess(f.key, ac)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.verifier.VerifyIdentity(at, "orders-api"); !errors.Is(err, ErrHeader) {
			t.Errorf("err = %v, want ErrHeader", err)
		}
	})
}

func TestNewSignerRejectsBadKeys(t *testing.T) {
	priv := newP256(t)
	for _, tc := range []struct {
		name string
		key  SigningKey
		typ  string
	}{
		{"fail/no-kid", SigningKey{Key: priv}, TypeAccess},
		{"fail/nil-key", SigningKey{ID: "k"}, TypeAccess},
		{"fail/no-typ", SigningKey{ID: "k", Key: priv}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewSigner(tc.key, tc.typ); err == nil {
				t.Error("NewSigner succeeded")
			}
		})
	}
	if _, err := SignAccess(SigningKey{ID: "k", Key: priv}, nil); err == nil {
		t.Error("SignAccess(nil claims) succeeded")
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ErrMalformed, "malformed"},
		{ErrAlgorithm, "algorithm"},
		{ErrHeader, "header"},
		{ErrUnknownKey, "unknown_key"},
		{ErrSignature, "signature"},
		{ErrExpired, "expired"},
		{ErrNotYetValid, "not_yet_valid"},
		{ErrIssuer, "issuer"},
		{ErrAudience, "audience"},
		{ErrClaims, "claims"},
		{errors.New("boom"), "other"},
		{nil, "other"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	wrapped := errors.Join(errors.New("ctx"), ErrExpired)
	if got := Reason(wrapped); got != "expired" {
		t.Errorf("Reason(wrapped) = %q", got)
	}
}

func TestErrorsNeverContainToken(t *testing.T) {
	f := newFixture(t)
	c := accessClaims()
	c.Expiry = jwt.NewNumericDate(testNow.Add(-time.Hour))
	raw, err := SignAccess(f.key, c)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	for _, in := range []string{raw, raw + "x", parts[0] + ".@@@." + parts[2], "{" + raw + "}"} {
		_, err := f.verifier.VerifyAccess(in)
		if err == nil {
			t.Fatalf("accepted %q", in)
		}
		for _, p := range parts {
			if strings.Contains(err.Error(), p) {
				t.Errorf("error %q contains a token segment", err)
			}
		}
	}
}
