package authserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// testJWKS returns a client JWK set with an EC P-256 key "ec1" and an RSA
// 2048 key "rsa1", and their private keys.
func testJWKS(t testing.TB) ([]byte, *ecdsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &ec.PublicKey, KeyID: "ec1", Use: "sig"},
		{Key: &rk.PublicKey, KeyID: "rsa1", Algorithm: "PS256"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b, ec, rk
}

// assertion signs claims with key under alg, with the extra protected
// headers given.
func assertion(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims any, headers map[jose.HeaderKey]any, embedJWK bool) string {
	t.Helper()
	opts := (&jose.SignerOptions{EmbedJWK: embedJWK}).WithType("JWT")
	for k, v := range headers {
		opts = opts.WithHeader(k, v)
	}
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	sg, err := jose.NewSigner(sk, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sg).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestPrivateKeyJWT(t *testing.T) {
	e := newLifecycleEnv(t, lcOptions{path: "/as"})
	jwks, ec, rk := testJWKS(t)
	cl, secret, err := RegisterClient(t.Context(), e.store, e.hasher, ClientSpec{Name: "jwt-client",
		GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"orders:read"}, AuthMethod: AuthPrivateKeyJWT, JWKS: jwks}, t0)
	if err != nil || secret != "" {
		t.Fatalf("RegisterClient = %v, secret %q", err, secret)
	}
	id := cl.ID
	secretID, secretSecret := e.register(t, ClientSpec{Name: "secret-client", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read"}})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tokenURL := e.issuer + "/token"

	claims := func(mut func(c *jwt.Claims)) *jwt.Claims {
		c := &jwt.Claims{Issuer: id, Subject: id, Audience: jwt.Audience{tokenURL}, ID: uuid.NewString(),
			IssuedAt: jwt.NewNumericDate(t0), Expiry: jwt.NewNumericDate(t0.Add(2 * time.Minute))}
		if mut != nil {
			mut(c)
		}
		return c
	}
	es := func(mut func(c *jwt.Claims)) string {
		return assertion(t, jose.ES256, ec, "ec1", claims(mut), nil, false)
	}
	replayed := es(nil)
	hs := assertion(t, jose.HS256, []byte(strings.Repeat("k", 32)), "ec1", claims(nil), nil, false)
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload, _ := json.Marshal(claims(nil))
	none := noneHeader + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	certDER := base64.StdEncoding.EncodeToString([]byte("not really a certificate"))

	tests := []struct {
		name      string
		assertion string
		clientID  string // client_id form parameter
		aType     string // "" means jwt-bearer
		secret    string // client_secret sent as well
		wantErr   string // "" for success
		cause     error  // the logged internal cause
	}{
		{name: "ok/es256", assertion: replayed},
		{name: "ok/ps256-with-client-id", assertion: assertion(t, jose.PS256, rk, "rsa1", claims(nil), nil, false), clientID: id},
		{name: "ok/aud-issuer", assertion: es(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://elsewhere", e.issuer} })},
		{name: "ok/no-kid", assertion: assertion(t, jose.ES256, ec, "", claims(nil), nil, false)},
		{name: "ok/iat-within-leeway", assertion: es(func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(t0.Add(5 * time.Second)) })},
		{name: "fail/replayed-jti", assertion: replayed, wantErr: "invalid_client", cause: errAssertionReplay},
		{name: "fail/wrong-aud", assertion: es(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://other.example/token"} }), wantErr: "invalid_client", cause: errAssertionAudience},
		{name: "fail/aud-introspect", assertion: es(func(c *jwt.Claims) { c.Audience = jwt.Audience{e.issuer + "/introspect"} }), wantErr: "invalid_client", cause: errAssertionAudience},
		{name: "fail/expired", assertion: es(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(t0.Add(-time.Second)) }), wantErr: "invalid_client", cause: errAssertionExpired},
		{name: "fail/exp-too-far", assertion: es(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(t0.Add(6 * time.Minute)) }), wantErr: "invalid_client", cause: errAssertionLifetime},
		{name: "fail/no-exp", assertion: es(func(c *jwt.Claims) { c.Expiry = nil }), wantErr: "invalid_client", cause: errAssertionExpired},
		{name: "fail/no-jti", assertion: es(func(c *jwt.Claims) { c.ID = "" }), wantErr: "invalid_client", cause: errAssertionJTI},
		{name: "fail/iat-future", assertion: es(func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(t0.Add(time.Minute)) }), wantErr: "invalid_client", cause: errAssertionNotYet},
		{name: "fail/nbf-future", assertion: es(func(c *jwt.Claims) { c.NotBefore = jwt.NewNumericDate(t0.Add(time.Minute)) }), wantErr: "invalid_client", cause: errAssertionNotYet},
		{name: "fail/iss-not-sub", assertion: es(func(c *jwt.Claims) { c.Issuer = secretID }), wantErr: "invalid_client", cause: errAssertionIssuer},
		{name: "fail/client-id-mismatch", assertion: es(nil), clientID: secretID, wantErr: "invalid_client", cause: errAssertionIssuer},
		{name: "fail/unknown-key", assertion: assertion(t, jose.ES256, other, "ec9", claims(nil), nil, false), wantErr: "invalid_client", cause: errAssertionUnknownKey},
		{name: "fail/other-key-same-kid", assertion: assertion(t, jose.ES256, other, "ec1", claims(nil), nil, false), wantErr: "invalid_client", cause: errAssertionSignature},
		{name: "fail/alg-key-mismatch", assertion: assertion(t, jose.RS256, rk, "rsa1", claims(nil), nil, false), wantErr: "invalid_client", cause: errAssertionUnknownKey},
		{name: "fail/embedded-jwk", assertion: assertion(t, jose.ES256, other, "", claims(nil), nil, true), wantErr: "invalid_client", cause: errAssertionHeader},
		{name: "fail/embedded-jwk-of-registered-key", assertion: assertion(t, jose.ES256, ec, "", claims(nil), nil, true), wantErr: "invalid_client", cause: errAssertionHeader},
		{name: "fail/jku", assertion: assertion(t, jose.ES256, ec, "ec1", claims(nil),
			map[jose.HeaderKey]any{"jku": "https://attacker.example/jwks"}, false), wantErr: "invalid_client", cause: errAssertionHeader},
		{name: "fail/x5u", assertion: assertion(t, jose.ES256, ec, "ec1", claims(nil),
			map[jose.HeaderKey]any{"x5u": "https://attacker.example/cert"}, false), wantErr: "invalid_client", cause: errAssertionHeader},
		{name: "fail/x5c", assertion: assertion(t, jose.ES256, ec, "ec1", claims(nil),
			map[jose.HeaderKey]any{"x5c": []string{certDER}}, false), wantErr: "invalid_client", cause: errAssertionHeader},
		{name: "fail/crit", assertion: assertion(t, jose.ES256, ec, "ec1", claims(nil),
			map[jose.HeaderKey]any{"crit": []string{"exp"}}, false), wantErr: "invalid_client", cause: errAssertionHeader},
		{name: "fail/hs256", assertion: hs, wantErr: "invalid_client", cause: errAssertionAlg},
		{name: "fail/none", assertion: none, wantErr: "invalid_client", cause: errAssertionAlg},
		{name: "fail/wrong-assertion-type", assertion: es(nil), aType: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", wantErr: "invalid_client", cause: errAssertionType},
		{name: "fail/secret-client-assertion", assertion: assertion(t, jose.ES256, ec, "ec1", claims(func(c *jwt.Claims) {
			c.Issuer, c.Subject = secretID, secretID
		}), nil, false), wantErr: "invalid_client", cause: errWrongMethod},
		{name: "fail/assertion-and-secret", assertion: es(nil), secret: secretSecret, clientID: secretID, wantErr: "invalid_request"},
		{name: "fail/garbage", assertion: "a.b.c", wantErr: "invalid_client", cause: errAssertionMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			aType := tc.aType
			if aType == "" {
				aType = AssertionTypeJWTBearer
			}
			f := form("grant_type", GrantClientCredentials, "client_assertion_type", aType, "client_assertion", tc.assertion)
			if tc.clientID != "" {
				f.Set("client_id", tc.clientID)
			}
			if tc.secret != "" {
				f.Set("client_secret", tc.secret)
			}
			logged := len(e.logs.String())
			resp, tb, raw := e.post(t, "/token", "", "", f)
			if tc.cause != nil && !strings.Contains(e.logs.String()[logged:], tc.cause.Error()) {
				t.Errorf("cause %q not logged: %s", tc.cause, e.logs.String()[logged:])
			}
			if tc.wantErr == "" {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, raw)
				}
				if c := verifyAccessToken(t, e.testEnv, tb.AccessToken); c.ClientID != id {
					t.Errorf("client_id %q, want %q", c.ClientID, id)
				}
				return
			}
			if tb.Error != tc.wantErr {
				t.Errorf("status %d error %q, want %q: %s", resp.StatusCode, tb.Error, tc.wantErr, raw)
			}
		})
	}

	t.Run("ok/introspection-endpoint", func(t *testing.T) {
		f := form("token", "x", "client_assertion_type", AssertionTypeJWTBearer, "client_assertion", es(nil))
		resp, _, raw := e.post(t, "/introspect", "", "", f)
		if resp.StatusCode != 200 || string(raw) != `{"active":false}` {
			t.Errorf("status %d: %s", resp.StatusCode, raw)
		}
	})
	if strings.Contains(e.logs.String(), replayed) {
		t.Error("an assertion appears in the logs")
	}
}

