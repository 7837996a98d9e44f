package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// Internal causes of refresh failures (logged, never sent).
var (
	errRefreshUnknown = errors.New("unknown refresh token")
	errRefreshClient  = errors.New("refresh token issued to another client")
	errRefreshExpired = errors.New("refresh token expired")
	errRefreshReuse   = errors.New("refresh token reused: family revoked")
)

// refreshGrant runs the refresh token grant (RFC 6749 §6) for the
// authenticated client c. The token must have been issued to c (RFC 6749
// §6: "bound to the client"), be unexpired, and be consumed by exactly
// one rotation (T2): its successor keeps its scope (RFC 6749 §6), the new
// access token may narrow the scope and the audience but never widen them
// (nor go beyond what c may hold today). Presenting a token that was
// already rotated revokes its whole family (T2, RFC 9700 §4.14.2).
func (s *Server) refreshGrant(ctx context.Context, c Client, req tokenRequest) (tokenResponse, error) {
	if !slices.Contains(c.GrantTypes, GrantRefreshToken) {
		return tokenResponse{}, oauth.UnauthorizedClient("").WithErr(errors.New("client not registered for refresh_token"))
	}
	if req.refreshToken == "" {
		return tokenResponse{}, oauth.InvalidRequest("refresh_token is required").WithErr(errors.New("no refresh_token"))
	}
	if s.tokens == nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(errNoTokenStore)
	}
	if err := token.ParseHandle(req.refreshToken, token.PrefixRefresh); err != nil {
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(err)
	}
	hash := s.hasher.Hash(vault.PurposeRefreshToken, req.refreshToken)
	old, err := s.tokens.RefreshTokenByHash(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errRefreshUnknown)
	case err != nil:
		return tokenResponse{}, oauth.ServerError("").WithErr(err)
	case old.ClientID != c.ID:
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errRefreshClient)
	}
	now := s.now()
	if !now.Before(old.ExpiresAt) {
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errRefreshExpired)
	}
	// A disabled or deleted user keeps nothing: the family dies with the
	// account, so rotation cannot extend its life (R3, D1).
	switch active, err := s.subjectActive(ctx, old.Subject); {
	case err != nil:
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("check user: %w", err))
	case !active:
		if err := s.tokens.RevokeFamily(ctx, old.FamilyID, now); err != nil {
			return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("revoke family: %w", err))
		}
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errors.New("user disabled or deleted"))
	}
	scope, aud, err := s.refreshScope(c, old, req)
	if err != nil {
		return tokenResponse{}, err
	}
	acc, err := s.mintAccess(c, accessGrant{subject: old.Subject, clientID: c.ID, scope: scope, audience: aud},
		old.FamilyID, now)
	if err != nil {
		return tokenResponse{}, err
	}
	raw, next, err := s.newRefreshToken(old.FamilyID, c.ID, old.Subject, old.Scope, old.Audience, now)
	if err != nil {
		return tokenResponse{}, err
	}
	_, err = s.tokens.RotateRefreshToken(ctx, hash, next, acc.record)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		s.log.LogAttrs(ctx, slog.LevelWarn, "token.family_revoked",
			slog.String("request_id", web.RequestID(ctx)),
			slog.String("client_id", c.ID),
			slog.String("family_id", old.FamilyID),
			slog.String("reason", "refresh token reuse"))
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errRefreshReuse)
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errRefreshUnknown)
	case err != nil:
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("rotate refresh token: %w", err))
	}
	resp := acc.resp
	resp.RefreshToken = raw
	return resp, nil
}

// refreshScope decides the scope and audience of the access token a
// refresh issues. A requested scope must be within the refresh token's
// (RFC 6749 §6: invalid_scope otherwise) and within what c may hold now;
// without one, the token's scope minus what c may no longer hold.
// audience= and resource= may only name audiences of the refresh token
// (RFC 8707 §2.2); without them, aud is the token's audiences that c may
// still use and the scope touches.
func (s *Server) refreshScope(c Client, old RefreshToken, req tokenRequest) (scope, aud []string, err error) {
	requested, err := oauth.ParseScope(req.scope)
	if err != nil {
		return nil, nil, err
	}
	var allowed []string // the token's audiences c may still use
	for _, name := range old.Audience {
		if _, ok := s.byName[name]; ok && mayUseAPI(c, name) {
			allowed = append(allowed, name)
		}
	}
	var named []string
	for _, name := range req.audiences {
		if !slices.Contains(allowed, name) {
			return nil, nil, oauth.InvalidTarget("").WithErr(errors.New("refresh audience widened"))
		}
		named = appendUnique(named, name)
	}
	for _, res := range req.resources {
		i, ok := s.byRes[res]
		if !ok || !slices.Contains(allowed, s.apis[i].Name) {
			return nil, nil, oauth.InvalidTarget("").WithErr(errors.New("refresh resource widened"))
		}
		named = appendUnique(named, s.apis[i].Name)
	}
	if requested != nil {
		for _, sc := range requested {
			if !slices.Contains(old.Scope, sc) || !s.scopeAllowed(c, sc) {
				return nil, nil, oauth.InvalidScope("").WithErr(errors.New("refresh scope widened"))
			}
		}
		scope = requested
	} else {
		for _, sc := range old.Scope {
			if s.scopeAllowed(c, sc) && (named == nil || s.anyAPIUses(named, sc)) {
				scope = append(scope, sc)
			}
		}
	}
	if named != nil {
		slices.Sort(named)
		aud = named
	} else {
		for _, name := range allowed {
			if intersects(s.apis[s.byName[name]].Scopes, scope) {
				aud = append(aud, name)
			}
		}
	}
	if len(aud) == 0 && named == nil && slices.Equal(old.Audience, []string{s.issuer}) {
		// An OpenID Connect-only grant (no API scope): its access token's
		// audience is the issuer itself (userinfo), as at the code grant.
		aud = old.Audience
	}
	if len(aud) == 0 {
		return nil, nil, oauth.InvalidScope("the requested scope grants access to no API").
			WithErr(errors.New("empty audience on refresh"))
	}
	return scope, aud, nil
}

// userGetter is the optional capability of a user directory to look a user
// up by id (*users.Directory has it).
type userGetter interface {
	Get(ctx context.Context, id string) (users.User, error)
}

// subjectActive reports whether the user a grant was issued to still
// exists and is enabled. With no directory that can tell, it reports true.
func (s *Server) subjectActive(ctx context.Context, id string) (bool, error) {
	var dir userGetter
	if s.browser != nil {
		dir = s.browser.accounts
	} else if g, ok := s.users.(userGetter); ok {
		dir = g
	}
	if dir == nil {
		return true, nil
	}
	u, err := dir.Get(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return !u.Disabled, nil
}
