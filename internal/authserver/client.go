package authserver

import (
	"context"
	"time"
)

// Client authentication methods (RFC 7591 §2 token_endpoint_auth_method).
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt"
	AuthTLSClient     = "tls_client_auth"
)

// Grant types (RFC 6749 grant_type values) a client may be registered for.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantPassword          = "password"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
)

// Client is a registered OAuth client. Secrets are never held in clear: only
// their keyed hashes (D5) are stored.
type Client struct {
	ID           string   // random UUID v4 (R16)
	Name         string   // human label, unique
	AuthMethod   string   // one of the Auth* constants
	GrantTypes   []string // RFC grant_type values
	Scopes       []string // scopes the client may hold
	RedirectURIs []string // exact-match list (R9)
	APIs         []string // API names whose scopes the client may hold; empty = all
	TokenFormat  string   // "" (server default), "jwt" or "opaque"
	SecretHash   []byte   // HMAC-SHA-256 of the current secret under the server key (D5); nil for key-based methods
	// PrevSecretHash is the previous secret's hash, accepted until
	// PrevSecretExpires (rotate-secret --grace); nil when none.
	PrevSecretHash    []byte
	PrevSecretExpires time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time

	// JWKS is the client's JWK set (RFC 7517 §5), public keys only, for
	// private_key_jwt (RFC 7523 §2.2); nil for other methods.
	JWKS []byte

	// RequireMFA makes every browser login for this client need a second
	// factor (A8; `client create --require-mfa`).
	RequireMFA bool
}

// ClientStore is the client storage the authorization server and the CLI need.
type ClientStore interface {
	// CreateClient inserts c; ErrConflict when the id or name is taken.
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns the client with id; ErrNotFound when absent.
	GetClient(ctx context.Context, id string) (Client, error)
	// ListClients returns every client ordered by name.
	ListClients(ctx context.Context) ([]Client, error)
	// DeleteClient removes the client and, in the same transaction,
	// revokes every token issued to it: it joins the revoked-clients list
	// (RevocationFeed) for RevokedClientRetention, and its refresh
	// families and recorded access tokens are revoked, their jtis
	// deny-listed (D1). Either all of it happens or nothing (D2).
	// ErrNotFound when absent.
	DeleteClient(ctx context.Context, id string) error
	// UpdateClientSecret replaces the secret hashes of client id (rotation);
	// ErrNotFound when absent.
	UpdateClientSecret(ctx context.Context, id string, u SecretUpdate) error
}

// SecretUpdate is the new secret state written by a secret rotation.
type SecretUpdate struct {
	SecretHash        []byte
	PrevSecretHash    []byte    // nil: the old secret stops at once
	PrevSecretExpires time.Time // zero when PrevSecretHash is nil
	UpdatedAt         time.Time
}
