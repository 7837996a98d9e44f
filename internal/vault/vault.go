// Package vault holds the data key (`encryption_key`): it seals data at rest
// with AES-256-GCM (R4) and computes the keyed hashes (HMAC-SHA-256 under
// keys derived with HKDF) that stand in for generated secrets (D5). It also
// mints those secrets with ≥ 256 bits from crypto/rand (R7).
package vault
