package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// MaxTokenSize is the longest token the Verifier parses, in bytes; longer
// input is rejected before any decoding.
const MaxTokenSize = 8 << 10

// es256SigLen is the length of an ES256 signature (RFC 7518 §3.4: R || S).
const es256SigLen = 64

// allowedAlgs is the signature algorithm allow-list handed to go-jose (R6).
var allowedAlgs = []jose.SignatureAlgorithm{jose.ES256}

// VerifyAccess verifies an RFC 9068 JWT access token and returns its claims.
// It checks, in order: size and compact form, alg (ES256 only), the header
// members (only alg, kid, typ; D7), typ ("at+jwt" or "application/at+jwt"),
// the kid against v.Keys, the signature, then iss, exp, nbf, iat (with
// v.Leeway), and that sub, client_id, jti and aud are present. It does not
// match aud: the caller does, per API (RFC 9068 §4).
func (v *Verifier) VerifyAccess(raw string) (*AccessClaims, error) {
	var c AccessClaims
	if err := v.verify(raw, TypeAccess, &c); err != nil {
		return nil, err
	}
	if err := v.checkClaims(&c.Claims); err != nil {
		return nil, err
	}
	if c.ClientID == "" {
		return nil, fmt.Errorf("%w: client_id missing", ErrClaims)
	}
	if len(c.Audience) == 0 {
		return nil, fmt.Errorf("%w: aud missing", ErrClaims)
	}
	return &c, nil
}

// VerifyIdentity verifies a Rempart-Identity assertion with the same rules
// as VerifyAccess, for header typ "rempart-identity+jwt", and checks that
// aud contains audience. client_id is not required (an assertion may stand
// for an API key's application only through sub).
func (v *Verifier) VerifyIdentity(raw, audience string) (*IdentityClaims, error) {
	var c IdentityClaims
	if err := v.verify(raw, TypeIdentity, &c); err != nil {
		return nil, err
	}
	if err := v.checkClaims(&c.Claims); err != nil {
		return nil, err
	}
	if audience == "" || !c.Audience.Contains(audience) {
		return nil, ErrAudience
	}
	return &c, nil
}

// verify checks everything up to and including the signature, then decodes
// the payload into dest.
func (v *Verifier) verify(raw, typ string, dest any) error {
	if len(raw) == 0 || len(raw) > MaxTokenSize {
		return fmt.Errorf("%w: empty or longer than %d bytes", ErrMalformed, MaxTokenSize)
	}
	kid, err := checkHeader(raw, typ)
	if err != nil {
		return err
	}
	tok, err := jwt.ParseSigned(raw, allowedAlgs)
	if err != nil {
		// go-jose error text may quote header bytes: never pass it on.
		var algErr *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &algErr) {
			return ErrAlgorithm
		}
		return fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID != kid {
		return fmt.Errorf("%w: expected exactly one signature", ErrMalformed)
	}
	key, err := v.key(kid)
	if err != nil {
		return err
	}
	if err := tok.Claims(key, dest); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return ErrSignature
		}
		return fmt.Errorf("%w: payload is not a JSON claims set", ErrClaims)
	}
	return nil
}

// key returns the P-256 public key named kid. The key comes only from
// v.Keys, never from the token (D7).
func (v *Verifier) key(kid string) (*ecdsa.PublicKey, error) {
	if v.Keys == nil {
		return nil, fmt.Errorf("%w: no key set", ErrUnknownKey)
	}
	k, err := v.Keys.VerificationKey(kid)
	if err != nil {
		return nil, ErrUnknownKey
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub == nil || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: key is not ECDSA P-256", ErrUnknownKey)
	}
	return pub, nil
}

// checkClaims checks the registered claims common to every Rempart JWT
// (RFC 7519 §4.1, RFC 9068 §4).
func (v *Verifier) checkClaims(c *jwt.Claims) error {
	if v.Issuer == "" || c.Issuer != v.Issuer {
		return ErrIssuer
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if c.Expiry == nil {
		return fmt.Errorf("%w: exp missing", ErrClaims)
	}
	if !now.Before(c.Expiry.Time().Add(v.Leeway)) {
		return ErrExpired
	}
	if c.NotBefore != nil && now.Add(v.Leeway).Before(c.NotBefore.Time()) {
		return fmt.Errorf("%w: nbf in the future", ErrNotYetValid)
	}
	if c.IssuedAt == nil {
		return fmt.Errorf("%w: iat missing", ErrClaims)
	}
	if now.Add(v.Leeway).Before(c.IssuedAt.Time()) {
		return fmt.Errorf("%w: iat in the future", ErrNotYetValid)
	}
	if c.Subject == "" {
		return fmt.Errorf("%w: sub missing", ErrClaims)
	}
	if c.ID == "" {
		return fmt.Errorf("%w: jti missing", ErrClaims)
	}
	return nil
}

// checkHeader inspects the protected header before go-jose parses the
// token, and returns its kid. Only "alg", "kid" and "typ" are allowed, so a
// token naming its own key (jwk, jku, x5u, x5c) or demanding extensions
// (crit, b64) is refused (D7, RFC 8725 §3.10). The signature segment must be
// canonical base64url of 64 bytes, so a token's bytes cannot be varied
// without breaking its signature.
func checkHeader(raw, typ string) (string, error) {
	h, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return "", fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	_, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return "", fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	hb, err := base64.RawURLEncoding.Strict().DecodeString(h)
	if err != nil {
		return "", fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(hb, &members); err != nil || members == nil {
		return "", fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	var alg string
	if err := json.Unmarshal(members["alg"], &alg); err != nil || alg != string(jose.ES256) {
		return "", ErrAlgorithm
	}
	for name := range members {
		switch name {
		case "alg", "kid", "typ":
		default:
			return "", fmt.Errorf("%w: member not allowed", ErrHeader)
		}
	}
	var got string
	if err := json.Unmarshal(members["typ"], &got); err != nil || !typeMatches(got, typ) {
		return "", fmt.Errorf("%w: wrong typ", ErrHeader)
	}
	var kid string
	if err := json.Unmarshal(members["kid"], &kid); err != nil || kid == "" {
		return "", fmt.Errorf("%w: kid missing", ErrUnknownKey)
	}
	var sb [es256SigLen]byte
	if base64.RawURLEncoding.EncodedLen(es256SigLen) != len(sig) {
		return "", ErrSignature
	}
	if n, err := base64.RawURLEncoding.Strict().Decode(sb[:], []byte(sig)); err != nil || n != es256SigLen {
		return "", fmt.Errorf("%w: signature is not canonical base64url", ErrMalformed)
	}
	return kid, nil
}

// typeMatches reports whether the header typ got names want, ignoring case
// and an "application/" prefix (RFC 7515 §4.1.9, RFC 9068 §2.1).
func typeMatches(got, want string) bool {
	if len(got) > len("application/") && strings.EqualFold(got[:len("application/")], "application/") {
		got = got[len("application/"):]
	}
	return strings.EqualFold(got, want)
}
