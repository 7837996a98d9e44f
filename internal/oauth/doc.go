// Package oauth is Rempart's shared OAuth 2 wire vocabulary: the RFC 6749
// §5.2 error type and its renderer, scope parsing (RFC 6749 §3.3), PKCE S256
// verification (RFC 7636, RFC 9700 §2.1.1), and redirect-URI registration
// checks and exact matching (R9, RFC 6749 §3.1.2, with the RFC 8252 §7.3
// loopback port relaxation for native clients). It
// is pure (no storage, no configuration) and imports no other Rempart
// package, so the authorization server, the gateway and the CLI can all use
// it.
//
// Invariants:
//   - error bodies carry only the fixed generic descriptions chosen here or
//     by the caller, never a library or internal message (R19); the cause in
//     Error.Err goes to the log only;
//   - every error response says Cache-Control: no-store (RFC 6749 §5.1);
//   - error constructors return fresh values, so a caller can never modify a
//     shared sentinel;
//   - ParseScope accepts exactly the RFC 6749 §3.3 grammar with bounded
//     size, and never panics (fuzzed).
package oauth
