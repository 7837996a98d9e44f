// Package web is the HTTP plumbing shared by the authorization server, the
// gateway and the admin listener, and nothing else: request ids, the access
// log, RFC 9457 problem rendering, handlers that return errors, security
// headers and hardened server settings.
//
// Invariants: every response carries X-Request-ID and
// X-Content-Type-Options: nosniff; HTTPS responses carry
// Strict-Transport-Security; error bodies are generic (R19) and say no-store;
// the access log never records a query string, header value or body (R15, R20).
package web
