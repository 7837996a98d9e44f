// Package token signs and verifies Rempart's JSON Web Tokens with go-jose:
// RFC 9068 access tokens ("typ": "at+jwt"), the short-lived
// Rempart-Identity assertion sent to upstreams, and OpenID Connect ID tokens
// ("typ": "JWT", OIDC Core §2, at_hash §3.1.3.6) — which VerifyAccess
// refuses, so an ID token is never an access token. It also mints opaque
// handles (rpo_ access, rpr_ refresh, rpc_ code: prefix + 256 random bits in
// base64url), shape-checked before any lookup and stored by callers only as
// keyed hashes (D5). It holds no storage and
// fetches nothing: verification keys come from a KeyLookup the caller owns
// (D7: a key named in a token's own header is never trusted).
//
// # Invariants
//
//   - Tokens are JWS Compact Serialization with exactly one ES256 signature
//     (RFC 7515 §7.1); the algorithm is allow-listed before anything else is
//     looked at, so "none", HS* and RS* never reach a key (R6).
//   - The protected header may carry only "alg", "kid" and "typ"; "jwk",
//     "jku", "x5u", "x5c", "crit" or any other member is refused (D7,
//     RFC 8725 §3.10).
//   - "typ" is checked explicitly (RFC 9068 §4, RFC 8725 §3.11), so an
//     identity assertion is never accepted as an access token and vice versa.
//   - exp and iat are required, nbf is honoured, iss must match (RFC 9068 §4,
//     RFC 7519 §4.1); the clock skew tolerated is the Verifier's Leeway.
//   - Errors wrap one of the sentinels below (for metrics labels, see Reason)
//     and never contain the token or any part of it (R20).
package token
