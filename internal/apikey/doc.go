// Package apikey issues and checks the API keys that identify a calling
// application on the gateway's public APIs (A1: APIs with auth: api_key).
//
// # Keys
//
// A key is "rpk_" followed by 43 base64url characters encoding 32 bytes from
// crypto/rand (R7, D5: 256 bits). The prefix lets secret scanners recognise
// a leaked key and lets the gateway refuse garbage without a store lookup.
// The key is shown once, when it is issued (R5); only its keyed hash
// (HMAC-SHA-256 under the server key, purpose "api-key": D5, R4) is stored,
// together with a random UUID v4 id (R16), a name and the APIs the key is
// valid for. Names are labels, not identifiers: several keys may share one,
// so that a key can be rotated without downtime (issue the new key, deploy
// it, revoke the old one: R5).
//
// # Checking a key
//
// FromRequest finds the key in the X-API-Key header or in
// "Authorization: ApiKey <key>" (scheme case-insensitive), never in the URL
// (R15); more than one candidate is refused as ambiguous. Authenticator
// checks the key's format first (no hash, no store call for a malformed
// key), then looks its keyed hash up through a bounded cache of positive and
// negative answers whose entries live at most one second, so a revocation is
// enforced within 1 s on every node (D1). Unknown, malformed and revoked keys
// get the same ErrInvalidKey; a valid key that does not list the API gets
// ErrWrongAPI. A store error is returned as such, never as an answer, so the
// gateway fails closed (D2).
//
// # Invariants
//
//   - No error or log text carries a key or its hash (R19, R20).
//   - A cached answer is never used at or after lookup time + TTL, with
//     TTL ≤ MaxCacheTTL (1 s): a key revoked at t is refused from t + 1 s on.
//   - The cache holds at most maxEntries positive and maxEntries negative
//     answers; a flood of unknown keys evicts only negative answers.
//   - Store errors are not cached.
package apikey
