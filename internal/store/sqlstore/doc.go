// Package sqlstore is Rempart's SQL storage backend: one Store that speaks to
// SQLite (the default, embedded, pure Go) or PostgreSQL (clusters) through
// database/sql. It implements the storage interfaces the domain packages
// declare (authserver.ClientStore, keys.Store) and is checked by the
// conformance suite in store/storetest against both databases.
//
// # Opening
//
// Open(ctx, "sqlite", path) opens (creating if needed, mode 0600 in a 0700
// directory) the SQLite file at path; ":memory:" opens a private in-memory
// database for tests. Open(ctx, "postgres", dsn) takes a libpq keyword/value
// string or a postgres:// URL. Open applies the embedded migrations before it
// returns and refuses a database whose schema is newer than the binary.
//
// # Invariants
//
//   - Every SQL statement is written once with "?" placeholders; the dialect
//     rewrites them to $n for PostgreSQL. Only the migrations differ per
//     database (BLOB vs BYTEA, INTEGER vs BIGINT, collations).
//   - Times are stored as UTC Unix nanoseconds (INTEGER / BIGINT); a zero
//     time.Time is stored as NULL and only allowed in optional columns
//     (Client.UpdatedAt, Client.PrevSecretExpires, Record.RetiredAt). Times read
//     back are in UTC. Representable range: years 1678–2261.
//   - String lists (grant types, scopes, redirect URIs, APIs) are JSON arrays in
//     TEXT columns; an empty list reads back as nil.
//   - Secret hashes and key material are BLOB / BYTEA, stored byte for byte;
//     an empty hash is stored as NULL and reads back as nil.
//   - Text is ordered and compared by byte (SQLite BINARY, PostgreSQL "C"
//     collation), so both databases list in the same order.
//   - Unique violations map to store.ErrConflict, missing rows to
//     store.ErrNotFound; error text never carries hashes, key material or a
//     DSN password (R19, R20).
//   - Durability (D6): SQLite runs in WAL mode with synchronous=FULL, so a
//     commit is fsynced to the WAL before the call returns; PostgreSQL is used
//     with its default synchronous_commit=on. A security write is therefore
//     durable when acknowledged.
//   - Fail closed (D2): once closed or unreachable every call returns an
//     error, never a result, and never one wrapping store.ErrNotFound.
//   - Token lifecycle (grants.go, revocation.go): refresh tokens are
//     consumed by a conditional UPDATE after the family's row is locked, so
//     exactly one concurrent rotation wins and every reuse revokes the
//     family (its refresh tokens, its access tokens and their jtis on the
//     deny-list) in one transaction; rotations and revocations lock the
//     family first, so they never deadlock. Purge (purge.go) deletes
//     expired rows in bounded batches, one statement per table in
//     purgeStatements.
//   - Browser flow (codes.go, sessions.go, consents.go): an authorization
//     code is redeemed by one conditional UPDATE (used_at IS NULL) in a
//     transaction that then reads it back, so exactly one concurrent
//     redemption wins and every other returns the code with
//     store.ErrAlreadyUsed (D4); codes and session ids are stored only as
//     keyed hashes (D5); a consent is one row per user and client, upserted.
package sqlstore
