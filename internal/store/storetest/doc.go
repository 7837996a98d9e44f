// Package storetest is the conformance suite every storage backend must pass,
// like testing/fstest for file systems. A backend's tests call Run with a
// function that opens a fresh, empty, migrated backend; sqlstore runs it on
// SQLite always and on PostgreSQL when a DSN is given.
//
// The suite pins the contract of store (ErrNotFound, ErrConflict, fail closed
// after Close: D2) and of the interfaces the domain packages declare
// (authserver.ClientStore, keys.Store), plus what callers may rely on:
//   - every field round-trips; times compare Equal (any zone in, same instant
//     out); an empty list or hash may read back as nil;
//   - hashes and key material are stored byte for byte (R4, D5);
//   - clients list by name in byte order; keys newest first (created_at,
//     then id, descending);
//   - InsertSigningKey retires every active key atomically, so exactly one
//     key is active even under concurrent rotations;
//   - invalid input (empty id or name, missing created_at, a previous secret
//     hash without its expiry, text that is not valid UTF-8 or holds NUL) is
//     refused and nothing is written;
//   - the token store (authserver.TokenStore, RevocationFeed, PurgeStore):
//     a refresh token is consumed once even by 20 concurrent rotations, and
//     reuse revokes its family with every access token of it (deny-listed);
//     Purge deletes only expired rows, at most a batch per table per call.
package storetest
