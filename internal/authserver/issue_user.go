package authserver

// Issuing tokens for a user grant. Every grant that authenticates a user
// (the password grant, the authorization-code grant) ends here:
//
//	resp, err := s.issueUserTokens(ctx, c, userGrant{
//		subject:  user.ID,
//		scope:    granted,  // client scopes ∩ requested ∩ consented (A4)
//		audience: aud,      // API names (see scopeAndAudience)
//		authTime: authTime, // when the user authenticated
//		amr:      []string{"pwd", "otp"},
//		codeID:   code.ID,  // authorization-code grant only (D4)
//	})
//
// It creates a token family (one per grant), an access token in the
// client's format (JWT or opaque, A3) recorded with its jti and expiry so
// that revoking the family deny-lists it, and — when the client has the
// refresh_token grant and the granted scope holds offline_access (contract
// "Clients and grants") — a refresh token, stored only as a keyed hash
// (D5). The caller adds what is its own to the response (an ID token).
//
// A second redemption of an authorization code calls
// s.revokeCodeGrant(ctx, codeID): the family created from it and every
// token issued from it are revoked (D4). s.checkAccessToken validates an
// access token of either format, revocation included (userinfo).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// ScopeOfflineAccess asks for a refresh token (OpenID Connect Core §11).
const ScopeOfflineAccess = "offline_access"

// userGrant is what a user grant decided.
type userGrant struct {
	subject  string   // the user's id
	scope    []string // granted scope
	audience []string // API names
	authTime time.Time
	amr      []string
	codeID   string // the authorization code redeemed; "" for other grants
}

// mintedAccess is an access token ready to hand out, with its record.
type mintedAccess struct {
	resp   tokenResponse
	record AccessToken
}

// issueUserTokens issues the tokens of a new user grant (see the top of
// this file). Nothing is handed out unless the grant is stored (D2).
func (s *Server) issueUserTokens(ctx context.Context, c Client, g userGrant) (tokenResponse, error) {
	if s.tokens == nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(errNoTokenStore)
	}
	now := s.now()
	fid, err := uuid.NewRandom()
	if err != nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("family id: %w", err))
	}
	familyID := fid.String()
	acc, err := s.mintAccess(c, accessGrant{subject: g.subject, clientID: c.ID, scope: g.scope, audience: g.audience},
		familyID, now)
	if err != nil {
		return tokenResponse{}, err
	}
	grant := Grant{
		Family: TokenFamily{ID: familyID, ClientID: c.ID, Subject: g.subject, CodeID: g.codeID,
			AuthTime: g.authTime, AMR: slices.Clone(g.amr), CreatedAt: now, ExpiresAt: acc.record.ExpiresAt},
		Access: acc.record,
	}
	resp := acc.resp
	if wantsRefreshToken(c, g.scope) {
		raw, rt, err := s.newRefreshToken(familyID, c.ID, g.subject, g.scope, g.audience, now)
		if err != nil {
			return tokenResponse{}, err
		}
		grant.Refresh = &rt
		grant.Family.ExpiresAt = later(grant.Family.ExpiresAt, rt.ExpiresAt)
		resp.RefreshToken = raw
	}
	if err := s.tokens.CreateGrant(ctx, grant); err != nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("store grant: %w", err))
	}
	return resp, nil
}

// revokeCodeGrant revokes every token issued from the authorization code
// codeID (D4: a second redemption). A code that issued nothing yet is not
// an error.
func (s *Server) revokeCodeGrant(ctx context.Context, codeID string) error {
	if s.tokens == nil {
		return errNoTokenStore
	}
	err := s.tokens.RevokeFamilyByCode(ctx, codeID, s.now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("authserver: revoke code grant: %w", err)
	}
	return nil
}

// wantsRefreshToken reports whether a grant of scope to c comes with a
// refresh token (contract "Clients and grants").
func wantsRefreshToken(c Client, scope []string) bool {
	return slices.Contains(c.GrantTypes, GrantRefreshToken) && slices.Contains(scope, ScopeOfflineAccess)
}

// tokenFormat is c's access-token format: its own, else the server's.
func (s *Server) tokenFormat(c Client) string {
	if c.TokenFormat != "" {
		return c.TokenFormat
	}
	return s.format
}

