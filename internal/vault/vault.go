package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// KeySize is the length of the data key in bytes (AES-256).
const KeySize = 32

// sealVersion is the first byte of every sealed value. A future key
// rotation writes a new version so both formats can be told apart.
const sealVersion byte = 1

// ErrDecrypt reports a sealed value that cannot be opened: tampered,
// truncated, sealed under another key or with other additional data.
var ErrDecrypt = errors.New("vault: cannot decrypt")

// Vault seals, opens and hashes with one data key. It is safe for
// concurrent use.
type Vault struct {
	aead  cipher.AEAD
	key   []byte   // data key: input of HKDF only
	hkeys sync.Map // purpose → derived HMAC key ([]byte)
	id    string
}

// New returns a Vault for a 32-byte data key. The key is copied.
func New(key []byte) (*Vault, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("vault: encryption key must be %d bytes, got %d", KeySize, len(key))
	}
	k := append([]byte(nil), key...)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("rempart key id"))
	v := &Vault{aead: aead, key: k, id: hex.EncodeToString(m.Sum(nil)[:8])}
	for _, p := range []string{PurposeClientSecret, PurposeAPIKey, PurposeRefreshToken, PurposeOpaqueToken, PurposeAuthCode, PurposeSession} {
		if _, err := v.hashKey(p); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// FromBase64 returns a Vault for a data key given in standard base64 (as in
// an environment variable or key file). Surrounding white space is ignored.
// Errors never quote s.
func FromBase64(s string) (*Vault, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("vault: encryption key is not valid standard base64")
	}
	return New(key)
}

// DataKeyID returns a short, non-secret fingerprint of the data key (the
// first 8 bytes of HMAC-SHA-256(key, "rempart key id"), hex), for logs and
// operations: two processes with the same ID share the same key.
func (v *Vault) DataKeyID() string { return v.id }

// Seal encrypts and authenticates plaintext, binding it to additionalData
// (e.g. the record id). The result is version || nonce || ciphertext.
func (v *Vault) Seal(plaintext, additionalData []byte) ([]byte, error) {
	ns := v.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+v.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, fmt.Errorf("vault: nonce: %w", err)
	}
	return v.aead.Seal(out, out[1:1+ns], plaintext, v.aad(additionalData)), nil
}

// Open authenticates and decrypts a value from Seal with the same
// additionalData. Any failure returns ErrDecrypt.
func (v *Vault) Open(sealed, additionalData []byte) ([]byte, error) {
	ns := v.aead.NonceSize()
	if len(sealed) < 1+ns+v.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrDecrypt
	}
	pt, err := v.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], v.aad(additionalData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// aad authenticates the version byte with the caller's additional data.
func (v *Vault) aad(additionalData []byte) []byte {
	a := make([]byte, 0, 1+len(additionalData))
	a = append(a, sealVersion)
	return append(a, additionalData...)
}
