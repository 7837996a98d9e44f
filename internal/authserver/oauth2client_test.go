package authserver

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestXOAuth2Client obtains tokens with golang.org/x/oauth2, an independent
// client, with both client authentication styles.
func TestXOAuth2Client(t *testing.T) {
	e := newTestEnv(t, "/as")
	basicID, basicSecret := e.register(t, ClientSpec{Name: "basic", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read billing:read"}})
	postID, postSecret := e.register(t, ClientSpec{Name: "post", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read"}, AuthMethod: AuthSecretPost})
	tests := []struct {
		name         string
		id, secret   string
		style        oauth2.AuthStyle
		scopes       []string
		wantAudience []string
		wantErr      bool
	}{
		{"ok/header", basicID, basicSecret, oauth2.AuthStyleInHeader, []string{"orders:read"}, []string{"orders"}, false},
		{"ok/params", postID, postSecret, oauth2.AuthStyleInParams, nil, []string{"orders"}, false},
		{"fail/wrong-style", postID, postSecret, oauth2.AuthStyleInHeader, nil, nil, true},
		{"fail/wrong-secret", basicID, postSecret, oauth2.AuthStyleInHeader, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := clientcredentials.Config{ClientID: tc.id, ClientSecret: tc.secret,
				TokenURL: e.issuer + "/token", Scopes: tc.scopes, AuthStyle: tc.style}
			ctx := context.WithValue(t.Context(), oauth2.HTTPClient, e.srv.Client())
			tok, err := cfg.Token(ctx)
			if tc.wantErr {
				var re *oauth2.RetrieveError
				if err == nil {
					t.Fatal("got a token, want an error")
				}
				if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
					t.Fatalf("error %v, want invalid_client", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || time.Until(tok.Expiry) < 0 {
				t.Errorf("token type %q expiry %v", tok.TokenType, tok.Expiry)
			}
			claims := verifyAccessToken(t, e, tok.AccessToken)
			if claims.ClientID != tc.id || len(claims.Audience) != len(tc.wantAudience) || claims.Audience[0] != tc.wantAudience[0] {
				t.Errorf("claims client_id %q aud %v", claims.ClientID, claims.Audience)
			}
		})
	}
}
