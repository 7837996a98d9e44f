package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const testIssuer = "https://as.example.test"

// testNow is the fixed clock of every test.
var testNow = time.Unix(1_800_000_000, 0)

// keySet is a hand-written KeyLookup.
type keySet map[string]crypto.PublicKey

func (ks keySet) VerificationKey(kid string) (crypto.PublicKey, error) {
	k, ok := ks[kid]
	if !ok {
		return nil, errors.New("no such key")
	}
	return k, nil
}

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is a signing key plus a Verifier that knows it.
type fixture struct {
	key      SigningKey
	priv     *ecdsa.PrivateKey
	verifier *Verifier
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	priv := newP256(t)
	key := SigningKey{ID: "kid-1", Key: priv}
	return fixture{
		key:  key,
		priv: priv,
		verifier: &Verifier{
			Issuer: testIssuer,
			Keys:   keySet{key.ID: &priv.PublicKey},
			Leeway: 5 * time.Second,
			Now:    func() time.Time { return testNow },
		},
	}
}

// accessClaims returns valid access-token claims at testNow.
func accessClaims() *AccessClaims {
	return &AccessClaims{
		Claims: jwt.Claims{
			Issuer:    testIssuer,
			Subject:   "user-1",
			Audience:  jwt.Audience{"orders"},
			Expiry:    jwt.NewNumericDate(testNow.Add(30 * time.Minute)),
			IssuedAt:  jwt.NewNumericDate(testNow),
			NotBefore: jwt.NewNumericDate(testNow),
			ID:        "3f1c2f3e-6d0b-4b8e-9a57-1d1f0e0c9a11",
		},
		ClientID: "client-1",
		Scope:    "orders:read",
	}
}

// signRaw signs payload (any JSON value) with go-jose and the given key,
// algorithm and extra protected headers; kid "" omits the kid header and
// typ "" omits typ. It builds tokens go-jose accepts to produce but the
// Verifier must refuse.
func signRaw(t testing.TB, alg jose.SignatureAlgorithm, key any, kid, typ string, extra map[string]any, payload any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	for k, v := range extra {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(payload).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
