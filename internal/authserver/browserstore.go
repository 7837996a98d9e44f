package authserver

import (
	"context"
	"time"
)

// Code is a stored authorization code (RFC 6749 §4.1.2, D4): only the
// keyed hash of the "rpc_" handle is kept, with everything the code was
// bound to when it was issued.
type Code struct {
	ID          string   // random UUID v4 (R16); TokenFamily.CodeID of the grant it becomes
	Hash        []byte   // vault.Hash(vault.PurposeAuthCode, handle)
	ClientID    string   // the client it was issued to
	RedirectURI string   // the redirect_uri of the request, compared exactly at redemption
	Challenge   string   // PKCE S256 code_challenge (RFC 7636 §4.2)
	Nonce       string   // OIDC nonce, echoed in the ID token; "" when none
	Scope       []string // granted scope (A4)
	Subject     string   // the user's id
	AuthTime    time.Time
	AMR         []string // RFC 8176 values, e.g. "pwd", "otp"
	ACR         string
	CreatedAt   time.Time
	ExpiresAt   time.Time // at most CodeTTL after CreatedAt
	// KeepUntil is when the row may be purged (T3). It outlives ExpiresAt
	// so that a late second redemption is still recognised as reuse and
	// revokes the tokens (D4): until the longest token lifetime has passed.
	KeepUntil time.Time
	UsedAt    time.Time // zero until redeemed (or burnt by a failed redemption)
}

// CodeStore keeps authorization codes.
type CodeStore interface {
	// CreateCode stores c; ErrConflict when its id or hash is taken.
	CreateCode(ctx context.Context, c Code) error
	// RedeemCode marks the code whose keyed hash is hash as used at now and
	// returns it, atomically (a conditional UPDATE … WHERE used_at IS NULL):
	// of concurrent calls exactly one succeeds. When the code was already
	// used it returns the code (with its UsedAt) and an error wrapping
	// store.ErrAlreadyUsed, so that the caller can revoke what it issued
	// (D4). ErrNotFound when there is no such code. Expiry is the caller's
	// to check: an expired code is still marked used.
	RedeemCode(ctx context.Context, hash []byte, now time.Time) (Code, error)
}

// Session is a browser login session: only the keyed hash of its random id
// (the cookie value) is stored.
type Session struct {
	Hash     []byte // vault.Hash(vault.PurposeSession, id)
	UserID   string
	AuthTime time.Time // when the user last entered a password
	AMR      []string  // RFC 8176 values: ["pwd"] or ["pwd","otp"]
	ACR      string
	// MFAPending marks a session whose password was checked but whose
	// second factor is still due: it only lets the user post a TOTP code.
	MFAPending bool
	CreatedAt  time.Time
	LastSeen   time.Time // idle timeout counts from here
	ExpiresAt  time.Time // absolute end
}

// SessionStore keeps login sessions.
type SessionStore interface {
	// CreateSession stores s; ErrConflict when its hash is taken.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session whose id hashes to hash; ErrNotFound
	// when none (expired ones are returned until purged: the caller checks).
	GetSession(ctx context.Context, hash []byte) (Session, error)
	// TouchSession sets LastSeen of the session hash to at; ErrNotFound
	// when none.
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	// DeleteSession removes the session; deleting a missing one is not an
	// error.
	DeleteSession(ctx context.Context, hash []byte) error
}

// Consent is the scope set a user allowed a client, remembered so that
// the consent screen is shown only for new scopes.
type Consent struct {
	UserID    string
	ClientID  string
	Scopes    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ConsentStore keeps consents, one per user and client.
type ConsentStore interface {
	// GetConsent returns the consent of userID for clientID; ErrNotFound
	// when none.
	GetConsent(ctx context.Context, userID, clientID string) (Consent, error)
	// PutConsent creates or replaces the consent of c.UserID for
	// c.ClientID (CreatedAt of an existing consent is kept).
	PutConsent(ctx context.Context, c Consent) error
	// ListConsents returns the consents of userID, ordered by client id.
	ListConsents(ctx context.Context, userID string) ([]Consent, error)
	// DeleteConsent removes the consent; ErrNotFound when none.
	DeleteConsent(ctx context.Context, userID, clientID string) error
}
