// Package users is Rempart's built-in user directory (A8): it creates users,
// checks their passwords and their TOTP second factor, and keeps their
// personal data encrypted at rest (R4). The authorization server's login and
// MFA pages and the `rempart user` commands use it through Directory; the
// records live behind the small Store interface (store/sqlstore implements
// it, store/storetest checks it).
//
// # Users
//
// A user has a random UUID v4 id (R16) and a username of 1 to 64 characters
// from [A-Za-z0-9._@-], compared case-insensitively: it is stored
// lower-cased, so "Alice" and "alice" are the same user (NormalizeUsername).
// A disabled user cannot log in; users are disabled, never deleted, so that
// their id (the `sub` of tokens already issued) is never reused.
//
// # Passwords (R4, D5)
//
// Passwords are hashed with argon2id (RFC 9106) and stored as a PHC string,
// "$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>" (salt and hash in standard
// base64 without padding), with a 16-byte salt from crypto/rand per user.
// The default parameters are RFC 9106 §4's second recommended option (t=3,
// m=64 MiB, p=4, 256-bit tag). Verification takes the parameters from the
// stored string, so they can be raised later without invalidating existing
// hashes, and refuses absurd stored parameters (memory above 1 GiB, …)
// rather than letting a tampered row exhaust the server. Hashes are compared
// in constant time.
//
// The password policy follows NIST SP 800-63B §3.1.1.2: at least 8
// characters (Unicode code points), at most 1024 bytes (which bounds the
// work an attacker can ask for), any characters, no composition rules, and
// not equal to the username (case-insensitively). The password is taken
// byte for byte: it is neither trimmed nor Unicode-normalised.
//
// Authenticate answers ErrInvalidCredentials, and only that, for an unknown
// username, a wrong password and a disabled user; for an unknown username it
// still computes an argon2id hash with the current parameters, so the
// response time does not tell whether a username exists. Counting failures
// and jailing (R3) is the caller's job.
//
// # E-mail (R4)
//
// An e-mail address is optional. It is trimmed, must be one plain address
// (net/mail, RFC 5322 addr-spec: no display name, no list), at most 254
// bytes (RFC 5321 §4.5.3.1.3), and its domain is lower-cased (the local part
// is case-sensitive). It is sealed with the data key (AES-256-GCM, vault)
// bound to the user's id (additional data "user-email:"+id) before it
// reaches the store: the database never holds it in clear.
//
// # TOTP (A8, RFC 6238)
//
// EnrollTOTP draws a 160-bit secret (RFC 4226 §4 R6), seals it bound to the
// user's id (additional data "user-totp:"+id), stores it and turns MFA on at
// once; it returns the otpauth:// URI (issuer "Rempart", account the
// username: SHA-1, 6 digits, 30-second steps, what every authenticator app
// accepts), which is shown to the operator once and never again.
// Re-enrolling replaces the secret: the previous authenticator stops
// working.
//
// VerifyTOTP accepts exactly 6 ASCII digits matching the current 30-second
// step or one step either side (RFC 6238 §5.2: one step of clock drift). A
// step is accepted at most once (RFC 6238 §5.2: "the verifier MUST NOT
// accept the second attempt of the same OTP"): the store records the last
// step used with a conditional update (Store.UseTOTPStep), so a code, or an
// older one, replayed even concurrently on another node is refused. The
// recorded step never decreases, even across re-enrolment.
//
// # Invariants
//
//   - No error message and no log line carries a password, a password hash,
//     an e-mail address, a TOTP secret or a TOTP code (R19, R20).
//   - The store holds only the PHC hash, the sealed e-mail and the sealed
//     TOTP secret (R4).
//   - Time and randomness are injected (Deps.Now, Deps.Rand).
package users
