package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/token"
)

var b64 = base64.RawURLEncoding

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handMade builds a compact JWS from a header, claims and a signing function
// (for algorithms go-jose rightly refuses to produce).
func handMade(t *testing.T, hdr map[string]any, claims any, sign func(input []byte) []byte) string {
	input := b64.EncodeToString(mustJSON(t, hdr)) + "." + b64.EncodeToString(mustJSON(t, claims))
	return input + "." + b64.EncodeToString(sign([]byte(input)))
}

// signWith signs claims with go-jose using key and extra header fields.
func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, extra map[jose.HeaderKey]any, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{ExtraHeaders: map[jose.HeaderKey]any{}}
	for k, v := range extra {
		opts.ExtraHeaders[k] = v
	}
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	signer, err := jose.NewSigner(sk, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestJWTAttacksAtGateway: every forged or invalid token is refused with 401
// invalid_token, problem+json and a request id, and never reaches the
// upstream (R6, D7).
func TestJWTAttacksAtGateway(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "attack", "orders:read")
	real := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:read").AccessToken

	sk, err := s.app.Keys().SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	realPub := sk.Key.Public().(*ecdsa.PublicKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(realPub)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)

	now := time.Now()
	claims := func(mut func(*token.AccessClaims)) *token.AccessClaims {
		c := &token.AccessClaims{
			Claims: jwt.Claims{
				Issuer: s.issuer, Subject: id, Audience: jwt.Audience{"orders"}, ID: uuid.NewString(),
				IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(10 * time.Minute)),
			},
			ClientID: id, Scope: "orders:read",
		}
		if mut != nil {
			mut(c)
		}
		return c
	}
	withReal := func(mut func(*token.AccessClaims)) string {
		raw, err := token.SignAccess(sk, claims(mut))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	typAT := map[jose.HeaderKey]any{"typ": "at+jwt"}
	attackerJWK := jose.JSONWebKey{Key: attacker.Public(), KeyID: sk.ID}

	parts := strings.Split(real, ".")
	var payload map[string]any
	p, _ := b64.DecodeString(parts[1])
	json.Unmarshal(p, &payload)
	payload["scope"] = "orders:read orders:write"
	tampered := parts[0] + "." + b64.EncodeToString(mustJSON(t, payload)) + "." + parts[2]

	// Sanity: the control token and a token signed with the real key pass.
	if resp := s.do(t, "GET", "/orders/1", withReal(nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("control token: status %d", resp.StatusCode)
	}

	for _, tc := range []struct {
		name, token string
	}{
		{"fail/alg-none", handMade(t, map[string]any{"alg": "none", "typ": "at+jwt", "kid": sk.ID}, claims(nil), func([]byte) []byte { return nil })},
		{"fail/hs256-with-public-key-pem", handMade(t, map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": sk.ID}, claims(nil), func(in []byte) []byte {
			m := hmac.New(sha256.New, pubPEM)
			m.Write(in)
			return m.Sum(nil)
		})},
		{"fail/hs256-with-public-key-der", handMade(t, map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": sk.ID}, claims(nil), func(in []byte) []byte {
			m := hmac.New(sha256.New, pubDER)
			m.Write(in)
			return m.Sum(nil)
		})},
		{"fail/unknown-kid", signWith(t, jose.ES256, attacker, uuid.NewString(), typAT, claims(nil))},
		{"fail/attacker-key-real-kid", signWith(t, jose.ES256, attacker, sk.ID, typAT, claims(nil))},
		{"fail/embedded-jwk", signWith(t, jose.ES256, attacker, "", map[jose.HeaderKey]any{"typ": "at+jwt", "jwk": attackerJWK}, claims(nil))},
		{"fail/jku-header", signWith(t, jose.ES256, attacker, sk.ID, map[jose.HeaderKey]any{"typ": "at+jwt", "jku": "https://attacker.example/jwks"}, claims(nil))},
		{"fail/x5u-header", signWith(t, jose.ES256, attacker, sk.ID, map[jose.HeaderKey]any{"typ": "at+jwt", "x5u": "https://attacker.example/cert"}, claims(nil))},
		{"fail/rs256", signWith(t, jose.RS256, rsaKey, sk.ID, typAT, claims(nil))},
		{"fail/expired", withReal(func(c *token.AccessClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-2 * time.Hour))
			c.Expiry = jwt.NewNumericDate(now.Add(-time.Hour))
		})},
		{"fail/not-yet-valid", withReal(func(c *token.AccessClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) })},
		{"fail/issued-in-future", withReal(func(c *token.AccessClaims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) })},
		{"fail/wrong-aud", withReal(func(c *token.AccessClaims) { c.Audience = jwt.Audience{"billing"} })},
		{"fail/wrong-iss", withReal(func(c *token.AccessClaims) { c.Issuer = "https://evil.example" })},
		{"fail/tampered-payload", tampered},
		{"fail/typ-jwt", signWith(t, jose.ES256, sk.Key, sk.ID, map[jose.HeaderKey]any{"typ": "JWT"}, claims(nil))},
		{"fail/typ-missing", signWith(t, jose.ES256, sk.Key, sk.ID, nil, claims(nil))},
		{"fail/garbage", "not.a.jwt"},
		{"fail/truncated", real[:len(real)-10]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.up.count()
			resp := s.do(t, "GET", "/orders/1", tc.token)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
			if wa := resp.Header.Get("WWW-Authenticate"); !strings.Contains(wa, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q lacks invalid_token", wa)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var prob map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&prob); err != nil || prob["request_id"] != resp.Header.Get("X-Request-ID") {
				t.Errorf("problem body %v (%v): request_id must match X-Request-ID", prob, err)
			}
			if s.up.count() != before {
				t.Error("the upstream was reached")
			}
		})
	}
	if strings.Contains(s.logs.String(), real) {
		t.Error("a token appears in the logs (R20)")
	}
}
