package authserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/token"
)

// accessGrant is what a grant decided: who the token is about, for which
// client, with which scope and audience.
type accessGrant struct {
	subject  string
	clientID string
	scope    []string
	audience []string // API names
}

// issueAccessToken signs an RFC 9068 JWT access token for g with the
// current signing key: iss, sub, aud, client_id, scope, iat, nbf, exp and a
// random UUID jti (RFC 9068 §2.2, R16). Any failure is a generic
// server_error: no token is issued (D2).
func (s *Server) issueAccessToken(_ context.Context, g accessGrant) (tokenResponse, error) {
	signer, err := s.currentSigner()
	if err != nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(err)
	}
	jti, err := uuid.NewRandom()
	if err != nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("jti: %w", err))
	}
	now := s.now()
	iat := jwt.NewNumericDate(now)
	scope := oauth.FormatScope(g.scope)
	claims := &token.AccessClaims{
		Claims: jwt.Claims{
			Issuer:    s.issuer,
			Subject:   g.subject,
			Audience:  jwt.Audience(g.audience),
			IssuedAt:  iat,
			NotBefore: iat,
			Expiry:    jwt.NewNumericDate(now.Add(s.ttl)),
			ID:        jti.String(),
		},
		ClientID: g.clientID,
		Scope:    scope,
	}
	tok, err := signer.Sign(claims)
	if err != nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(err)
	}
	return tokenResponse{
		AccessToken: tok,
		TokenType:   "Bearer",
		ExpiresIn:   int64(s.ttl / time.Second),
		Scope:       scope,
	}, nil
}

// currentSigner returns a token.Signer for the key that signs now, reusing
// the cached one while the key id is unchanged.
func (s *Server) currentSigner() (*token.Signer, error) {
	k, err := s.keys.SigningKey()
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if k.ID == "" {
		return nil, errors.New("signing key has no id")
	}
	if cur := s.signer.Load(); cur != nil && cur.kid == k.ID {
		return cur.signer, nil
	}
	sg, err := token.NewSigner(k, token.TypeAccess)
	if err != nil {
		return nil, err
	}
	s.signer.Store(&keySigner{kid: k.ID, signer: sg})
	return sg, nil
}
