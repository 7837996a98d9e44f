package authserver

import (
	"context"
	"errors"
	"slices"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/users"
)

// Internal causes of password-grant failures (logged, never sent).
var (
	errPasswordNotAllowed = errors.New("client not registered for the password grant")
	errNoDirectory        = errors.New("no user directory configured")
	errBadPassword        = errors.New("invalid username or password")
	errMFARequired        = errors.New("user has MFA: interactive login required")
)

// passwordGrant runs the resource owner password credentials grant
// (RFC 6749 §4.3), which T4 allows only for clients registered with
// --allow-password-grant (their GrantTypes hold "password"), for
// migrations. Failures are counted in the jail per username and address
// (R3) and are all the same invalid_grant; a user with a second factor
// must log in interactively (A8), since this grant cannot carry one. The
// tokens are those of any user grant (issueUserTokens), with amr "pwd".
func (s *Server) passwordGrant(ctx context.Context, c Client, req tokenRequest) (tokenResponse, error) {
	if !slices.Contains(c.GrantTypes, GrantPassword) {
		return tokenResponse{}, oauth.UnauthorizedClient("").WithErr(errPasswordNotAllowed)
	}
	if s.users == nil {
		return tokenResponse{}, oauth.UnsupportedGrantType("").WithErr(errNoDirectory)
	}
	if req.username == "" || req.password == "" {
		return tokenResponse{}, oauth.InvalidRequest("username and password are required").
			WithErr(errors.New("missing username or password"))
	}
	scope, aud, err := s.scopeAndAudience(c, req)
	if err != nil {
		return tokenResponse{}, err
	}
	var keys []string
	if req.peer != "" {
		keys = append(keys, "ip:"+req.peer)
	}
	if name, err := users.NormalizeUsername(req.username); err == nil {
		keys = append(keys, "user:"+name)
	}
	if err := s.checkJail(ctx, keys); err != nil {
		return tokenResponse{}, err
	}
	u, err := s.users.Authenticate(ctx, req.username, req.password)
	switch {
	case errors.Is(err, users.ErrInvalidCredentials):
		s.failJail(ctx, keys)
		s.metrics.AuthFailed("authorization_server", "invalid_password")
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errBadPassword)
	case err != nil:
		return tokenResponse{}, oauth.ServerError("").WithErr(err)
	case u.MFAEnabled:
		return tokenResponse{}, oauth.InvalidGrant("interactive login required").WithErr(errMFARequired)
	}
	return s.issueUserTokens(ctx, c, userGrant{
		subject:  u.ID,
		scope:    scope,
		audience: aud,
		authTime: s.now(),
		amr:      []string{"pwd"},
	})
}
