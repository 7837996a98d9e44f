package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

var b64 = base64.RawURLEncoding

func decodeHeader(t testing.TB, raw string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(raw, ".")
	b, err := b64.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handToken assembles header.payload.signature by hand, with sig computing
// the signature over the signing input (nil: empty signature).
func handToken(t testing.TB, header map[string]any, payload any, sig func(input []byte) []byte) string {
	t.Helper()
	input := b64.EncodeToString(mustJSON(t, header)) + "." + b64.EncodeToString(mustJSON(t, payload))
	var s []byte
	if sig != nil {
		s = sig([]byte(input))
	}
	return input + "." + b64.EncodeToString(s)
}

func hs256(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}

// attackTokens returns the JWT attack table (R6, D7): every token must be
// refused by f.verifier with the given sentinel.
func attackTokens(t testing.TB, f fixture) []struct {
	name string
	raw  string
	want error
} {
	t.Helper()
	kid := f.key.ID
	claims := accessClaims()
	valid, err := SignAccess(f.key, claims)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(valid, ".")

	attacker := newP256(t)
	attackerJWK := jose.JSONWebKey{Key: &attacker.PublicKey, KeyID: kid}
	pubDER, err := x509.MarshalPKIXPublicKey(&f.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK, err := json.Marshal(jose.JSONWebKey{Key: &f.priv.PublicKey, KeyID: kid})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"}}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &attacker.PublicKey, attacker)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	tampered := *claims
	tampered.Subject = "admin"
	tamperedPayload := b64.EncodeToString(mustJSON(t, &tampered))

	multi, err := jose.NewMultiSigner([]jose.SigningKey{
		{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: f.priv, KeyID: kid}},
		{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: attacker, KeyID: "attacker"}},
	}, (&jose.SignerOptions{}).WithType(TypeAccess))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := multi.Sign(mustJSON(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	twoSigs := jws.FullSerialize()

	single, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: f.priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(TypeAccess))
	if err != nil {
		t.Fatal(err)
	}
	jws, err = single.Sign(mustJSON(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	flattened := jws.FullSerialize()

	// Same signature bytes, non-canonical base64url (spare low bits set).
	sig := []byte(parts[2])
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	sig[len(sig)-1] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last^1]
	nonCanonical := parts[0] + "." + parts[1] + "." + string(sig)

	hdr := func(alg string) map[string]any { return map[string]any{"alg": alg, "kid": kid, "typ": TypeAccess} }

	return []struct {
		name string
		raw  string
		want error
	}{
		{"fail/alg-none", handToken(t, hdr("none"), claims, nil), ErrAlgorithm},
		{"fail/alg-none-with-valid-sig", b64.EncodeToString(mustJSON(t, hdr("none"))) + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"fail/alg-missing", handToken(t, map[string]any{"kid": kid, "typ": TypeAccess}, claims, nil), ErrAlgorithm},
		{"fail/hs256-public-key-der", handToken(t, hdr("HS256"), claims, hs256(pubDER)), ErrAlgorithm},
		{"fail/hs256-public-key-pem", handToken(t, hdr("HS256"), claims, hs256(pubPEM)), ErrAlgorithm},
		{"fail/hs256-public-jwk", handToken(t, hdr("HS256"), claims, hs256(pubJWK)), ErrAlgorithm},
		{"fail/rs256", signRaw(t, jose.RS256, rsaKey, kid, TypeAccess, nil, claims), ErrAlgorithm},
		{"fail/es384-name", handToken(t, hdr("ES384"), claims, nil), ErrAlgorithm},
		{"fail/unknown-kid", signRaw(t, jose.ES256, f.priv, "other-kid", TypeAccess, nil, claims), ErrUnknownKey},
		{"fail/missing-kid", signRaw(t, jose.ES256, f.priv, "", TypeAccess, nil, claims), ErrUnknownKey},
		{"fail/embedded-jwk", signRaw(t, jose.ES256, attacker, kid, TypeAccess, map[string]any{"jwk": attackerJWK}, claims), ErrHeader},
		{"fail/embedded-jwk-no-kid", signRaw(t, jose.ES256, attacker, "", TypeAccess, map[string]any{"jwk": attackerJWK}, claims), ErrHeader},
		{"fail/jku", signRaw(t, jose.ES256, attacker, kid, TypeAccess, map[string]any{"jku": "https://evil.example/jwks.json"}, claims), ErrHeader},
		{"fail/x5u", signRaw(t, jose.ES256, attacker, kid, TypeAccess, map[string]any{"x5u": "https://evil.example/cert.pem"}, claims), ErrHeader},
		{"fail/x5c", signRaw(t, jose.ES256, attacker, kid, TypeAccess, map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(certDER)}}, claims), ErrHeader},
		{"fail/crit", signRaw(t, jose.ES256, f.priv, kid, TypeAccess, map[string]any{"crit": []string{"exp"}, "exp": 1}, claims), ErrHeader},
		{"fail/b64-false", signRaw(t, jose.ES256, f.priv, kid, TypeAccess, map[string]any{"b64": false, "crit": []string{"b64"}}, claims), ErrHeader},
		{"fail/typ-jwt", signRaw(t, jose.ES256, f.priv, kid, "JWT", nil, claims), ErrHeader},
		{"fail/typ-missing", signRaw(t, jose.ES256, f.priv, kid, "", nil, claims), ErrHeader},
		{"fail/typ-identity", signRaw(t, jose.ES256, f.priv, kid, TypeIdentity, nil, claims), ErrHeader},
		{"fail/tampered-payload", parts[0] + "." + tamperedPayload + "." + parts[2], ErrSignature},
		{"fail/other-es256-key-right-kid", signRaw(t, jose.ES256, attacker, kid, TypeAccess, nil, claims), ErrSignature},
		{"fail/signature-stripped", parts[0] + "." + parts[1] + ".", ErrSignature},
		{"fail/signature-truncated", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4], ErrSignature},
		{"fail/signature-non-canonical-base64", nonCanonical, ErrMalformed},
		{"fail/two-signatures-json", twoSigs, ErrMalformed},
		{"fail/flattened-json", flattened, ErrMalformed},
		{"fail/oversized", handToken(t, hdr("ES256"), map[string]any{"pad": strings.Repeat("a", MaxTokenSize)}, nil), ErrMalformed},
		{"fail/empty", "", ErrMalformed},
		{"fail/two-segments", parts[0] + "." + parts[1], ErrMalformed},
		{"fail/four-segments", valid + ".x", ErrMalformed},
		{"fail/header-not-json", b64.EncodeToString([]byte("nope")) + "." + parts[1] + "." + parts[2], ErrMalformed},
		{"fail/header-not-base64", "@@." + parts[1] + "." + parts[2], ErrMalformed},
		{"fail/payload-not-base64", parts[0] + ".@@." + parts[2], ErrMalformed},
		{"fail/whitespace", " " + valid, ErrMalformed},
	}
}

func TestVerifyAccessAttacks(t *testing.T) {
	f := newFixture(t)
	for _, tc := range attackTokens(t, f) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.verifier.VerifyAccess(tc.raw)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v (reason %s), want %v", err, Reason(err), tc.want)
			}
			if got != nil {
				t.Errorf("claims returned with error: %+v", got)
			}
			if Reason(err) == "other" {
				t.Errorf("error %v has no reason", err)
			}
		})
	}
}

// TestAttackControl proves the table's key and claims are otherwise valid,
// so each row fails for the reason it names.
func TestAttackControl(t *testing.T) {
	f := newFixture(t)
	raw := signRaw(t, jose.ES256, f.priv, f.key.ID, TypeAccess, nil, accessClaims())
	if _, err := f.verifier.VerifyAccess(raw); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	// The attacker's jwk token does verify with the attacker's own key:
	// only the header rule stops it.
	attacker := newP256(t)
	raw = signRaw(t, jose.ES256, attacker, f.key.ID, TypeAccess, nil, accessClaims())
	v := *f.verifier
	v.Keys = keySet{f.key.ID: &attacker.PublicKey}
	if _, err := v.VerifyAccess(raw); err != nil {
		t.Fatalf("control token with attacker key in key set refused: %v", err)
	}
}