// mintAccess creates an access token for g in c's format, with a random
// UUID jti (R16), valid from now for the access-token lifetime, and the
// record that describes it (familyID may be ""). A JWT carries the claims
// issueAccessToken puts in one (RFC 9068 §2.2); an opaque token is a
// token.PrefixAccess handle whose keyed hash is the record's Hash (D5).
func (s *Server) mintAccess(c Client, g accessGrant, familyID string, now time.Time) (mintedAccess, error) {
	jti, err := uuid.NewRandom()
	if err != nil {
		return mintedAccess{}, oauth.ServerError("").WithErr(fmt.Errorf("jti: %w", err))
	}
	rec := AccessToken{
		JTI: jti.String(), FamilyID: familyID, ClientID: g.clientID, Subject: g.subject,
		Scope: slices.Clone(g.scope), Audience: slices.Clone(g.audience),
		IssuedAt: now, ExpiresAt: now.Add(s.ttl),
	}
	scope := oauth.FormatScope(g.scope)
	var raw string
	switch s.tokenFormat(c) {
	case FormatOpaque:
		if raw, err = token.NewHandle(token.PrefixAccess); err != nil {
			return mintedAccess{}, oauth.ServerError("").WithErr(err)
		}
		rec.Hash = s.hasher.Hash(vault.PurposeOpaqueToken, raw)
	default:
		signer, err := s.currentSigner()
		if err != nil {
			return mintedAccess{}, oauth.ServerError("").WithErr(err)
		}
		iat := jwt.NewNumericDate(now)
		raw, err = signer.Sign(&token.AccessClaims{
			Claims: jwt.Claims{
				Issuer: s.issuer, Subject: g.subject, Audience: jwt.Audience(g.audience),
				IssuedAt: iat, NotBefore: iat, Expiry: jwt.NewNumericDate(rec.ExpiresAt), ID: rec.JTI,
			},
			ClientID: g.clientID,
			Scope:    scope,
		})
		if err != nil {
			return mintedAccess{}, oauth.ServerError("").WithErr(err)
		}
	}
	return mintedAccess{
		resp:   tokenResponse{AccessToken: raw, TokenType: "Bearer", ExpiresIn: int64(s.ttl / time.Second), Scope: scope},
		record: rec,
	}, nil
}

// newRefreshToken returns a new refresh token handle (256 bits, R7) and
// its stored form (keyed hash only, D5), valid for the refresh lifetime.
func (s *Server) newRefreshToken(familyID, clientID, subject string, scope, aud []string, now time.Time) (string, RefreshToken, error) {
	raw, err := token.NewHandle(token.PrefixRefresh)
	if err != nil {
		return "", RefreshToken{}, oauth.ServerError("").WithErr(err)
	}
	return raw, RefreshToken{
		Hash: s.hasher.Hash(vault.PurposeRefreshToken, raw), FamilyID: familyID, ClientID: clientID,
		Subject: subject, Scope: slices.Clone(scope), Audience: slices.Clone(aud),
		IssuedAt: now, ExpiresAt: now.Add(s.refreshTTL),
	}, nil
}

// issueClientAccess issues the access token of a client_credentials grant:
// a JWT through issueAccessToken, which writes nothing to the store (the
// fast path), or an opaque token, which exists only as its stored record.
func (s *Server) issueClientAccess(ctx context.Context, c Client, g accessGrant) (tokenResponse, error) {
	if s.tokenFormat(c) != FormatOpaque {
		return s.issueAccessToken(ctx, g)
	}
	if s.tokens == nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(errNoTokenStore)
	}
	acc, err := s.mintAccess(c, g, "", s.now())
	if err != nil {
		return tokenResponse{}, err
	}
	if err := s.tokens.CreateAccessToken(ctx, acc.record); err != nil {
		return tokenResponse{}, oauth.ServerError("").WithErr(fmt.Errorf("store access token: %w", err))
	}
	return acc.resp, nil
}

// errNoTokenStore is the cause logged when a feature needs Deps.Tokens.
var errNoTokenStore = errors.New("no token store configured")

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
