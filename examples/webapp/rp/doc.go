// Package rp is the sample web application of Rempart's login walk-through
// (docs/login-walkthrough.md): an OpenID Connect relying party built only on
// net/http, golang.org/x/oauth2 and github.com/coreos/go-oidc/v3, the way any
// third-party app would log its users in through Rempart. It uses nothing
// from Rempart's own packages.
//
// # The flow
//
//   - GET /login starts an authorization code request (RFC 6749 §4.1) with
//     a fresh state (CSRF protection, RFC 6749 §10.12, R10), an OpenID
//     Connect nonce (OIDC Core §3.1.2.1) and a PKCE S256 code verifier
//     (RFC 7636 §4.2; RFC 9700 §2.1.1). The three values travel to the
//     callback in a short-lived cookie that is sealed (AES-256-GCM under a
//     key that lives only in this process), HttpOnly and SameSite=Lax, so
//     neither script nor another site can read or forge them.
//   - GET /callback accepts the response only if its state matches the
//     cookie's (constant-time comparison), checks the RFC 9207 iss
//     parameter, turns an error response into a generic page, redeems the
//     code with the verifier, verifies the ID token with go-oidc (signature
//     against the issuer's JWKS, iss, aud, exp; at_hash when present) and
//     its nonce, calls userinfo (whose sub must match, OIDC Core §5.3.2),
//     then opens a session and redirects to / so that the code leaves the
//     address bar.
//   - GET / shows the verified claims of the signed-in user, or a login
//     link.
//   - POST /refresh redeems the refresh token (RFC 6749 §6) and shows that
//     Rempart rotated it.
//   - POST /logout revokes the refresh token (RFC 7009, best effort) and
//     forgets the session.
//
// # What a demo may simplify
//
// Sessions live in an in-memory map keyed by the SHA-256 of a random
// 256-bit cookie value: they vanish when the process stops and are not
// shared between processes; a production app would use its own session
// store. Tokens stay on the server; the browser only ever holds the two
// opaque cookies. Nothing secret is put in a URL or a log line: not the
// client secret, the code, the tokens, the verifier or the cookies.
//
// The app serves plain HTTP on a loopback address: traffic between the
// browser and 127.0.0.1 never leaves the machine, which is why RFC 8252 §7.3
// lets loopback redirect URIs use http and why Rempart accepts
// http://127.0.0.1 redirect URIs. Deployed anywhere else the app must be
// served over https; its cookies are then marked Secure and use the
// __Host- prefix automatically (the redirect URL's scheme decides).
package rp
