// Package store defines the storage vocabulary shared by every backend, like
// io/fs does for file systems: the sentinel errors a backend returns and the
// contract they carry. Domain packages (authserver, keys, …) declare the small
// storage interfaces they need next to the code that calls them; the backends
// in store/sqlstore implement them and are checked by store/storetest.
//
// Contract for every backend:
//   - identifiers are random UUIDs chosen by the caller (R16);
//   - a lookup that finds nothing returns an error wrapping ErrNotFound;
//   - an insert that collides with an existing unique value returns ErrConflict;
//   - a one-time value consumed twice returns ErrAlreadyUsed (D4);
//   - writes that security depends on are durable when the call returns (D6);
//   - when the backend is unreachable every call fails (D2: callers fail closed).
package store

import "errors"

var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict reports that a unique value (id, name) is already taken, or
	// that a record changed since it was read (optimistic concurrency).
	ErrConflict = errors.New("store: conflict")
	// ErrAlreadyUsed reports that a one-time value (authorization code,
	// refresh token, single-use grant) has already been consumed.
	ErrAlreadyUsed = errors.New("store: already used")
)
