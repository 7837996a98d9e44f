package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// serveRevoke is the revocation endpoint (RFC 7009 §2): the client
// authenticates as at the token endpoint and may revoke only its own
// tokens. A refresh token revokes its whole family, access tokens
// included (RFC 7009 §2.1); an access token joins the jti deny-list until
// it expires, which every gateway applies within 1 s (D1). An unknown,
// invalid or foreign token is answered 200 with nothing revoked (RFC 7009
// §2.2); a revocation the store could not write is 503, never 200 (D2).
// token_type_hint is ignored: the token's shape tells its kind.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	form, c, cr, err := s.clientForm(w, r)
	if err == nil {
		err = s.revoke(r.Context(), c, form.Get("token"))
	}
	if err != nil {
		s.writeEndpointError(w, r, "revocation", cr, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// revoke revokes raw on behalf of the authenticated client c; nil means
// "200": revoked, or nothing of c's to revoke.
func (s *Server) revoke(ctx context.Context, c Client, raw string) error {
	if raw == "" {
		return oauth.InvalidRequest("token is required").WithErr(errors.New("no token"))
	}
	if s.tokens == nil {
		return oauth.TemporarilyUnavailable("").WithErr(errNoTokenStore)
	}
	now := s.now()
	prefix, isHandle := token.HandlePrefix(raw)
	switch {
	case isHandle && prefix == token.PrefixRefresh:
		t, err := s.tokens.RefreshTokenByHash(ctx, s.hasher.Hash(vault.PurposeRefreshToken, raw))
		if errors.Is(err, store.ErrNotFound) || (err == nil && t.ClientID != c.ID) {
			return nil
		}
		if err == nil {
			err = s.tokens.RevokeFamily(ctx, t.FamilyID, now)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return oauth.TemporarilyUnavailable("").WithErr(fmt.Errorf("revoke family: %w", err))
		}
		s.logRevoked(ctx, c, "refresh_token", slog.String("family_id", t.FamilyID))
		return nil
	case isHandle && prefix == token.PrefixAccess:
		t, err := s.tokens.AccessTokenByHash(ctx, s.hasher.Hash(vault.PurposeOpaqueToken, raw))
		if errors.Is(err, store.ErrNotFound) || (err == nil && t.ClientID != c.ID) {
			return nil
		}
		if err == nil {
			err = s.tokens.RevokeAccessToken(ctx, t.JTI, t.ExpiresAt, now)
		}
		if err != nil {
			return oauth.TemporarilyUnavailable("").WithErr(fmt.Errorf("revoke opaque token: %w", err))
		}
		s.logRevoked(ctx, c, "access_token", slog.String("jti", t.JTI))
		return nil
	case isHandle:
		return nil // an authorization code is not revocable here
	}
	claims, err := s.verifier.VerifyAccess(raw)
	if err != nil || claims.ClientID != c.ID {
		return nil // invalid, expired or foreign: nothing to revoke (RFC 7009 §2.2)
	}
	if err := s.tokens.RevokeAccessToken(ctx, claims.ID, claims.Expiry.Time(), now); err != nil {
		return oauth.TemporarilyUnavailable("").WithErr(fmt.Errorf("deny-list jti: %w", err))
	}
	s.logRevoked(ctx, c, "access_token", slog.String("jti", claims.ID))
	return nil
}

// logRevoked logs a revocation: the client, the kind of token and its
// jti or family id, never the token (R20).
func (s *Server) logRevoked(ctx context.Context, c Client, kind string, id slog.Attr) {
	s.log.LogAttrs(ctx, slog.LevelInfo, "token.revoked",
		slog.String("event", "token.revoked"),
		slog.String("request_id", web.RequestID(ctx)),
		slog.String("client_id", c.ID),
		slog.String("token_kind", kind),
		id)
}
