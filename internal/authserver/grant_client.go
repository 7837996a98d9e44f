package authserver

import (
	"context"
	"errors"
	"slices"

	"github.com/rempart/rempart/internal/oauth"
)

// clientCredentials runs the client credentials grant (RFC 6749 §4.4) for
// the authenticated client c: the token's subject is the client itself.
func (s *Server) clientCredentials(ctx context.Context, c Client, req tokenRequest) (tokenResponse, error) {
	if !slices.Contains(c.GrantTypes, GrantClientCredentials) {
		return tokenResponse{}, oauth.UnauthorizedClient("").
			WithErr(errors.New("client not registered for client_credentials"))
	}
	scope, aud, err := s.scopeAndAudience(c, req)
	if err != nil {
		return tokenResponse{}, err
	}
	return s.issueClientAccess(ctx, c, accessGrant{
		subject:  c.ID,
		clientID: c.ID,
		scope:    scope,
		audience: aud,
	})
}