func TestParseClientJWKS(t *testing.T) {
	jwks, ec, rk := testJWKS(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	set := func(keys ...jose.JSONWebKey) string {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"ok/ec-and-rsa", string(jwks), true},
		{"ok/ec-es256", set(jose.JSONWebKey{Key: &ec.PublicKey, Algorithm: "ES256"}), true},
		{"fail/private-ec", set(jose.JSONWebKey{Key: ec, KeyID: "a"}), false},
		{"fail/private-rsa", set(jose.JSONWebKey{Key: rk, KeyID: "a"}), false},
		{"fail/symmetric", `{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`, false},
		{"fail/rsa-1024", set(jose.JSONWebKey{Key: &small.PublicKey}), false},
		{"fail/rsa-8200", `{"keys":[{"kty":"RSA","e":"AQAB","n":"` + base64.RawURLEncoding.EncodeToString(append([]byte{0x80}, make([]byte, 1024)...)) + `"}]}`, false},
		{"fail/p384", set(jose.JSONWebKey{Key: &p384.PublicKey}), false},
		{"fail/ec-with-rs256", set(jose.JSONWebKey{Key: &ec.PublicKey, Algorithm: "RS256"}), false},
		{"fail/rsa-with-hs256", set(jose.JSONWebKey{Key: &rk.PublicKey, Algorithm: "HS256"}), false},
		{"fail/use-enc", set(jose.JSONWebKey{Key: &ec.PublicKey, Use: "enc"}), false},
		{"fail/duplicate-kid", set(jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "a"}, jose.JSONWebKey{Key: &rk.PublicKey, KeyID: "a"}), false},
		{"fail/empty-set", `{"keys":[]}`, false},
		{"fail/not-json", `keys`, false},
		{"fail/single-key-not-set", `{"kty":"EC"}`, false},
		{"fail/trailing-data", string(jwks) + "{}", false},
		{"fail/too-many-keys", set(slicesRepeat(jose.JSONWebKey{Key: &ec.PublicKey}, 11)...), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ParseClientJWKS([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseClientJWKS() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if strings.Contains(err.Error(), `"d"`) && strings.Contains(err.Error(), tc.in[:10]) {
					t.Errorf("error quotes key material: %v", err)
				}
				return
			}
			var got jose.JSONWebKeySet
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			for _, k := range got.Keys {
				if !k.IsPublic() {
					t.Error("normalised set holds a private key")
				}
			}
		})
	}
	var _ crypto.PublicKey = &ec.PublicKey
}

