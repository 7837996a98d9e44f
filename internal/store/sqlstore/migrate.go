package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrSchemaTooNew reports a database migrated by a newer Rempart: this binary
// refuses to run on a schema it does not know.
var ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this binary")

// migrationFS holds the schema migrations, one directory per dialect. Files
// are named NNNN_description.sql and numbered 1, 2, … without gaps; each is
// applied once, in order, in its own transaction, and recorded in
// schema_migrations. A released migration is never edited: schema changes
// (tokens, codes, users, API keys, audit, …) come as new files, in both
// directories with the same number.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one embedded schema step.
type migration struct {
	version int
	name    string // file name, for logs
	sql     string
}

// createSchemaMigrations is valid SQL for both dialects.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY)`

// loadMigrations returns the migrations of dialect name, in version order,
// checking that they are numbered 1..n.
func loadMigrations(name string) ([]migration, error) {
	dir := path.Join("migrations", name)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("sqlstore: migrations: %s: want %04d_*.sql", e.Name(), len(ms)+1)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	return ms, nil
}

// migrateBusyWait bounds how long migrate retries a step that met
// SQLITE_BUSY.
const migrateBusyWait = 10 * time.Second

// isSQLiteBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isSQLiteBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// migrate brings the schema up to date. It is a no-op on an up-to-date
// database and refuses (ErrSchemaTooNew) a newer one.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(migrateBusyWait)
	for {
		m, err := s.migrateStep(ctx, ms)
		if err != nil && isSQLiteBusy(err) && time.Now().Before(deadline) {
			// A brand-new SQLite file: several processes opening it at once
			// can meet SQLITE_BUSY while one switches it to WAL, a case where
			// SQLite does not call the busy handler. Wait and try again.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		s.log.Info("sqlstore: applied migration", "driver", s.d.name, "version", m.version, "file", m.name)
	}
}

// migrateStep applies the next pending migration, if any, in one
// transaction, and returns it (nil when the schema is up to date). The
// transaction first takes a database-wide lock (SQLite BEGIN IMMEDIATE,
// PostgreSQL pg_advisory_xact_lock) and only then reads the current version,
// so two processes starting at once never apply the same step twice.
func (s *Store) migrateStep(ctx context.Context, ms []migration) (*migration, error) {
	var applied *migration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.migrationLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var cur sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		v := int(cur.Int64)
		switch {
		case v > len(ms):
			return fmt.Errorf("%w: database is at version %d, this binary knows versions up to %d; upgrade rempart",
				ErrSchemaTooNew, v, len(ms))
		case v == len(ms):
			return nil
		}
		m := ms[v]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO schema_migrations (version) VALUES (?)"), m.version); err != nil {
			return fmt.Errorf("record %s: %w", m.name, err)
		}
		applied = &m
		return nil
	})
	if errors.Is(err, ErrSchemaTooNew) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate %s: %w", s.d.name, err)
	}
	return applied, nil
}
