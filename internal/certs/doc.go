// Package certs gives every Rempart listener its TLS configuration (R12) and,
// when an operator configured no certificate, a local development CA with a
// server certificate it signs.
//
// Invariants:
//   - ServerConfig only negotiates TLS 1.2 or 1.3. TLS 1.2 offers only ECDHE
//     key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305); no RSA key
//     exchange, no CBC, no 3DES, no RC4 (RFC 9325 §4.2). TLS 1.3 suites are
//     all AEAD and not configurable in Go.
//   - A listener with a client CA *asks* for a client certificate
//     (tls.VerifyClientCertIfGiven) and verifies any certificate it gets against
//     that CA only; whether a certificate is *required* is decided later per
//     client or API (RFC 8705 §2, A2).
//   - EnsureLocal keeps a CA that users may already trust: it creates a new CA
//     only when ca.pem is absent, expired or within 30 days of expiry, and
//     otherwise reissues just the server certificate (absent, expiring within
//     30 days, from another CA, or not valid for the requested hosts). Files
//     that exist but cannot be parsed, and a CA whose key is missing or does
//     not match, are errors naming the file, never silently overwritten.
//     Private keys are written 0600 in a 0700 directory, atomically
//     (temporary file, fsync, rename).
//   - A Reloader swaps a certificate atomically; a failed reload keeps the
//     certificate that was serving.
package certs
