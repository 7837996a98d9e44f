package authserver

import (
	"context"
	"errors"
	"time"
)

// Access-token formats (A3): a client's TokenFormat or
// Config.AccessTokenFormat.
const (
	FormatJWT    = "jwt"    // RFC 9068 JWT, verified locally; revoked through the jti deny-list
	FormatOpaque = "opaque" // token.PrefixAccess handle, looked up by keyed hash (D5)
)

// DefaultRefreshTokenTTL is the refresh-token lifetime when Config leaves
// it zero (R8, T2).
const DefaultRefreshTokenTTL = 24 * time.Hour

// checkTokenFormat accepts "", FormatJWT and FormatOpaque.
func checkTokenFormat(f string) error {
	switch f {
	case "", FormatJWT, FormatOpaque:
		return nil
	}
	return errors.New("authserver: access token format must be jwt or opaque")
}

// TokenFamily is one user grant (a password grant or a redeemed
// authorization code) and every token issued from it: its refresh tokens,
// each rotation's successor, and the access tokens issued with them.
// Revoking the family revokes them all (T2, D4).
type TokenFamily struct {
	ID       string // random UUID v4 (R16)
	ClientID string
	Subject  string // the user's id
	CodeID   string // the authorization code the grant came from; "" for other grants
	AuthTime time.Time
	AMR      []string // authentication methods (RFC 8176), e.g. "pwd", "otp"
	// ExpiresAt is when the last token of the family expires; the store
	// keeps it at least as late as every token it holds (T3: purge).
	ExpiresAt time.Time
	CreatedAt time.Time
	RevokedAt time.Time // zero while active
}

// RefreshToken is a stored refresh token: only its keyed hash (D5), never
// the token.
type RefreshToken struct {
	Hash      []byte // vault.Hash(vault.PurposeRefreshToken, handle)
	FamilyID  string
	ClientID  string
	Subject   string
	Scope     []string // granted scope; identical across rotations (RFC 6749 §6)
	Audience  []string // API names
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until rotated; a used token presented again is reuse (T2)
	RevokedAt time.Time // zero unless its family was revoked
}

// AccessToken is the record of an issued access token: every opaque token
// (Hash set, the only way to validate it) and every JWT issued for a user
// grant (Hash nil), so that revoking its family can deny-list its jti.
// client_credentials JWTs are not recorded.
type AccessToken struct {
	JTI       string // random UUID v4 (R16)
	Hash      []byte // opaque: vault.Hash(vault.PurposeOpaqueToken, handle); JWT: nil
	FamilyID  string // "" for client_credentials
	ClientID  string
	Subject   string
	Scope     []string
	Audience  []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while active
}

// Grant is what a new user grant stores at once: its family, its first
// access token and, when one is issued, its first refresh token.
type Grant struct {
	Family  TokenFamily
	Access  AccessToken
	Refresh *RefreshToken // nil: no refresh token (no offline_access)
}

// RevokedJTI is an entry of the jti deny-list (D1): the access token jti is
// refused until ExpiresAt, its own expiry.
type RevokedJTI struct {
	JTI       string
	ExpiresAt time.Time
	RevokedAt time.Time
}

// RevokedClient is an entry of the revoked-clients list (D1): every access
// token of the deleted client ClientID is refused until ExpiresAt, by when
// the longest-lived of them has expired. client_credentials JWTs are not
// recorded at issuance, so this is how a gateway refuses them.
type RevokedClient struct {
	ClientID  string
	RevokedAt time.Time
	ExpiresAt time.Time
}

// RevokedClientRetention is how long a deleted client stays on the
// revoked-clients list: longer than any access-token lifetime the
// configuration accepts without allow_long_lifetimes (1 h, T1) and than the
// refresh-token ceiling (30 days, T2). ClientStore.DeleteClient has no
// lifetime parameter, so the store uses this constant.
const RevokedClientRetention = 30 * 24 * time.Hour

// GrantStore keeps token families and refresh tokens (T2, D4). Every
// method is atomic; ErrNotFound, ErrConflict and ErrAlreadyUsed are the
// store package's sentinels.
type GrantStore interface {
	// CreateGrant stores g's family, access-token record and optional
	// refresh token in one transaction; ErrConflict when an id, jti or
	// hash is taken.
	CreateGrant(ctx context.Context, g Grant) error
	// RefreshTokenByHash returns the refresh token whose keyed hash is
	// hash, used and revoked ones included; ErrNotFound when none.
	RefreshTokenByHash(ctx context.Context, hash []byte) (RefreshToken, error)
	// RotateRefreshToken consumes the refresh token oldHash, if it is
	// neither used nor revoked, and stores next (its successor, in the
	// same family) and access (the access token issued with it) in the
	// same transaction; it returns the consumed token. When oldHash was
	// already used or revoked — reuse — it revokes the whole family (its
	// refresh tokens, the family and every access token of it, whose jtis
	// join the deny-list) in one transaction, even when several rotations
	// race, and returns ErrAlreadyUsed. ErrNotFound when there is no such
	// token.
	RotateRefreshToken(ctx context.Context, oldHash []byte, next RefreshToken, access AccessToken) (RefreshToken, error)
	// RevokeFamily revokes the family, its refresh tokens and its access
	// tokens (deny-listing their jtis) at at; revoking twice is harmless.
	// ErrNotFound when no such family.
	RevokeFamily(ctx context.Context, familyID string, at time.Time) error
	// RevokeFamilyByCode revokes, like RevokeFamily, the family created
	// from the authorization code codeID (D4: code reuse); ErrNotFound
	// when none.
	RevokeFamilyByCode(ctx context.Context, codeID string, at time.Time) error
}

// AccessTokenStore keeps opaque access tokens and the jti deny-list.
type AccessTokenStore interface {
	// CreateAccessToken records an access token that belongs to no family
	// (an opaque client_credentials token); ErrConflict when its jti or
	// hash is taken.
	CreateAccessToken(ctx context.Context, t AccessToken) error
	// AccessTokenByHash returns the opaque access token whose keyed hash is
	// hash, revoked or expired ones included; ErrNotFound when none.
	AccessTokenByHash(ctx context.Context, hash []byte) (AccessToken, error)
	// RevokeAccessToken puts jti on the deny-list until exp and marks its
	// record, if any, revoked; revoking twice is harmless. When it returns
	// nil the revocation is durable (D2, D6).
	RevokeAccessToken(ctx context.Context, jti string, exp, at time.Time) error
	// JTIRevoked reports whether jti is on the deny-list.
	JTIRevoked(ctx context.Context, jti string) (bool, error)
}

// AssertionStore remembers the jtis of client assertions (RFC 7523 §3
// item 7: replay).
type AssertionStore interface {
	// UseClientAssertion records jti for clientID until exp;
	// ErrAlreadyUsed when it was already recorded.
	UseClientAssertion(ctx context.Context, clientID, jti string, exp time.Time) error
}

// TokenStore is everything the authorization server stores about tokens.
type TokenStore interface {
	GrantStore
	AccessTokenStore
	AssertionStore
}

// RevocationFeed is what a DenyList polls.
type RevocationFeed interface {
	// RevokedJTIsSince returns the deny-list entries whose RevokedAt is at
	// or after since (every entry for the zero time), expired ones
	// included until they are purged.
	RevokedJTIsSince(ctx context.Context, since time.Time) ([]RevokedJTI, error)
	// RevokedClientsSince returns the revoked clients whose RevokedAt is
	// at or after since (every entry for the zero time), expired ones
	// included until they are purged.
	RevokedClientsSince(ctx context.Context, since time.Time) ([]RevokedClient, error)
}
