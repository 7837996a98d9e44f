package keys

import (
	"context"
	"time"
)

// Record is a signing key as stored: the private half sealed with the data
// key (R4, AES-256-GCM), the public half in clear.
type Record struct {
	ID         string // the JWS "kid": random UUID (R16)
	Algorithm  string // "ES256"
	PublicDER  []byte // PKIX, ASN.1 DER
	SealedPriv []byte // PKCS #8 DER sealed by vault.Seal with the key id as additional data
	CreatedAt  time.Time
	RetiredAt  time.Time // zero while the key signs; set when a newer key takes over
}

// Store is the key storage the key manager needs.
type Store interface {
	// InsertSigningKey adds r and, in the same transaction, sets RetiredAt=at
	// on every key that is not yet retired (so exactly one key signs).
	InsertSigningKey(ctx context.Context, r Record, at time.Time) error
	// ListSigningKeys returns every stored key, newest first.
	ListSigningKeys(ctx context.Context) ([]Record, error)
	// DeleteSigningKey removes a retired key no token can still need;
	// ErrNotFound when absent.
	DeleteSigningKey(ctx context.Context, id string) error
}
