package authserver_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/gateway"
	"github.com/rempart/rempart/internal/token"
)

// TestIDTokenRefusedByGateway: an ID token is never accepted as an access
// token (RFC 9068 §4, RFC 8725 §3.11): the gateway, with a real
// token.Verifier, refuses the ID token of a real flow, and even a JWT
// carrying valid access-token claims when its typ is the ID token's; the
// same claims with typ at+jwt pass (so the refusal is the typ's doing).
func TestIDTokenRefusedByGateway(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "sam", false)
	verifier := oauth2.GenerateVerifier()
	q := bfAuthorize(t, e.newBrowser(t), cl, pkceURL(e, cl, verifier, nil), u)
	_, tok := exchangeRaw(t, e, cl, url.Values{"code": {q.Get("code")}, "redirect_uri": {cl.redirect}, "code_verifier": {verifier}})
	access, _ := tok["access_token"].(string)
	idToken, _ := tok["id_token"].(string)
	if access == "" || idToken == "" {
		t.Fatalf("token response %v", tok)
	}

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(upstream.Close)
	upURL, _ := url.Parse(upstream.URL)
	g, err := gateway.New(gateway.Config{Issuer: e.issuer, APIs: []gateway.API{{
		Name: "orders", PathPrefix: "/orders", Upstream: upURL, Auth: gateway.AuthOAuth2, Scopes: []string{"orders:read"},
	}}}, gateway.Deps{Verifier: &token.Verifier{Issuer: e.issuer, Keys: e.keys, Now: e.now}, Keys: e.keys, Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)

	// Valid access-token claims, signed once as an access token and once
	// with the ID token's typ.
	k, _ := e.keys.SigningKey()
	now := jwt.NewNumericDate(e.now())
	claims := &token.AccessClaims{Claims: jwt.Claims{Issuer: e.issuer, Subject: u.id, Audience: jwt.Audience{"orders"},
		IssuedAt: now, NotBefore: now, Expiry: jwt.NewNumericDate(e.now().Add(10 * time.Minute)), ID: "f6a1e6c8-5d54-4bd8-9a4b-3c5d0e1f2a3b"},
		ClientID: cl.id, Scope: "orders:read"}
	idSigner, err := token.NewSigner(k, token.TypeID)
	if err != nil {
		t.Fatal(err)
	}
	idTyped, err := idSigner.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	atTyped, err := token.SignAccess(k, claims)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		token string
		want  int
	}{
		{"ok/access-token", access, http.StatusOK},
		{"ok/at+jwt", atTyped, http.StatusOK},
		{"fail/id-token", idToken, http.StatusUnauthorized},
		{"fail/access-claims-with-id-typ", idTyped, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "https://gw.example/orders", nil)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d (%s)", rec.Code, tc.want, rec.Body.String())
			}
		})
	}
}
