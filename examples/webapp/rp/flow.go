package rp

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// flowTTL bounds how long a user may take between /login and /callback.
const flowTTL = 10 * time.Minute

// errFlow is every reason a flow cookie is refused: absent, forged, from
// another process, or expired.
var errFlow = errors.New("rp: no valid login in progress")

// flow is what /login hands to /callback through the browser: the values
// the authorization response and the ID token must match.
type flow struct {
	State    string    `json:"state"`    // R10, RFC 6749 §10.12
	Nonce    string    `json:"nonce"`    // OIDC Core §3.1.2.1
	Verifier string    `json:"verifier"` // PKCE code_verifier, RFC 7636 §4.1
	Expires  time.Time `json:"exp"`
}

// flowSealer seals flows into cookie values with AES-256-GCM under a key
// made at start-up and never written anywhere: the browser can neither read
// the verifier nor forge a flow (a login-CSRF attacker who plants a cookie
// of his own gets it refused). A restart ends the logins in progress.
type flowSealer struct {
	aead cipher.AEAD
	rand io.Reader
}

func newFlowSealer(rand io.Reader) (*flowSealer, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, fmt.Errorf("rp: flow key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("rp: flow key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("rp: flow key: %w", err)
	}
	return &flowSealer{aead: aead, rand: rand}, nil
}

// flowAAD binds a sealed value to its purpose.
var flowAAD = []byte("rp-login-flow-v1")

// seal returns f as a cookie value: base64url(nonce ‖ ciphertext).
func (s *flowSealer) seal(f flow) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("rp: seal flow: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("rp: seal flow: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, flowAAD)), nil
}

// open returns the flow sealed in v if it is authentic and not expired at
// now; errFlow otherwise.
func (s *flowSealer) open(v string, now time.Time) (flow, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(v) // canonical values only
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return flow{}, errFlow
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], flowAAD)
	if err != nil {
		return flow{}, errFlow
	}
	var f flow
	if err := json.Unmarshal(plain, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return flow{}, errFlow
	}
	if !now.Before(f.Expires) {
		return flow{}, errFlow
	}
	return f, nil
}
