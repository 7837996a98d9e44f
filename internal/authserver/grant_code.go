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
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// Internal causes of authorization-code grant failures (logged, never
// sent: the client always gets the same invalid_grant).
var (
	errCodeMalformed   = errors.New("code is not a well-formed rpc_ handle")
	errCodeUnknown     = errors.New("unknown code")
	errCodeReused      = errors.New("code already used: tokens issued from it revoked")
	errCodeOtherClient = errors.New("code issued to another client")
	errCodeExpired     = errors.New("code expired")
	errCodeRedirect    = errors.New("redirect_uri differs from the authorization request")
	errCodePKCE        = errors.New("code_verifier does not match the code challenge")
	errCodeUserGone    = errors.New("user disabled or deleted since the code was issued")
)

// authorizationCodeGrant redeems an authorization code (RFC 6749 §4.1.3)
// for the authenticated client c. The store marks the code used before
// anything is checked, in one atomic step, so that:
//   - a failed redemption (another client, another redirect URI, a wrong
//     or missing PKCE verifier, an expired code) burns the code (D4);
//   - a second redemption — of a code redeemed or burnt — revokes every
//     token issued from it (RFC 6749 §4.1.2, RFC 9700 §4.5; D4).
//
// The tokens are those of every user grant (issueUserTokens, A3, T2) plus
// an ID token when the scope holds openid (OIDC Core §3.1.3.3).
func (s *Server) authorizationCodeGrant(ctx context.Context, c Client, req tokenRequest) (tokenResponse, error) {
	if s.browser == nil {
		return tokenResponse{}, oauth.UnsupportedGrantType("").WithErr(errors.New("browser flow not configured"))
	}
	if !slices.Contains(c.GrantTypes, GrantAuthorizationCode) {
		return tokenResponse{}, oauth.UnauthorizedClient("").
			WithErr(errors.New("client not registered for authorization_code"))
	}
	if req.code == "" {
		return tokenResponse{}, oauth.InvalidRequest("code is required").WithErr(errors.New("no code"))
	}
	if token.ParseHandle(req.code, token.PrefixCode) != nil {
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeMalformed)
	}
	now := s.now()
	code, err := s.browser.codes.RedeemCode(ctx, s.hasher.Hash(vault.PurposeAuthCode, req.code), now)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		if rerr := s.revokeCodeGrant(ctx, code.ID); rerr != nil {
			// The reuse is refused either way; the revocation failure is
			// an error to see (D2).
			return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("code reuse: %w", rerr))
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "authorization code reused",
			slog.String("event", "token.revoked"), slog.String("request_id", web.RequestID(ctx)),
			slog.String("client_id", c.ID), slog.String("code_id", code.ID), slog.String("subject", code.Subject))
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeReused)
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeUnknown)
	case err != nil:
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("redeem code: %w", err))
	}
	// From here the code is used: every refusal burns it (D4).
	switch {
	case code.ClientID != c.ID:
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeOtherClient)
	case !now.Before(code.ExpiresAt):
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeExpired)
	case req.redirectURI != code.RedirectURI:
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeRedirect)
	case !oauth.VerifyPKCE(req.codeVerifier, code.Challenge):
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodePKCE)
	}
	u, err := s.browser.accounts.Get(ctx, code.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled):
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errCodeUserGone)
	case err != nil:
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("get user: %w", err))
	}
	// A4: the client may have lost scopes since the code was issued.
	var scope []string
	for _, sc := range code.Scope {
		if s.scopeAllowed(c, sc) {
			scope = append(scope, sc)
		}
	}
	if len(scope) == 0 {
		return tokenResponse{}, oauth.InvalidGrant("").WithErr(errors.New("no scope left for the client"))
	}
	aud, err := s.codeAudience(c, scope, req)
	if err != nil {
		return tokenResponse{}, err
	}
	resp, err := s.issueUserTokens(ctx, c, userGrant{
		subject: code.Subject, scope: scope, audience: aud,
		authTime: code.AuthTime, amr: code.AMR, codeID: code.ID,
	})
	if err != nil {
		return tokenResponse{}, err
	}
	if slices.Contains(scope, ScopeOpenID) {
		if resp.IDToken, err = s.signIDToken(c, code, u, scope, resp.AccessToken, now); err != nil {
			return tokenResponse{}, err
		}
	}
	return resp, nil
}

// codeAudience decides the aud of the access token of a code grant:
// audience=NAME and resource=URL on the token request when present
// (RFC 8707 §2.2), else every API the client may use whose scopes the
// granted scope touches. A grant of OpenID Connect scopes only gets the
// issuer itself as audience: its token is good for userinfo and for no
// API behind the gateway.
func (s *Server) codeAudience(c Client, scope []string, req tokenRequest) ([]string, error) {
	if len(req.audiences)+len(req.resources) > 0 {
		_, aud, err := s.scopeAndAudience(c, tokenRequest{scope: oauth.FormatScope(scope),
			audiences: req.audiences, resources: req.resources})
		return aud, err
	}
	var aud []string
	for _, a := range s.apis {
		if mayUseAPI(c, a.Name) && intersects(a.Scopes, scope) {
			aud = append(aud, a.Name)
		}
	}
	if len(aud) == 0 {
		aud = []string{s.issuer}
	}
	return aud, nil
}
