package authserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// errTokenInactive reports a token that is malformed, unknown, expired or
// revoked: for introspection, "active": false.
var errTokenInactive = errors.New("token inactive")

// checkAccessToken validates an access token of either format against the
// store (D2: a store error is returned, never taken for an answer): an
// opaque handle must be known, unexpired and not revoked; a JWT must
// verify (R6) and its jti must not be on the deny-list (D1). Any other
// refusal wraps errTokenInactive.
func (s *Server) checkAccessToken(ctx context.Context, raw string) (*token.AccessClaims, error) {
	if s.tokens == nil {
		return nil, errNoTokenStore
	}
	if prefix, ok := token.HandlePrefix(raw); ok {
		if prefix != token.PrefixAccess {
			return nil, fmt.Errorf("%w: not an access token", errTokenInactive)
		}
		t, err := s.tokens.AccessTokenByHash(ctx, s.hasher.Hash(vault.PurposeOpaqueToken, raw))
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("%w: unknown opaque token", errTokenInactive)
		case err != nil:
			return nil, err
		case !t.RevokedAt.IsZero():
			return nil, fmt.Errorf("%w: revoked", errTokenInactive)
		case !s.now().Before(t.ExpiresAt):
			return nil, fmt.Errorf("%w: %w", errTokenInactive, token.ErrExpired)
		}
		return opaqueClaims(s.issuer, t), nil
	}
	claims, err := s.verifier.VerifyAccess(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTokenInactive, err)
	}
	revoked, err := s.tokens.JTIRevoked(ctx, claims.ID)
	if err != nil {
		return nil, err
	}
	if revoked {
		return nil, fmt.Errorf("%w: revoked", errTokenInactive)
	}
	return claims, nil
}

// opaqueClaims are the claims an opaque token stands for, shaped like a
// JWT access token's (RFC 9068 §2.2): iss, sub, aud, client_id, scope,
// jti, iat, nbf (= iat) and exp.
func opaqueClaims(issuer string, t AccessToken) *token.AccessClaims {
	iat := jwt.NewNumericDate(t.IssuedAt)
	return &token.AccessClaims{
		Claims: jwt.Claims{
			Issuer:    strings.TrimSuffix(issuer, "/"),
			Subject:   t.Subject,
			Audience:  jwt.Audience(slices.Clone(t.Audience)),
			IssuedAt:  iat,
			NotBefore: iat,
			Expiry:    jwt.NewNumericDate(t.ExpiresAt),
			ID:        t.JTI,
		},
		ClientID: t.ClientID,
		Scope:    strings.Join(t.Scope, " "),
	}
}