func slicesRepeat(k jose.JSONWebKey, n int) []jose.JSONWebKey {
	out := make([]jose.JSONWebKey, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func TestRegisterKeyBasedClient(t *testing.T) {
	// A private_key_jwt client gets no secret: only its JWK set, checked
	// and normalised, is stored.
	jwks, ec, _ := testJWKS(t)
	h := testHasher(t)
	cc := []string{GrantClientCredentials}
	privSet, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ec, KeyID: "p"}}})
	tests := []struct {
		name      string
		spec      ClientSpec
		wantField string
	}{
		{"ok/private-key-jwt", ClientSpec{Name: "a", GrantTypes: cc, AuthMethod: AuthPrivateKeyJWT, JWKS: jwks}, ""},
		{"fail/private-jwks", ClientSpec{Name: "b", GrantTypes: cc, AuthMethod: AuthPrivateKeyJWT, JWKS: privSet}, "jwks-file"},
		{"fail/jwks-with-secret-method", ClientSpec{Name: "c", GrantTypes: cc, JWKS: jwks}, "jwks-file"},
		{"fail/bad-jwks", ClientSpec{Name: "d", GrantTypes: cc, AuthMethod: AuthPrivateKeyJWT, JWKS: []byte("{")}, "jwks-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			c, secret, err := RegisterClient(t.Context(), st, h, tc.spec, t0)
			if tc.wantField != "" {
				var se *SpecError
				if !errors.As(err, &se) || se.Field != tc.wantField {
					t.Fatalf("error %v, want SpecError on %q", err, tc.wantField)
				}
				if strings.Contains(err.Error(), `"d":`) {
					t.Errorf("error quotes key material: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := st.GetClient(t.Context(), c.ID)
			if secret != "" || stored.SecretHash != nil {
				t.Errorf("key-based client got a secret %q / hash %x", secret, stored.SecretHash)
			}
			keys, err := parseJWKS(stored.JWKS)
			if err != nil || len(keys) != 2 {
				t.Errorf("stored JWKS: %d keys, %v", len(keys), err)
			}
			if _, err := RotateClientSecret(t.Context(), st, h, c.ID, 0, t0); err == nil {
				t.Error("rotate-secret accepted a key-based client")
			}
		})
	}
}
