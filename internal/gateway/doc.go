// Package gateway is Rempart's API gateway: a reverse proxy
// (httputil.ReverseProxy with Rewrite) in front of the configured APIs.
// New compiles, once per configuration, the route table and every API's
// stages (policies, validators, rate limits, address filters, CORS,
// deprecation headers); each request then runs one fixed pipeline
// (pipeline.go, Gateway.serve), in which a stage an API does not use is
// nil and costs one comparison:
//
//	hygiene → normalise → URL credentials → route → exposure → jail →
//	authenticate → jail (principal) → rate limit → scopes → body →
//	validate → policies → identity → proxy → check and clean the response
//
// # Invariants
//
//   - Hygiene first (hygiene package): ambiguous framing is 400 with
//     Connection: close (RFC 9112 §6.3), too many header fields 431,
//     method-override and hop-by-hop fields are removed before any stage
//     reads the request, so validation, policies and the upstream all see
//     the same request. Bodies are read whole, bounded by max_body (413),
//     before anything is forwarded, and re-framed with Content-Length.
//   - Routing and the upstream see the same path: the canonical form from
//     normalizePath (path.go). Encoded slashes, backslashes, encoded dot
//     segments, control characters, ";" parameters, double encodings and
//     ".." above the root are refused with 400; percent-encoded unreserved
//     characters are decoded (RFC 3986 §6.2.2.2), other encodings use
//     upper-case hex (§6.2.2.1), dot segments are resolved (§5.2.4) and "//"
//     collapses. Paths are case-sensitive. The path table in path_test.go
//     holds published gateway path-confusion CVEs.
//   - Prefixes match whole segments ("/orders" never matches
//     "/orders-admin"); the longest prefix wins, without falling back to a
//     shorter one. An unknown path is 404 and never reaches an upstream
//     (A9). An API with routes serves only those: another path is 404,
//     another method 405 with Allow. HEAD is served only where declared.
//     TRACE is refused on APIs without routes (it would echo the
//     Rempart-Identity back to the caller). A disabled API is 410; a client
//     address outside allow_ips or inside deny_ips is 403; the client
//     address is the peer, or the right-most untrusted X-Forwarded-For
//     entry behind trusted_proxies.
//   - Credentials never travel in URLs (R15): a credential-like query
//     parameter is 400 on every path; an access_token in a form body is
//     400 on OAuth routes (RFC 6750 §2.2 is not supported).
//   - OAuth routes take a bearer token only from one Authorization header
//     (RFC 6750 §2.1); Basic is refused (R1). Every token is verified by
//     the token package (R6), must name the API in aud (RFC 9068 §4) and
//     hold every required scope (RFC 6750 §3.1: 403 insufficient_scope).
//     API-key routes take a key from X-API-Key or "Authorization: ApiKey"
//     (A1), valid for the API; unknown, revoked and foreign keys get the
//     same 401.
//   - Successful verifications are cached (bounded, sharded), but expiry
//     and the revocation hook are checked on every request (R3, D1);
//     failures are never cached.
//   - Wrong credentials count toward the jail (R3) per client address and,
//     when the credential proves one, per principal ("client:<id>",
//     "apikey:<id>"); a jailed address or principal is 429 with
//     Retry-After even with valid credentials. Rate limits (R11) are GCRA
//     buckets per API or route and per client, API key, user or address;
//     every response of a limited route carries RateLimit-Policy, charged
//     ones RateLimit, refused ones 429 and Retry-After.
//   - Validation (validate package): 415/406 (R13), OpenAPI operations,
//     parameters and bodies (R14), JSON threat limits; the problem detail
//     names the location with a generic title, never schema internals.
//     Policies (policy package) see no credential and fail closed: false or
//     an evaluation error is 403.
//   - The upstream never receives the caller's credentials (Authorization,
//     Proxy-Authorization, X-API-Key, DPoP) nor caller-supplied Rempart-*,
//     X-Request-ID, X-Forwarded-*, Forwarded or method/path override
//     headers. It receives X-Request-ID and, on authenticated routes, a
//     Rempart-Identity JWS (lifetime ≤ 60 s, never past the access token,
//     reused while it has ≥ 10 s left; sub = the key id for API keys).
//   - Upstream answers are bounded: response headers within the upstream
//     timeout (504), bodies within max_response_body (502, or an aborted
//     response when the length is unknown), and, with response_validation,
//     checked against the operation (502) or stripped of undeclared
//     properties. Responses lose fingerprinting headers and gain security
//     headers (R17); the API's CORS, deprecation (RFC 9745, RFC 8594) and
//     rate-limit fields replace the upstream's. Every error is a generic
//     RFC 9457 problem with the request id and Cache-Control: no-store;
//     upstream failures never reveal the upstream (R19). No credential, key
//     or secret is ever logged (R20).
//   - A Gateway starts no goroutine and holds no state that must outlive a
//     reload except through Deps (Jail, Limiter); New is cheap to call on
//     every configuration reload, and Close releases idle connections.
package gateway
