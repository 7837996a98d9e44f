// Package authserver is Rempart's OAuth 2 / OpenID Connect authorization
// server: metadata discovery (RFC 8414, OpenID Connect Discovery 1.0), the
// JWK set, the token endpoint (RFC 6749 §3.2) with client authentication
// (client_secret_basic, client_secret_post, private_key_jwt per RFC 7523)
// and the client credentials, authorization code (with PKCE S256), refresh
// token (rotated, reuse revokes the family) and per-client password grants;
// the authorization endpoint with login, second-factor and consent pages;
// ID tokens and userinfo; introspection (RFC 7662), revocation (RFC 7009)
// and the jti deny-list gateways poll; the purge job; and the client
// registration helpers the CLI uses. docs/authorization-server.md is the
// user-facing reference.
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
//
// # Browser flow (OpenID Connect)
//
// With Deps.Accounts (and Codes, Sessions, Consents) the server also runs
// the authorization code flow (RFC 6749 §4.1, OpenID Connect Core §3.1):
// the authorization endpoint, the login, second-factor and consent pages
// (package ui), the account page listing consents, sign-out, the
// authorization_code grant with ID tokens, and userinfo. Its invariants:
//   - response_type=code only: the implicit and hybrid flows are
//     unsupported_response_type (T4, R15); PKCE S256 is required of every
//     client, plain and missing PKCE refused (RFC 9700 §2.1.1);
//   - redirect_uri is matched exactly against the client's list (R9;
//     oauth.MatchRedirect, RFC 8252 §7.3 loopback ports only); until the
//     client and its redirect URI are validated, an error is a 400 page and
//     never a redirect (RFC 6749 §4.1.2.1); after, it is redirected with
//     state and iss (RFC 9207); state is returned unchanged (R10);
//   - granted scope = the client's scopes ∩ the requested ∩ the consented
//     (A4); consent is remembered per user and client and revocable;
//   - codes are "rpc_" handles of 256 bits stored as keyed hashes (D5),
//     valid 60 s, bound to client, redirect URI, PKCE challenge, nonce and
//     scope; redemption marks them used atomically, a failed redemption
//     burns the code and a second one revokes every token issued from it
//     (D4);
//   - sessions are random ids stored as keyed hashes, in __Host- cookies
//     (Secure, HttpOnly, SameSite=Lax), 8 h at most and 30 min idle; every
//     form carries a CSRF token tied to a cookie; every page has a CSP
//     without script, X-Frame-Options DENY, no-store and no-referrer;
//   - login and second-factor failures count in the jail per username and
//     address (R3), attempts are rate-limited per address (R11), and a
//     second factor is required when the server or the client says so (A8);
//   - ID tokens (typ JWT) carry iss, sub, aud, exp, iat, auth_time, nonce,
//     amr, acr, azp and at_hash; the gateway never accepts one as an access
//     token.
//
// # Token lifecycle
//
// With Deps.Tokens the server keeps token families, refresh tokens,
// recorded and opaque access tokens, the jti deny-list and client-assertion
// jtis (TokenStore; store/sqlstore implements it). Every user grant
// (password, authorization code) goes through issueUserTokens
// (issue_user.go). Invariants:
//   - a refresh token ("rpr_" handle, 256 bits) is issued when the client
//     has the refresh_token grant and the granted scope holds offline_access;
//     only its keyed hash is stored (D5); it lives Config.RefreshTokenTTL
//     (24 h by default, T2), is bound to its client, and is rotated on every
//     use by one atomic store call; presenting a rotated token revokes its
//     whole family — refresh tokens and access tokens — even when the
//     rotations race (T2, RFC 9700 §4.14.2); a refresh may narrow scope and
//     audience, never widen them (RFC 6749 §6, RFC 8707 §2.2);
//   - access tokens are JWTs or, per Config.AccessTokenFormat or the
//     client's TokenFormat, opaque "rpo_" handles stored as keyed hashes
//     (A3); every access token of a user grant is recorded with its family,
//     so revoking the family deny-lists it; client_credentials JWTs write
//     nothing to the store;
//   - introspection (RFC 7662) and revocation (RFC 7009) authenticate the
//     client as the token endpoint does; a client sees and revokes only its
//     own tokens (anything else is {"active":false} / 200 with nothing
//     revoked); a refresh token revokes its family; an access token joins
//     the jti deny-list until it expires; a store that cannot answer or
//     write is 503, never an answer (D2);
//   - the gateway applies revocations within 1 s (D1) through DenyList,
//     which polls the deny-list every 250 ms and refuses every jti when it
//     could not refresh for 3 s (D2), and validates opaque tokens through
//     OpaqueVerifier (store lookup, successes cached at most 1 s);
//   - private_key_jwt (RFC 7523 §2.2): keys come only from the JWK set
//     registered with the client (D7: jwk, jku, x5u, x5c headers refused),
//     ES256/PS256/RS256 only, aud = token endpoint or issuer, exp at most
//     5 min ahead, jti single use;
//   - the password grant (RFC 6749 §4.3) only for clients registered with
//     --allow-password-grant, never for a user with a second factor (T4);
//   - failed client authentication, by any method, at any endpoint, counts
//     in the jail (Deps.Jail) per client id and TCP peer address; a jailed
//     one gets 429 with Retry-After even with the right credentials (R3);
//   - Purger deletes expired rows in bounded batches so that the tables hold
//     about issue rate × lifetime rows, and exports their sizes (T3).
package authserver
