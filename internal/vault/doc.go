// Package vault holds the data key (`encryption_key`): it seals data at rest
// with AES-256-GCM (R4) and computes the keyed hashes (HMAC-SHA-256 under
// keys derived with HKDF) that stand in for generated secrets (D5). It also
// mints those secrets with ≥ 256 bits from crypto/rand (R7).
//
// # Invariants
//
//   - The data key is exactly 32 bytes and never leaves the Vault: no method
//     returns it and no error message quotes it or its encoding (R5, R20).
//   - Sealed values are version(1) || nonce(12) || AES-256-GCM ciphertext
//     and tag; the version byte is authenticated together with the caller's
//     additional data, so a value sealed for one record (AAD = its id)
//     cannot be moved to another. Nonces are random (NIST SP 800-38D §8.2.2),
//     safe far beyond the number of values Rempart seals under one key.
//   - Keyed hashes use a separate key per purpose, derived with HKDF-SHA-256
//     (RFC 5869) under info "rempart/<purpose>", so a hash computed for one
//     purpose is useless for another. Compare them with Matches
//     (constant time).
//   - A key file is created 0600 in a 0700 directory, written atomically,
//     and refused when group or others can read it.
package vault
