package authserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// FuzzClientAssertion checks that client-assertion parsing never panics,
// fails only with its sentinels, and accepts only a compact JWS whose
// header holds allow-listed members and an allow-listed alg (D7, R6).
func FuzzClientAssertion(f *testing.F) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	claims := jwt.Claims{Issuer: "c", Subject: "c", Audience: jwt.Audience{"https://as.example/token"}, ID: "j",
		Expiry: jwt.NewNumericDate(time.Unix(2e9, 0))}
	for _, h := range []map[jose.HeaderKey]any{nil, {"jku": "https://x"}, {"x5c": []string{"AA=="}}, {"crit": []string{"b64"}}} {
		f.Add(assertion(f, jose.ES256, priv, "k1", claims, h, false))
	}
	f.Add(assertion(f, jose.ES256, priv, "", claims, nil, true))
	f.Add(assertion(f, jose.HS256, []byte(strings.Repeat("s", 32)), "k", claims, nil, false))
	b64 := base64.RawURLEncoding.EncodeToString
	f.Add(b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"iss":"c"}`)) + ".")
	f.Add(b64([]byte(`{"alg":"ES256","alg":"none"}`)) + ".e30.AAAA")
	f.Add(b64([]byte(`{"alg":"ES256","typ":7}`)) + ".e30.AAAA")
	f.Add("a.b.c")
	f.Add("")
	sentinels := []error{errAssertionMalformed, errAssertionAlg, errAssertionHeader}
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := parseClientAssertion(raw)
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(raw) >= 16 && strings.Contains(err.Error(), raw) {
				t.Fatal("error quotes the assertion")
			}
			return
		}
		if !slices.Contains(assertionAlgNames, a.alg) || len(a.tok.Headers) != 1 || a.tok.Headers[0].JSONWebKey != nil {
			t.Fatalf("accepted alg %q headers %+v", a.alg, a.tok.Headers)
		}
		hb, err := base64.RawURLEncoding.DecodeString(raw[:strings.IndexByte(raw, '.')])
		if err != nil {
			t.Fatal("accepted an undecodable header")
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(hb, &members) != nil {
			t.Fatal("accepted a non-object header")
		}
		for name := range members {
			if !slices.Contains(allowedAssertionHeaders, name) {
				t.Fatalf("accepted header member %q", name)
			}
		}
	})
}

// FuzzClientJWKS checks that JWK-set validation never panics and that what
// it accepts is a set of public EC P-256 / RSA keys only.
func FuzzClientJWKS(f *testing.F) {
	jwks, ec, _ := testJWKS(f)
	f.Add(jwks)
	priv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ec}}})
	f.Add(priv)
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ParseClientJWKS(b)
		if err != nil {
			return
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(out, &set); err != nil {
			t.Fatalf("normalised set does not parse: %v", err)
		}
		if len(set.Keys) == 0 || len(set.Keys) > maxClientJWKSKeys {
			t.Fatalf("%d keys accepted", len(set.Keys))
		}
		for _, k := range set.Keys {
			if !k.IsPublic() || !(keyVerifies(k, "ES256") || keyVerifies(k, "RS256") || keyVerifies(k, "PS256")) {
				t.Fatalf("accepted key %T", k.Key)
			}
		}
		if _, err := ParseClientJWKS(out); err != nil {
			t.Fatalf("normalised set refused: %v", err)
		}
	})
}
