// Package keys manages Rempart's JWT signing keys (R4, R5, D7): it generates
// ECDSA P-256 keys (ES256, RFC 7518 §3.4), stores their private half sealed
// by the vault with the key id as additional data, rotates them without
// downtime, and publishes the public halves as an RFC 7517 JWK Set.
//
// # Invariants
//
//   - Exactly one key signs: the newest key that is not retired. Inserting a
//     key retires the others in the same store transaction, and every
//     process re-reads the store (Refresh), so concurrent starts or a
//     `rempart keys rotate` from another process converge on one key.
//   - A retired key stays published (JWKS, VerificationKey) until
//     RetiredAt + MaxTokenTTL + PublishGrace, so every token it signed can be
//     verified until it expires; after that Refresh deletes it.
//   - Only public keys leave the package: the JWK Set never carries private
//     members, and private keys live only in memory, unsealed on load.
//   - A key the vault cannot unseal is a startup error (fail closed), never
//     silently replaced.
//   - The hot paths (SigningKey, VerificationKey, JWKS) read an immutable
//     snapshot through an atomic pointer, without locks or store calls; an
//     unknown kid triggers at most one store refresh per second.
package keys
