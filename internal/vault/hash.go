package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Purposes of keyed hashes (D5): each has its own derived key.
const (
	PurposeClientSecret = "client-secret"
	PurposeAPIKey       = "api-key"
	PurposeRefreshToken = "refresh-token"
	PurposeOpaqueToken  = "opaque-token"
	PurposeAuthCode     = "auth-code"
	PurposeSession      = "session"
)

// SecretBytes is the entropy of a secret from NewSecret (R7: ≥ 256 bits).
const SecretBytes = 32

// Hash returns HMAC-SHA-256(secret) under the key derived from the data key
// for purpose (HKDF-SHA-256, info "rempart/"+purpose). It is deterministic,
// so the result can be stored and looked up; it is meant for generated
// high-entropy secrets only, not for human passwords (D5).
func (v *Vault) Hash(purpose, secret string) []byte {
	k, err := v.hashKey(purpose)
	if err != nil {
		// HKDF-SHA-256 fails only for a key length above 255*32 bytes.
		panic(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// Matches reports in constant time whether secret hashes to hash for purpose.
func (v *Vault) Matches(purpose, secret string, hash []byte) bool {
	return hmac.Equal(v.Hash(purpose, secret), hash)
}

// hashKey returns the cached derived key for purpose, deriving it once.
func (v *Vault) hashKey(purpose string) ([]byte, error) {
	if k, ok := v.hkeys.Load(purpose); ok {
		return k.([]byte), nil
	}
	k, err := hkdf.Key(sha256.New, v.key, nil, "rempart/"+purpose, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("vault: derive key: %w", err)
	}
	got, _ := v.hkeys.LoadOrStore(purpose, k)
	return got.([]byte), nil
}

// NewSecret returns a new secret of SecretBytes from crypto/rand, encoded as
// base64url without padding (43 characters; R7, D5).
func NewSecret() (string, error) {
	var b [SecretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("vault: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
