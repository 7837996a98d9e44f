// Package gateway is Rempart's API gateway: a reverse proxy
// (httputil.ReverseProxy with Rewrite) in front of the configured APIs. The
// route table is compiled once by New; each request then runs one fixed
// pipeline (gateway.go, Gateway.serve):
//
//	normalise → route → refuse URL credentials → authenticate → authorise → identity → proxy → clean response
//
// with room for the later stages (jail and rate limit, policy, request
// validation) between authorise and proxy.
//
// # Invariants
//
//   - Routing and the upstream see the same path: the canonical form from
//     normalizePath (path.go). Encoded slashes, backslashes, encoded dot
//     segments, control characters, ";" parameters, double encodings and
//     ".." above the root are refused with 400; percent-encoded unreserved
//     characters are decoded (RFC 3986 §6.2.2.2), other encodings use
//     upper-case hex (§6.2.2.1), dot segments are resolved (§5.2.4) and "//"
//     collapses. Paths are case-sensitive.
//   - Prefixes match whole segments ("/orders" never matches
//     "/orders-admin"); the longest prefix wins, without falling back to a
//     shorter one. An unknown path is 404 and never reaches an upstream
//     (A9). An API with routes serves only those: another path is 404,
//     another method 405 with Allow. HEAD is served only where declared.
//     TRACE is refused on APIs without routes (it would echo the
//     Rempart-Identity back to the caller).
//   - OAuth routes take a bearer token only from one Authorization header
//     (RFC 6750 §2.1); Basic is refused (R1); a token in the query string is
//     refused on every API (R15) and one in a form body on OAuth routes
//     (RFC 6750 §2.2 is not supported). Every token is verified by the
//     token package (R6), must name the API in aud (RFC 9068 §4) and hold
//     every required scope (RFC 6750 §3.1: 403 insufficient_scope).
//   - Successful verifications are cached (bounded, sharded), but expiry
//     and the revocation hook are checked on every request (R3, D1);
//     failures are never cached.
//   - The upstream never receives the caller's credentials (Authorization,
//     Proxy-Authorization, X-API-Key, DPoP) nor caller-supplied Rempart-*,
//     X-Request-ID, X-Forwarded-*, Forwarded or method/path override
//     headers. It receives X-Request-ID and, on authenticated routes, a
//     Rempart-Identity JWS (lifetime ≤ 60 s, never past the access token,
//     reused while it has ≥ 10 s left).
//   - Responses lose fingerprinting headers and gain security headers
//     (R17). Every error is a generic RFC 9457 problem with the request id
//     and Cache-Control: no-store; upstream failures never reveal the
//     upstream (R19). Tokens are never logged (R20).
package gateway
