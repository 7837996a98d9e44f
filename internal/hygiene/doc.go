// Package hygiene holds the gateway's pure request checks: the ones that
// need no route, no credential store and no upstream. The gateway calls
// them at the top of its pipeline, before routing and authentication; each
// returns a verdict and leaves the response to the caller, whose error
// bodies are generic (R19).
//
// # Checks
//
//   - CredentialDetector (credential.go): a credential-like query
//     parameter (access_token, api_key, key, token, client_secret, password,
//     secret, and configured additions, in any spelling, encoding or nesting)
//     refuses the request with 400 before it is forwarded (R15). Find returns
//     the configured name, never the value (R20).
//   - CheckFraming (framing.go) and NewListener (listener.go): request
//     smuggling defences (RFC 9112 §6). framing.go opens with the measured
//     table of which layer (Go's server, the listener, the handler check)
//     refuses which pattern.
//   - StripHopByHop, StripMethodOverride, CheckHeaderLimits (headers.go):
//     hop-by-hop fields (RFC 9110 §7.6.1), method-override headers, header
//     count (431).
//   - ClientIP (clientip.go): the client address per the interface contract
//     (peer, or the right-most untrusted X-Forwarded-For entry behind
//     gateway.trusted_proxies), for rate limits, jails and IPFilter (R3, R11).
//   - IPFilter, ParsePrefixes (ipfilter.go): per-API allow_ips / deny_ips,
//     deny wins (A9).
//
// # Invariants
//
//   - Fail closed: a malformed parameter name, Content-Length, X-Forwarded-For
//     entry or client address is refused or resolved to the nearest trusted
//     address, never ignored.
//   - No error or result carries a header or query value: they are safe to
//     log (R20).
//   - Everything here is immutable after construction and safe for
//     concurrent use; the package imports no other Rempart package.
package hygiene
