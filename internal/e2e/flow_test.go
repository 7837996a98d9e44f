package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rempart/rempart/internal/authserver"
)

// discovery fetches the RFC 8414 document.
func (s *stack) discovery(t *testing.T) map[string]any {
	t.Helper()
	resp, err := s.http.Get(s.issuer + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: status %d", resp.StatusCode)
	}
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// jwks fetches the published key set through discovery and parses it with jwx.
func (s *stack) jwks(t *testing.T) jwk.Set {
	t.Helper()
	uri, _ := s.discovery(t)["jwks_uri"].(string)
	if !strings.HasPrefix(uri, s.issuer) {
		t.Fatalf("jwks_uri %q not under issuer %q", uri, s.issuer)
	}
	resp, err := s.http.Get(uri)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	set, err := jwk.Parse(body)
	if err != nil {
		t.Fatalf("jwx cannot parse JWKS: %v", err)
	}
	return set
}

func (s *stack) clientToken(t *testing.T, id, secret string, style oauth2.AuthStyle, scopes ...string) *oauth2.Token {
	t.Helper()
	tokenURL, _ := s.discovery(t)["token_endpoint"].(string)
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, Scopes: scopes, AuthStyle: style}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.http)
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v\nlogs:\n%s", err, s.logs.String())
	}
	return tok
}

// TestClientCredentialsEndToEnd: x/oauth2 obtains a JWT, jwx verifies it
// against the published JWKS, the gateway accepts it and forwards a verified
// identity without the caller's credentials (R1, R6, RFC 9068).
func TestClientCredentialsEndToEnd(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "e2e", "orders:read", "orders:write", "billing:read")

	postID, postSecret := s.registerClientWith(t, authserver.AuthSecretPost, "e2e-post", "orders:read")
	for _, c := range []struct {
		id, secret string
		style      oauth2.AuthStyle
	}{{id, secret, oauth2.AuthStyleInHeader}, {postID, postSecret, oauth2.AuthStyleInParams}} {
		tok := s.clientToken(t, c.id, c.secret, c.style, "orders:read")
		if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
			t.Fatalf("token type %q expiry %v", tok.TokenType, tok.Expiry)
		}
		if d := time.Until(tok.Expiry); d < 29*time.Minute || d > 31*time.Minute {
			t.Errorf("default lifetime = %v, want 30m (R8/T1)", d)
		}
	}
	tok := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:read")

	// Independent verification with jwx against the JWKS.
	set := s.jwks(t)
	msg, err := jws.Parse([]byte(tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if typ, _ := hdr.Type(); typ != "at+jwt" {
		t.Errorf("typ = %q, want at+jwt", typ)
	}
	if alg, _ := hdr.Algorithm(); alg != jwa.ES256() {
		t.Errorf("alg = %v, want ES256", alg)
	}
	parsed, err := jwt.Parse([]byte(tok.AccessToken), jwt.WithKeySet(set), jwt.WithIssuer(s.issuer), jwt.WithAudience("orders"), jwt.WithValidate(true))
	if err != nil {
		t.Fatalf("jwx verification: %v", err)
	}
	if sub, _ := parsed.Subject(); sub != id {
		t.Errorf("sub = %q, want client id %q", sub, id)
	}
	var clientID, scope string
	if err := parsed.Get("client_id", &clientID); err != nil || clientID != id {
		t.Errorf("client_id = %q (%v)", clientID, err)
	}
	if err := parsed.Get("scope", &scope); err != nil || scope != "orders:read" {
		t.Errorf("scope = %q (%v)", scope, err)
	}
	if jti, _ := parsed.JwtID(); len(jti) != 36 {
		t.Errorf("jti = %q, want a UUID (R16)", jti)
	}
	if aud, _ := parsed.Audience(); len(aud) != 1 || aud[0] != "orders" {
		t.Errorf("aud = %v, want [orders] (the API the scope touches)", aud)
	}

	// The gateway accepts it on the API it names and forwards an identity.
	resp := s.do(t, "GET", "/orders/42", tok.AccessToken)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("gateway: status %d: %s", resp.StatusCode, b)
	}
	if got := resp.Header.Get("Server"); got != "" {
		t.Errorf("Server header leaked: %q (R17)", got)
	}
	if got := resp.Header.Get("X-Powered-By"); got != "" {
		t.Errorf("X-Powered-By leaked: %q (R17)", got)
	}
	for _, h := range []string{"X-Content-Type-Options", "Strict-Transport-Security", "X-Request-ID"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
	r := s.up.last()
	if r.Header.Get("Authorization") != "" {
		t.Error("upstream received the caller's Authorization header")
	}
	if r.Header.Get("X-Request-ID") != resp.Header.Get("X-Request-ID") {
		t.Errorf("upstream X-Request-ID %q != response %q", r.Header.Get("X-Request-ID"), resp.Header.Get("X-Request-ID"))
	}
	ident, err := jwt.Parse([]byte(r.Header.Get("Rempart-Identity")), jwt.WithKeySet(set), jwt.WithIssuer(s.issuer), jwt.WithAudience("orders"), jwt.WithValidate(true))
	if err != nil {
		t.Fatalf("Rempart-Identity does not verify with jwx: %v", err)
	}
	iat, _ := ident.IssuedAt()
	exp, _ := ident.Expiration()
	if exp.Sub(iat) > 60*time.Second {
		t.Errorf("Rempart-Identity lifetime %v > 60s", exp.Sub(iat))
	}
	if sub, _ := ident.Subject(); sub != id {
		t.Errorf("identity sub = %q", sub)
	}

	// Not valid for an API it does not name (aud), nor for a route needing more scope.
	if resp := s.do(t, "GET", "/billing/1", tok.AccessToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token for orders on billing: status %d, want 401", resp.StatusCode)
	}
	resp = s.do(t, "POST", "/orders", tok.AccessToken)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("POST without orders:write: status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// A token with both scopes reaches both APIs (aud lists both).
	both := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:write", "billing:read")
	if resp := s.do(t, "POST", "/orders", both.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("POST with orders:write: status %d", resp.StatusCode)
	}
	if resp := s.do(t, "GET", "/billing/7", both.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("billing with billing:read: status %d", resp.StatusCode)
	}
	// Public API: no credentials needed, none forwarded.
	req, _ := http.NewRequest("GET", s.gateway+"/status", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Rempart-Identity", "forged")
	pub, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pub.Body.Close()
	if pub.StatusCode != http.StatusOK {
		t.Errorf("public API: status %d", pub.StatusCode)
	}
	if r := s.up.last(); r.Header.Get("Authorization") != "" || r.Header.Get("Rempart-Identity") == "forged" {
		t.Error("public API forwarded the caller's Authorization or a forged Rempart-Identity")
	}
	// The secret and the token never reach the logs (R20).
	logs := s.logs.String()
	if strings.Contains(logs, secret) || strings.Contains(logs, tok.AccessToken) {
		t.Error("a client secret or access token appears in the logs")
	}
}
