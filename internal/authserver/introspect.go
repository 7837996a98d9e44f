package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// introspection is an RFC 7662 §2.2 response. An inactive token is only
// {"active":false}: nothing tells why (unknown, expired, revoked, another
// client's).
type introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Nbf       int64    `json:"nbf,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	JTI       string   `json:"jti,omitempty"`
}

// Token types reported by introspection.
const (
	introspectBearer  = "Bearer"        // an access token (RFC 6750)
	introspectRefresh = "refresh_token" // a refresh token
)

// serveIntrospect is the introspection endpoint (RFC 7662 §2): the client
// authenticates as at the token endpoint (RFC 7662 §2.1), and sees only
// its own tokens: any other token is inactive. token_type_hint is ignored
// (RFC 7662 §2.1 allows it): the token's shape tells its kind. A store
// failure is 503, never an answer (D2).
func (s *Server) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	form, c, cr, err := s.clientForm(w, r)
	var resp introspection
	if err == nil {
		resp, err = s.introspect(r.Context(), c, form.Get("token"))
	}
	if err != nil {
		s.writeEndpointError(w, r, "introspection", cr, err)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		s.writeEndpointError(w, r, "introspection", cr, oauth.ServerError("").WithErr(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// introspect answers for raw on behalf of the authenticated client c.
func (s *Server) introspect(ctx context.Context, c Client, raw string) (introspection, error) {
	if raw == "" {
		return introspection{}, oauth.InvalidRequest("token is required").WithErr(errors.New("no token"))
	}
	if s.tokens == nil {
		return introspection{}, oauth.TemporarilyUnavailable("").WithErr(errNoTokenStore)
	}
	if prefix, ok := token.HandlePrefix(raw); ok && prefix == token.PrefixRefresh {
		return s.introspectRefresh(ctx, c, raw)
	}
	claims, err := s.checkAccessToken(ctx, raw)
	switch {
	case errors.Is(err, errTokenInactive):
		return introspection{}, nil
	case err != nil:
		return introspection{}, oauth.TemporarilyUnavailable("").WithErr(err)
	case claims.ClientID != c.ID:
		return introspection{}, nil
	}
	resp := introspection{Active: true, Scope: claims.Scope, ClientID: claims.ClientID, TokenType: introspectBearer,
		Sub: claims.Subject, Aud: claims.Audience, Iss: claims.Issuer, JTI: claims.ID}
	if claims.Expiry != nil {
		resp.Exp = int64(*claims.Expiry)
	}
	if claims.IssuedAt != nil {
		resp.Iat = int64(*claims.IssuedAt)
	}
	if claims.NotBefore != nil {
		resp.Nbf = int64(*claims.NotBefore)
	}
	return resp, nil
}

// introspectRefresh answers for a refresh token: active while it is c's,
// unexpired, not rotated yet and not revoked.
func (s *Server) introspectRefresh(ctx context.Context, c Client, raw string) (introspection, error) {
	t, err := s.tokens.RefreshTokenByHash(ctx, s.hasher.Hash(vault.PurposeRefreshToken, raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return introspection{}, nil
	case err != nil:
		return introspection{}, oauth.TemporarilyUnavailable("").WithErr(fmt.Errorf("refresh token lookup: %w", err))
	case t.ClientID != c.ID, !t.UsedAt.IsZero(), !t.RevokedAt.IsZero(), !s.now().Before(t.ExpiresAt):
		return introspection{}, nil
	}
	return introspection{Active: true, Scope: oauth.FormatScope(t.Scope), ClientID: t.ClientID,
		TokenType: introspectRefresh, Exp: t.ExpiresAt.Unix(), Iat: t.IssuedAt.Unix(), Sub: t.Subject,
		Aud: t.Audience, Iss: s.issuer}, nil
}
