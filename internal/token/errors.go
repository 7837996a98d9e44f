package token

import "errors"

// Sentinel errors: every verification error wraps exactly one of them. Their
// labels (Reason) are stable and used as metric labels.
var (
	// ErrMalformed reports input that is not a compact JWS of sane size.
	ErrMalformed = errors.New("token: malformed")
	// ErrAlgorithm reports an "alg" other than ES256 (R6).
	ErrAlgorithm = errors.New("token: algorithm not allowed")
	// ErrHeader reports a forbidden header member (jwk, jku, x5u, x5c, crit,
	// …) or a wrong "typ" (D7, RFC 9068 §4).
	ErrHeader = errors.New("token: header not allowed")
	// ErrUnknownKey reports a missing or unknown "kid".
	ErrUnknownKey = errors.New("token: unknown key")
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errors.New("token: bad signature")
	// ErrExpired reports a token past its "exp".
	ErrExpired = errors.New("token: expired")
	// ErrNotYetValid reports a token whose "nbf" or "iat" is in the future.
	ErrNotYetValid = errors.New("token: not yet valid")
	// ErrIssuer reports an "iss" other than the expected issuer.
	ErrIssuer = errors.New("token: wrong issuer")
	// ErrAudience reports an identity assertion not meant for this audience.
	ErrAudience = errors.New("token: wrong audience")
	// ErrClaims reports a required claim that is missing or invalid.
	ErrClaims = errors.New("token: invalid claims")
	// ErrUnavailable reports that a token could not be checked because
	// something it depends on (the store behind opaque tokens) is
	// unavailable: the caller fails closed (D2) without blaming the token.
	ErrUnavailable = errors.New("token: verification unavailable")
)

// reasons maps each sentinel to its label, in the order Reason tests them.
var reasons = []struct {
	err   error
	label string
}{
	{ErrMalformed, "malformed"},
	{ErrAlgorithm, "algorithm"},
	{ErrHeader, "header"},
	{ErrUnknownKey, "unknown_key"},
	{ErrSignature, "signature"},
	{ErrExpired, "expired"},
	{ErrNotYetValid, "not_yet_valid"},
	{ErrIssuer, "issuer"},
	{ErrAudience, "audience"},
	{ErrClaims, "claims"},
	{ErrUnavailable, "unavailable"},
}

// Reason returns a short, stable label for a verification error, for metrics
// and logs: "malformed", "algorithm", "header", "unknown_key", "signature",
// "expired", "not_yet_valid", "issuer", "audience", "claims", "unavailable"
// or "other".
func Reason(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return "other"
}
