package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rempart/rempart/internal/authserver"
)

// TestSQLitePragmas checks the D6 settings on several pooled connections at
// once (each is opened separately and must get the DSN pragmas).
func TestSQLitePragmas(t *testing.T) {
	s, _ := openSQLiteFile(t)
	defer s.Close()
	ctx := t.Context()
	var conns []*sql.Conn
	for range 3 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatalf("Conn() = %v", err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		for _, tc := range []struct {
			pragma string
			want   string
		}{
			{"synchronous", "2"}, // FULL
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "5000"},
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatalf("conn %d: PRAGMA %s: %v", i, tc.pragma, err)
			}
			if got != tc.want {
				t.Errorf("conn %d: PRAGMA %s = %q, want %q", i, tc.pragma, got, tc.want)
			}
		}
	}
}

// TestSQLiteFilePermissions: the database, its WAL and its directory are
// private to the user (R4: the file holds secret hashes and sealed keys).
func TestSQLiteFilePermissions(t *testing.T) {
	s, path := openSQLiteFile(t)
	defer s.Close()
	c := authserver.Client{ID: uuid.NewString(), Name: "perm", CreatedAt: time.Now()}
	if err := s.CreateClient(t.Context(), c); err != nil { // forces the WAL to exist
		t.Fatalf("CreateClient() = %v", err)
	}
	for _, tc := range []struct {
		path string
		want os.FileMode
	}{
		{filepath.Dir(path), 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	} {
		fi, err := os.Stat(tc.path)
		if err != nil {
			t.Fatalf("Stat(%s) = %v", tc.path, err)
		}
		if got := fi.Mode().Perm(); got != tc.want {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(tc.path), got, tc.want)
		}
	}
}

// TestSQLiteExistingFileModeKept: an operator's existing file is not
// chmod-ed behind their back, but Open warns when others can read it.
func TestSQLiteExistingFileModeKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rempart.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // defeat the umask
		t.Fatal(err)
	}
	var logged bytes.Buffer
	s, err := Open(t.Context(), DriverSQLite, path, slogTo(&logged))
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer s.Close()
	if !strings.Contains(logged.String(), "accessible to other users") {
		t.Errorf("no warning about a world-readable database file; log: %q", logged.String())
	}
}

// TestSQLiteHashStoredAsBlob: secret hashes are BLOBs holding the exact
// bytes, never text (STRICT tables refuse anything else).
func TestSQLiteHashStoredAsBlob(t *testing.T) {
	s, _ := openSQLiteFile(t)
	defer s.Close()
	h := []byte{0x00, 0xff, 0xc3, 0x28, 0x00, 'a'}
	c := authserver.Client{ID: uuid.NewString(), Name: "blob", SecretHash: h, CreatedAt: time.Now()}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatalf("CreateClient() = %v", err)
	}
	var (
		typ string
		n   int
		raw []byte
	)
	err := s.db.QueryRowContext(t.Context(),
		"SELECT typeof(secret_hash), length(secret_hash), secret_hash FROM clients WHERE id = ?", c.ID).Scan(&typ, &n, &raw)
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	if typ != "blob" || n != len(h) || !bytes.Equal(raw, h) {
		t.Errorf("stored secret_hash = %s of %d bytes %x, want blob of %d bytes %x", typ, n, raw, len(h), h)
	}
	// A text value in a hash column is refused by the schema itself.
	_, err = s.db.ExecContext(t.Context(), "UPDATE clients SET secret_hash = 'text' WHERE id = ?", c.ID)
	if err == nil {
		t.Error("storing TEXT in secret_hash succeeded, want a STRICT type error")
	}
}

// TestSQLiteOneActiveKeyIndex: the schema itself refuses a second active
// signing key, whatever the code above it does.
func TestSQLiteOneActiveKeyIndex(t *testing.T) {
	s, _ := openSQLiteFile(t)
	defer s.Close()
	ins := "INSERT INTO signing_keys (id, algorithm, public_der, sealed_priv, created_at) VALUES (?, 'ES256', x'01', x'02', 1)"
	if _, err := s.db.ExecContext(t.Context(), ins, uuid.NewString()); err != nil {
		t.Fatalf("first active key: %v", err)
	}
	_, err := s.db.ExecContext(t.Context(), ins, uuid.NewString())
	if !sqliteIsUnique(err) {
		t.Errorf("second active key: err = %v, want a unique violation", err)
	}
}

func TestSQLiteDSN(t *testing.T) {
	dsn, err := sqliteDSN("/var/lib/rempart/rempart.db")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"busy_timeout%285000%29", "journal_mode%28WAL%29", "synchronous%28FULL%29", "foreign_keys%281%29", "_txlock=immediate"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("sqliteDSN() = %q, missing %q", dsn, want)
		}
	}
	if !strings.HasPrefix(dsn, "/var/lib/rempart/rempart.db?") {
		t.Errorf("sqliteDSN() = %q, want the path then the parameters", dsn)
	}
}

// TestSQLiteTxImmediate: a transaction holds the write lock from BEGIN on
// (BEGIN IMMEDIATE), so a read-then-write transaction cannot fail its lock
// upgrade with SQLITE_BUSY.
func TestSQLiteTxImmediate(t *testing.T) {
	s, _ := openSQLiteFile(t)
	defer s.Close()
	ctx := t.Context()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Raw(func(any) error { return driver.ErrBadConn }) // drop it: busy_timeout changed
	if _, err := other.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	var e *sqlite.Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_BUSY {
		other.ExecContext(ctx, "ROLLBACK")
		t.Errorf("BEGIN IMMEDIATE beside an open transaction = %v, want SQLITE_BUSY", err)
	}
}

// TestSQLiteBusyWriters: a write transaction that another connection holds
// open is waited for (busy_timeout), not failed with SQLITE_BUSY.
func TestSQLiteBusyWriters(t *testing.T) {
	s, _ := openSQLiteFile(t)
	defer s.Close()
	ctx := t.Context()
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		c := authserver.Client{ID: uuid.NewString(), Name: "waiter", CreatedAt: time.Now()}
		done <- s.CreateClient(context.WithoutCancel(ctx), c)
	}()
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES (1000)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("CreateClient() while another writer held the lock = %v, want nil", err)
	}
}
