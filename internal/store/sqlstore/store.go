package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/keys"
	"github.com/rempart/rempart/internal/store"
)

// Driver names accepted by Open (the store.driver config value).
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Store is a SQLite or PostgreSQL database holding Rempart's state. It is
// safe for concurrent use; its zero value is not usable (call Open).
type Store struct {
	db  *sql.DB
	d   dialect
	log *slog.Logger
}

// Compile-time checks that Store implements its consumers' interfaces.
var (
	_ authserver.ClientStore = (*Store)(nil)
	_ keys.Store             = (*Store)(nil)
)

// Open connects to the database, applies the pending migrations and returns
// the Store. driver is DriverSQLite, with dsn a file path (created 0600 in a
// 0700 directory when absent) or ":memory:", or DriverPostgres, with dsn a
// libpq keyword/value string or a postgres:// URL. Open fails when the
// database schema is newer than this binary. The error never contains a DSN
// password. log may be nil.
func Open(ctx context.Context, driver, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	switch driver {
	case DriverSQLite:
		db, err = openSQLite(dsn, log)
		d = sqliteDialect
	case DriverPostgres:
		db, err = openPostgres(dsn)
		d = postgresDialect
	default:
		return nil, fmt.Errorf("sqlstore: unknown driver %q (want %q or %q)", driver, DriverSQLite, DriverPostgres)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: d, log: log}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database; every later call fails. Closing twice is safe.
func (s *Store) Close() error {
	return s.db.Close()
}

// Ping reports whether the database answers a query; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	return nil
}

// Driver returns the driver name the store was opened with.
func (s *Store) Driver() string {
	return s.d.name
}

// exec runs a statement outside a transaction.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.d.rebind(query), args...)
}

// inTx runs fn in a transaction and commits it when fn returns nil. On
// SQLite the transaction starts with BEGIN IMMEDIATE (the _txlock DSN
// parameter), so read-then-write never meets an SQLITE_BUSY lock upgrade.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := rollback(tx); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// writeErr wraps the error of a write: a unique violation becomes
// store.ErrConflict (the driver text, which names the constraint, is dropped).
func (s *Store) writeErr(op string, err error) error {
	if s.d.isUnique(err) {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrConflict)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// rollback rolls tx back, ignoring the error of a transaction the database
// already ended.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
