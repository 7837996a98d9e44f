// Package authserver is Rempart's OAuth 2 authorization server: metadata
// discovery (RFC 8414, OpenID Connect Discovery 1.0), the JWK set, the token
// endpoint (RFC 6749 §3.2) with client authentication (RFC 6749 §2.3.1:
// client_secret_basic and client_secret_post) and the client credentials
// grant (RFC 6749 §4.4), and the client registration helpers the CLI uses.
//
// Handlers follow parse → check → pure method → render: the HTTP layer
// decodes and checks the form, authenticates the client, calls a method that
// takes typed input and does no HTTP (clientCredentials), and renders the
// result; errors are rendered only by oauth.WriteError.
//
// Invariants:
//   - the token endpoint accepts only POST with an
//     application/x-www-form-urlencoded body of at most 64 KiB, refuses any
//     query parameter (R15, RFC 6749 §2.3.1) and any repeated parameter
//     (RFC 6749 §3.2);
//   - client secrets are compared as keyed hashes (D5) in constant time; an
//     unknown client costs the same hash as a known one; every failure is
//     the same generic invalid_client (401 + WWW-Authenticate) and is
//     counted and logged with the client id, never the secret (R19, R20);
//   - a client reads its current state from the store on every request, so
//     deleting it or rotating its secret takes effect at once (D1); a store
//     error fails closed (D2);
//   - access tokens are RFC 9068 JWTs (typ at+jwt, ES256) whose aud lists
//     API names, with a random UUID jti (R16) and a lifetime of
//     Config.AccessTokenTTL (30 min by default, R8);
//   - discovery advertises only what works.
package authserver
