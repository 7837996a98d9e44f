package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636) as Rempart applies it: S256 is required for every client
// and "plain" is refused (RFC 9700 §2.1.1), so a code_challenge seen on the
// front channel never reveals the verifier.
const (
	// PKCEMethodS256 is the only code_challenge_method accepted (RFC 7636
	// §4.2).
	PKCEMethodS256 = "S256"
	// MinVerifierLen and MaxVerifierLen bound a code_verifier (RFC 7636
	// §4.1).
	MinVerifierLen = 43
	MaxVerifierLen = 128
	// ChallengeLen is the length of an S256 code_challenge: base64url
	// without padding of a SHA-256 digest (RFC 7636 §4.2).
	ChallengeLen = 43
)

// ValidateChallenge checks the code_challenge and code_challenge_method
// parameters of an authorization request (RFC 7636 §4.3, §4.4.1): method
// must be exactly "S256" ("plain", a missing method and any other value are
// refused; RFC 9700 §2.1.1) and the challenge must be 43 characters of
// canonical base64url without padding, i.e. an encoded SHA-256 digest.
// Errors are fresh invalid_request *Error values.
func ValidateChallenge(challenge, method string) error {
	if method != PKCEMethodS256 {
		return InvalidRequest("code_challenge_method must be S256")
	}
	if !isS256Digest(challenge) {
		return InvalidRequest("code_challenge is missing or malformed")
	}
	return nil
}

// ValidateVerifier checks the syntax of a code_verifier (RFC 7636 §4.1):
// 43 to 128 characters of [A-Za-z0-9-._~]. Errors are fresh invalid_grant
// *Error values: the verifier is the proof that redeems a code, so a
// malformed one fails the grant like a wrong one (RFC 7636 §4.6; D4: the
// caller burns the code).
func ValidateVerifier(verifier string) error {
	if len(verifier) < MinVerifierLen || len(verifier) > MaxVerifierLen {
		return InvalidGrant("the code_verifier is malformed")
	}
	for i := 0; i < len(verifier); i++ {
		if !isUnreserved(verifier[i]) {
			return InvalidGrant("the code_verifier is malformed")
		}
	}
	return nil
}

// S256Challenge returns BASE64URL(SHA256(ASCII(verifier))), the S256
// code_challenge of verifier (RFC 7636 §4.2).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyPKCE reports whether verifier is a syntactically valid code_verifier
// whose S256 challenge equals challenge (RFC 7636 §4.6). The comparison is
// constant-time. A malformed verifier or challenge is never a match (fail
// closed).
func VerifyPKCE(verifier, challenge string) bool {
	if ValidateVerifier(verifier) != nil || len(challenge) != ChallengeLen {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256Challenge(verifier)), []byte(challenge)) == 1
}

// isS256Digest reports whether s is the canonical unpadded base64url
// encoding of 32 bytes.
func isS256Digest(s string) bool {
	if len(s) != ChallengeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return false
		}
	}
	var b [sha256.Size]byte
	n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(s))
	return err == nil && n == sha256.Size
}

// isUnreserved reports whether c is an RFC 3986 unreserved character, the
// code_verifier alphabet (RFC 7636 §4.1).
func isUnreserved(c byte) bool {
	return isBase64URL(c) || c == '.' || c == '~'
}

// isBase64URL reports whether c is in the base64url alphabet (RFC 4648 §5).
func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}
