package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// memoryPath is the SQLite dsn that opens a private in-memory database.
const memoryPath = ":memory:"

// sqliteMaxConns bounds the SQLite pool: writers queue in the pool instead
// of spinning in SQLite's busy handler, readers still run in parallel (WAL).
const sqliteMaxConns = 8

// sqliteParams are the modernc.org/sqlite DSN parameters applied to every
// pooled connection when it opens (D6):
//   - busy_timeout(5000): wait up to 5 s for another writer (first, so the
//     pragmas below never fail with SQLITE_BUSY);
//   - foreign_keys(1): enforce REFERENCES clauses;
//   - journal_mode(WAL): readers do not block the writer;
//   - synchronous(FULL): fsync the WAL at every commit, so a security write
//     (revocation, code use, audit) survives a power loss once acknowledged;
//   - _txlock=immediate: BEGIN takes the write lock at once (BEGIN
//     IMMEDIATE), so a read-then-write transaction never fails on a lock
//     upgrade with SQLITE_BUSY, and migrations from two processes serialise.
func sqliteParams(memory bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
	}
	q.Set("_txlock", "immediate")
	return q.Encode()
}

// sqliteDSN returns the driver DSN for path: the plain file path followed by
// sqliteParams. The driver splits the DSN at its first '?', so a path holding
// one is refused, as is a "file:" URI (its parameters would be ours to vet).
func sqliteDSN(path string) (string, error) {
	switch {
	case path == "":
		return "", errors.New("sqlstore: sqlite: empty database path")
	case path == memoryPath:
		return memoryPath + "?" + sqliteParams(true), nil
	case strings.Contains(path, "?"), strings.HasPrefix(path, "file:"):
		return "", errors.New("sqlstore: sqlite: database path must be a plain file path (no file: URI, no '?')")
	}
	return path + "?" + sqliteParams(false), nil
}

// openSQLite opens the SQLite database at path (or memoryPath), creating the
// file with mode 0600 and its directory with mode 0700 when absent.
func openSQLite(path string, log *slog.Logger) (*sql.DB, error) {
	dsn, err := sqliteDSN(path)
	if err != nil {
		return nil, err
	}
	if path != memoryPath {
		if err := createPrivateFile(path, log); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: sqlite: %w", err)
	}
	if path == memoryPath {
		// Each connection to :memory: is a separate database: keep exactly
		// one, forever.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		return db, nil
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	return db, nil
}

// createPrivateFile makes sure path exists, creating its directory (0700) and
// the file (0600) when absent; SQLite gives its -wal and -shm files the
// database file's mode. An existing file keeps its mode, with a warning when
// other users may read it (it holds secret hashes and sealed keys, R4).
func createPrivateFile(path string, log *slog.Logger) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sqlstore: sqlite: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlstore: sqlite: create database file: %w", err)
	}
	fi, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlstore: sqlite: database file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("sqlstore: database file is accessible to other users; chmod 600 it",
			"path", path, "mode", fi.Mode().Perm().String())
	}
	return nil
}
