package apikey

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/names"
)

// Key format (D5, R7).
const (
	// Prefix starts every key, so that secret scanners recognise one.
	Prefix = "rpk_"
	// SecretBytes is the entropy of a key: 256 bits from crypto/rand.
	SecretBytes = 32
	// Len is the length of a key: Prefix and 43 base64url characters.
	Len = len(Prefix) + (SecretBytes*8+5)/6
	// HashPurpose is the keyed-hash purpose of API keys (vault.PurposeAPIKey).
	HashPurpose = "api-key"
)

// Issue limits.
const (
	maxNameLen = 100 // runes
	maxAPIs    = 64
	maxAPILen  = 100 // bytes
)

// Key is an issued API key as stored: never the key itself, only its keyed
// hash (D5).
type Key struct {
	ID        string    // random UUID v4 (R16)
	Name      string    // operator's label; not unique (rotation)
	APIs      []string  // API names the key is valid for
	Hash      []byte    // HMAC-SHA-256 of the key under the server key (D5)
	CreatedAt time.Time // when the key was issued
	RevokedAt time.Time // zero while the key is active
}

// Active reports whether k has not been revoked.
func (k Key) Active() bool { return k.RevokedAt.IsZero() }

// Store is the API-key storage the CLI and the gateway need.
type Store interface {
	// CreateAPIKey inserts k; store.ErrConflict when its id or hash is
	// taken. Names need not be unique.
	CreateAPIKey(ctx context.Context, k Key) error
	// APIKeyByHash returns the key whose Hash is hash, revoked or not
	// (an indexed lookup); store.ErrNotFound when none.
	APIKeyByHash(ctx context.Context, hash []byte) (Key, error)
	// ListAPIKeys returns every key, revoked ones included, ordered by
	// name, then created_at, then id.
	ListAPIKeys(ctx context.Context) ([]Key, error)
	// RevokeAPIKey sets RevokedAt = at on key id; store.ErrNotFound when
	// absent. Revoking a revoked key succeeds and keeps the first
	// revocation time.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
}

// hasher computes the keyed hash of a secret (D5); *vault.Vault is one.
type hasher interface {
	Hash(purpose, secret string) []byte
}

// SpecError reports an invalid name or API list given to Issue. Its message
// is meant for the operator (the CLI prints it and exits 1).
type SpecError struct {
	Field   string
	Message string
}

func (e *SpecError) Error() string { return e.Field + ": " + e.Message }

// Issue creates a key named name for apis with a random UUID id (R16) and a
// new 256-bit key (R7, D5), of which only the keyed hash is stored (R4). It
// returns the stored Key and the key itself, which the caller shows once
// (R5). An invalid name or API list is a *SpecError; whether the APIs exist
// and accept API keys is the caller's to check (the config is not known
// here).
func Issue(ctx context.Context, st Store, h hasher, name string, apis []string, now time.Time) (Key, string, error) {
	if err := checkName(name); err != nil {
		return Key{}, "", err
	}
	list, err := checkAPIs(apis)
	if err != nil {
		return Key{}, "", err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return Key{}, "", fmt.Errorf("apikey: id: %w", err)
	}
	raw, err := newRaw()
	if err != nil {
		return Key{}, "", err
	}
	k := Key{ID: id.String(), Name: name, APIs: list, Hash: h.Hash(HashPurpose, raw), CreatedAt: now}
	if err := st.CreateAPIKey(ctx, k); err != nil {
		// A conflict here is an id or hash collision: 2^-122 or 2^-256.
		return Key{}, "", fmt.Errorf("apikey: create: %w", err)
	}
	return k, raw, nil
}

// newRaw returns a new key: Prefix then SecretBytes from crypto/rand in
// base64url without padding.
func newRaw() (string, error) {
	var b [SecretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("apikey: random: %w", err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// checkName accepts 1 to 100 printable characters without leading or
// trailing space.
func checkName(name string) error {
	if msg := names.Check(name, maxNameLen); msg != "" {
		return &SpecError{Field: "name", Message: msg}
	}
	return nil
}

// checkAPIs accepts 1 to 64 API names of printable ASCII without spaces and
// returns them without duplicates, in the order given.
func checkAPIs(apis []string) ([]string, error) {
	if len(apis) == 0 {
		return nil, &SpecError{Field: "api", Message: "at least one API is required"}
	}
	var out []string
	for _, a := range apis {
		if a == "" || len(a) > maxAPILen || strings.ContainsFunc(a, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return nil, &SpecError{Field: "api", Message: fmt.Sprintf("API names are 1 to %d printable ASCII characters without spaces", maxAPILen)}
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) > maxAPIs {
		return nil, &SpecError{Field: "api", Message: fmt.Sprintf("at most %d APIs per key", maxAPIs)}
	}
	return out, nil
}
