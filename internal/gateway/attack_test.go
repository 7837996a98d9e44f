package gateway

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/token"
)

var b64 = base64.RawURLEncoding

// joseToken signs claims with go-jose directly, with any header.
func joseToken(t testing.TB, key *ecdsa.PrivateKey, kid, typ string, embedJWK bool, extra map[jose.HeaderKey]any, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{EmbedJWK: embedJWK}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	for k, v := range extra {
		opts = opts.WithHeader(k, v)
	}
	var sk jose.SigningKey
	if embedJWK {
		sk = jose.SigningKey{Algorithm: jose.ES256, Key: key}
	} else {
		sk = jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}
	}
	s, err := jose.NewSigner(sk, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// handToken builds a compact JWS by hand (for "none" and HS256).
func handToken(t testing.TB, header map[string]any, claims any, sign func([]byte) []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	var sig []byte
	if sign != nil {
		sig = sign([]byte(input))
	}
	return input + "." + b64.EncodeToString(sig)
}

func hs256(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}

// TestJWTAttacks is the JWT ATTACK TABLE, end to end at the gateway: every
// forged, foreign or stale token is 401 invalid_token and never reaches the
// upstream (R6, D7).
func TestJWTAttacks(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, authConfig(t, f), f.deps(), false)

	good := f.claims("orders:read", "orders")
	valid := f.token(t, good)
	attacker := newKey(t)

	pubDER, err := x509.MarshalPKIXPublicKey(&f.accessKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK, err := json.Marshal(jose.JSONWebKey{Key: &f.accessKey.PublicKey, KeyID: "at-1"})
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(alg string) map[string]any {
		return map[string]any{"alg": alg, "kid": "at-1", "typ": token.TypeAccess}
	}

	mod := func(m func(c *token.AccessClaims)) *token.AccessClaims {
		c := f.claims("orders:read", "orders")
		m(c)
		return c
	}
	expired := mod(func(c *token.AccessClaims) {
		c.IssuedAt = jwt.NewNumericDate(t0.Add(-2 * time.Hour))
		c.Expiry = jwt.NewNumericDate(t0.Add(-time.Hour))
	})
	notYet := mod(func(c *token.AccessClaims) { c.NotBefore = jwt.NewNumericDate(t0.Add(time.Hour)) })
	wrongAud := mod(func(c *token.AccessClaims) { c.Audience = jwt.Audience{"billing"} })
	wrongIss := mod(func(c *token.AccessClaims) { c.Issuer = "https://evil.example" })

	parts := strings.Split(valid, ".")
	var payload map[string]any
	raw, _ := b64.DecodeString(parts[1])
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	payload["scope"] = "orders:read orders:admin"
	tampered := parts[0] + "." + b64.EncodeToString(mustJSON(t, payload)) + "." + parts[2]

	cases := []struct {
		name, tok string
	}{
		{"fail/alg-none", handToken(t, hdr("none"), good, nil)},
		{"fail/alg-none-lowercase-kid-only", handToken(t, map[string]any{"alg": "none"}, good, nil)},
		{"fail/hs256-public-key-der", handToken(t, hdr("HS256"), good, hs256(pubDER))},
		{"fail/hs256-public-key-pem", handToken(t, hdr("HS256"), good, hs256(pubPEM))},
		{"fail/hs256-public-key-jwk", handToken(t, hdr("HS256"), good, hs256(pubJWK))},
		{"fail/unknown-kid", joseToken(t, f.accessKey, "at-2", token.TypeAccess, false, nil, good)},
		{"fail/attacker-key-known-kid", joseToken(t, attacker, "at-1", token.TypeAccess, false, nil, good)},
		{"fail/embedded-jwk", joseToken(t, attacker, "", token.TypeAccess, true, nil, good)},
		{"fail/jku", joseToken(t, attacker, "at-1", token.TypeAccess, false, map[jose.HeaderKey]any{"jku": "https://evil.example/jwks"}, good)},
		{"fail/x5u", joseToken(t, attacker, "at-1", token.TypeAccess, false, map[jose.HeaderKey]any{"x5u": "https://evil.example/cert"}, good)},
		{"fail/jku-with-real-key", joseToken(t, f.accessKey, "at-1", token.TypeAccess, false, map[jose.HeaderKey]any{"jku": "https://evil.example/jwks"}, good)},
		{"fail/expired", f.token(t, expired)},
		{"fail/not-yet-valid", f.token(t, notYet)},
		{"fail/wrong-aud", f.token(t, wrongAud)},
		{"fail/wrong-iss", f.token(t, wrongIss)},
		{"fail/tampered-payload", tampered},
		{"fail/signature-stripped", parts[0] + "." + parts[1] + "."},
		{"fail/typ-jwt", joseToken(t, f.accessKey, "at-1", "JWT", false, nil, good)},
		{"fail/typ-missing", joseToken(t, f.accessKey, "at-1", "", false, nil, good)},
		{"fail/typ-identity", joseToken(t, f.accessKey, "at-1", token.TypeIdentity, false, nil, good)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := newReq(t, srv, "GET", "/orders/1", nil)
			req.Header.Set("Authorization", "Bearer "+tc.tok)
			res, body := do(t, srv.Client(), req)
			checkProblem(t, res, body, 401)
			if h := res.Header.Get("WWW-Authenticate"); h != challengeInvalidToken {
				t.Errorf("WWW-Authenticate = %q, want %q", h, challengeInvalidToken)
			}
			if _, hits := f.up.received(); hits != 0 {
				t.Errorf("upstream reached with a forged token")
			}
		})
	}
	t.Run("ok/control", func(t *testing.T) {
		req := newReq(t, srv, "GET", "/orders/1", nil)
		req.Header.Set("Authorization", "Bearer "+valid)
		res, body := do(t, srv.Client(), req)
		if _, hits := f.up.received(); res.StatusCode != 200 || hits != 1 {
			t.Fatalf("valid token: status %d, hits %d (body %s)", res.StatusCode, hits, body)
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
