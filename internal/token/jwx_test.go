package token

import (
	"errors"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	ljwt "github.com/lestrrat-go/jwx/v3/jwt"
)

// TestCrossCheckJWX verifies tokens from SignAccess with an independent
// implementation (lestrrat-go/jwx), so a bug shared by signer and verifier
// cannot hide.
func TestCrossCheckJWX(t *testing.T) {
	f := newFixture(t)
	raw, err := SignAccess(f.key, accessClaims())
	if err != nil {
		t.Fatal(err)
	}
	clock := ljwt.WithClock(ljwt.ClockFunc(func() time.Time { return testNow }))
	tok, err := ljwt.Parse([]byte(raw), ljwt.WithKey(jwa.ES256(), &f.priv.PublicKey), ljwt.WithIssuer(testIssuer), clock)
	if err != nil {
		t.Fatalf("jwx refused our token: %v", err)
	}
	if sub, _ := tok.Subject(); sub != "user-1" {
		t.Errorf("sub = %q", sub)
	}
	var clientID string
	if err := tok.Get("client_id", &clientID); err != nil || clientID != "client-1" {
		t.Errorf("client_id = %q, %v", clientID, err)
	}
	msg, err := jws.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	if typ, _ := h.Type(); typ != TypeAccess {
		t.Errorf("typ = %q", typ)
	}
	if kid, _ := h.KeyID(); kid != f.key.ID {
		t.Errorf("kid = %q", kid)
	}

	t.Run("fail/jwx-other-key", func(t *testing.T) {
		other := newP256(t)
		if _, err := ljwt.Parse([]byte(raw), ljwt.WithKey(jwa.ES256(), &other.PublicKey), clock); err == nil {
			t.Error("jwx accepted our token with another key")
		}
	})

	t.Run("ok/jwx-signed-verifies", func(t *testing.T) {
		b := ljwt.NewBuilder().Issuer(testIssuer).Subject("user-2").Audience([]string{"orders"}).
			Expiration(testNow.Add(time.Minute)).IssuedAt(testNow).JwtID("j-2").Claim("client_id", "client-2")
		tok, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		hdr := jws.NewHeaders()
		if err := hdr.Set(jws.KeyIDKey, f.key.ID); err != nil {
			t.Fatal(err)
		}
		if err := hdr.Set(jws.TypeKey, TypeAccess); err != nil {
			t.Fatal(err)
		}
		signed, err := ljwt.Sign(tok, ljwt.WithKey(jwa.ES256(), f.priv, jws.WithProtectedHeaders(hdr)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.verifier.VerifyAccess(string(signed))
		if err != nil {
			t.Fatalf("jwx-signed token refused: %v", err)
		}
		if got.Subject != "user-2" || got.ClientID != "client-2" {
			t.Errorf("claims = %+v", got)
		}

		hs, err := ljwt.Sign(tok, ljwt.WithKey(jwa.HS256(), []byte("0123456789abcdef0123456789abcdef"), jws.WithProtectedHeaders(hdr)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.verifier.VerifyAccess(string(hs)); !errors.Is(err, ErrAlgorithm) {
			t.Errorf("jwx HS256 token: err = %v, want ErrAlgorithm", err)
		}
	})
}
